"""Plain-Python reference implementations of the forecasters (readable, slow), for the tests.

Written straight from the equations in Hyndman & Athanasopoulos, "Forecasting:
Principles and Practice" (3rd ed., sections 5.2 and 8.1-8.3), with explicit
time indices, independently of the compiled kernels.
"""

from __future__ import annotations

import math


def seasonal_naive(y: list[float], m: int, horizon: int) -> list[list[float]]:
    """Forecasts made before each row: y_hat[t+h|t] = last observed y at the same phase."""
    out = []
    for t in range(len(y)):
        row = []
        observed = [v for v in y[:t] if not math.isnan(v)]
        for j in range(horizon):
            target = t + j
            past = [i for i in range(t) if (target - i) % m == 0 and not math.isnan(y[i])]
            if past:
                row.append(y[max(past)])
            else:
                row.append(observed[-1] if observed else math.nan)
        out.append(row)
    return out


def holt_winters(
    y: list[float],
    alpha: float,
    beta: float | None,
    gamma: float,
    m: int | None,
    mult: bool,
    phi: float,
    horizon: int,
) -> list[list[float]]:
    """Forecasts made before each row (no NaN in ``y``), classical initialisation."""
    p = m or 1
    w = 2 * p if beta is not None else p
    out: list[list[float]] = []
    level = trend = 0.0
    seasons: dict[int, float] = {}  # time index -> seasonal term of that time
    for t in range(len(y)):
        if t < w:
            out.append([y[t - 1] if t else math.nan] * horizon)
        else:
            row = []
            for h in range(1, horizon + 1):
                damp = sum(phi**i for i in range(1, h + 1))
                base = level + damp * (trend if beta is not None else 0.0)
                if m:
                    k = (h - 1) // m
                    s = seasons[t - 1 + h - m * (k + 1)]
                    row.append(base * s if mult else base + s)
                else:
                    row.append(base)
            out.append(row)
        if t == w - 1:  # initialise at time p - 1, then run the equations over rows p .. w - 1
            level = sum(y[:p]) / p
            trend = sum((y[p + i] - y[i]) / p for i in range(p)) / p if beta is not None else 0.0
            if m:
                for i in range(m):
                    seasons[i] = y[i] / level if mult else y[i] - level
            for i in range(p, w):
                level, trend = _step(y[i], i, level, trend, seasons, alpha, beta, gamma, m, mult, phi)
        elif t >= w:
            level, trend = _step(y[t], t, level, trend, seasons, alpha, beta, gamma, m, mult, phi)
    return out


def _step(v, t, level, trend, seasons, alpha, beta, gamma, m, mult, phi):
    b = trend if beta is not None else 0.0
    base = level + phi * b
    s_old = seasons[t - m] if m else (1.0 if mult else 0.0)
    if mult:
        new = alpha * v / s_old + (1 - alpha) * base
        if m:
            seasons[t] = gamma * v / base + (1 - gamma) * s_old
    else:
        new = alpha * (v - s_old) + (1 - alpha) * base
        if m:
            seasons[t] = gamma * (v - base) + (1 - gamma) * s_old
    new_trend = beta * (new - level) + (1 - beta) * phi * b if beta is not None else 0.0
    return new, new_trend
