"""Holt-Winters exponential smoothing (additive or multiplicative season, optional damped trend)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import BOOL, NONE, Interval
from streamlearn.base.registry import register
from streamlearn.time_series._base import CompiledForecaster

# The per-row kernels take the settings as plain scalars:
#   alpha, beta, gamma, phi (floats), m (season length, 0 = no season),
#   trend (bool: a trend component), mult (bool: multiplicative season).


@njit(cache=True)
def _init(head, level, trend, season, m, has_trend, mult):  # pragma: no cover - compiled
    """Components at the end of the first season (row ``p - 1``), from the window ``head``."""
    p = m if m > 0 else 1
    w = head.shape[0]
    for c in range(head.shape[1]):
        # level: mean of the first season (else of the window; else unknown: NaN)
        s, n = 0.0, 0
        for i in range(p):
            v = head[i, c]
            if v == v:
                s += v
                n += 1
        if n == 0:
            for i in range(p, w):
                v = head[i, c]
                if v == v:
                    s += v
                    n += 1
        lev = s / n if n > 0 else np.nan
        # trend: mean of the slopes (y[p + i] - y[i]) / p over the pairs both observed
        b = 0.0
        if has_trend:
            s, n = 0.0, 0
            for i in range(p):
                a, z = head[i, c], head[p + i, c]
                if a == a and z == z:
                    s += (z - a) / p
                    n += 1
            if n > 0:
                b = s / n
        level[c] = lev
        trend[c] = b
        # season: y[i] - level (or y[i] / level); a phase missing in the first season is
        # estimated from the second one, one season of trend removed; else neutral
        for i in range(m):
            base, v = lev, head[i, c]
            if v != v and i + m < w:
                base, v = lev + m * b, head[i + m, c]
            if mult:
                season[i, c] = v / base if (v == v and base == base and base != 0.0) else 1.0
            else:
                season[i, c] = v - base if (v == v and base == base) else 0.0


@njit(cache=True)
def _update(y, t, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult):  # pragma: no cover
    """Learn the row ``y`` (time index ``t``) into the components, series by series."""
    slot = t % m if m > 0 else 0
    for c in range(y.shape[0]):
        v = y[c]
        lev = level[c]
        if lev != lev:  # nothing observed yet: start at the first observation
            if v == v:
                level[c] = v
                trend[c] = 0.0
            continue
        b = trend[c] if has_trend else 0.0
        base = lev + phi * b
        s = season[slot, c] if m > 0 else (1.0 if mult else 0.0)
        if v != v or (mult and (s == 0.0 or base == 0.0)):
            # a missing value: replace it by its one-step forecast, so every correction is zero
            level[c] = base
            trend[c] = phi * b
            continue
        if mult:
            new = alpha * (v / s) + (1.0 - alpha) * base
            if m > 0:
                season[slot, c] = gamma * (v / base) + (1.0 - gamma) * s
        else:
            new = alpha * (v - s) + (1.0 - alpha) * base
            if m > 0:
                season[slot, c] = gamma * (v - base) + (1.0 - gamma) * s
        level[c] = new
        if has_trend:
            trend[c] = beta * (new - lev) + (1.0 - beta) * phi * b


@njit(cache=True)
def _learn_row(
    y, t, head, last, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult
):  # pragma: no cover
    for c in range(y.shape[0]):
        if y[c] == y[c]:
            last[c] = y[c]
    w = head.shape[0]
    if t < w:  # still in the initial window
        head[t] = y
        if t == w - 1:
            _init(head, level, trend, season, m, has_trend, mult)
            for i in range(m if m > 0 else 1, w):  # replay the window after the first season
                _update(head[i], i, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult)
        return
    _update(y, t, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult)


@njit(cache=True)
def _forecast(n, head, last, level, trend, season, phi, m, has_trend, mult, out):  # pragma: no cover
    """Fill ``out`` (horizon, k) with the forecasts after ``n`` rows were learned."""
    warm = n < head.shape[0]
    for c in range(out.shape[1]):
        lev = level[c]
        if warm or lev != lev:  # not initialised: the last observed value (naive)
            for j in range(out.shape[0]):
                out[j, c] = last[c]
            continue
        b = trend[c] if has_trend else 0.0
        damp, power = 0.0, 1.0
        for j in range(out.shape[0]):
            power *= phi
            damp += power  # phi + phi^2 + ... + phi^(j+1)
            base = lev + damp * b
            if m > 0:
                s = season[(n + j) % m, c]
                out[j, c] = base * s if mult else base + s
            else:
                out[j, c] = base


@njit(cache=True)
def _learn(
    Y, n, head, last, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult
):  # pragma: no cover
    for i in range(Y.shape[0]):
        _learn_row(Y[i], n + i, head, last, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult)
    return n + Y.shape[0]


@njit(cache=True)
def _test_then_train(
    Y, n, head, last, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult, out
):  # pragma: no cover - compiled
    for i in range(Y.shape[0]):
        _forecast(n + i, head, last, level, trend, season, phi, m, has_trend, mult, out[i])
        _learn_row(Y[i], n + i, head, last, level, trend, season, alpha, beta, gamma, phi, m, has_trend, mult)
    return n + Y.shape[0]


@register()
class HoltWinters(CompiledForecaster):
    r"""Holt-Winters exponential smoothing, updated one observation at a time.

    The components are a level ``l``, a trend ``b`` (unless ``beta=None``) and,
    with a ``season`` of length ``m``, one seasonal term per phase ``s``. With
    ``phi`` the damping factor (1: no damping), an observation ``y_t`` updates
    them as in Hyndman & Athanasopoulos (additive season)::

        l_t = alpha (y_t - s_{t-m}) + (1 - alpha) (l_{t-1} + phi b_{t-1})
        b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
        s_t = gamma (y_t - l_{t-1} - phi b_{t-1}) + (1 - gamma) s_{t-m}
        y_hat[t + h | t] = l_t + (phi + ... + phi^h) b_t + s_{t + h - m (k + 1)},  k = (h - 1) // m

    and, with ``multiplicative=True``, ``y_t / s_{t-m}`` in the level,
    ``y_t / (l_{t-1} + phi b_{t-1})`` in the season and
    ``(l_t + (phi + ... + phi^h) b_t) s_{t+h-m(k+1)}`` as forecast (the values
    should then be positive). Without a season this is Holt's linear trend
    method; without trend and season, simple exponential smoothing.

    Initialisation (Hyndman's classical heuristic): the first ``p`` rows
    (``p = season``, or 1 without a season) give the level, their mean; the
    first ``2 p`` give the trend, the mean of ``(y_{p+i} - y_i) / p``; the first
    season gives the seasonal terms ``y_i - l`` (or ``y_i / l``). Those
    components describe the end of the first season; the rest of the window
    is then learned with the equations above. Until the window
    (``p``, or ``2 p`` with a trend, rows) is complete the forecast is the
    last observed value; before any observation it is NaN. Several series
    (columns) are smoothed independently.

    Missing values: a NaN observation is replaced by its own one-step
    forecast, which makes every correction zero: the level moves on by the
    damped trend, the trend is damped and the seasonal term is kept. In the
    initial window the estimates use the observed values only (a phase
    missing in the first season is taken from the second, less one season of
    trend); a series with nothing observed in the window starts at its first
    observation (level = that value, trend 0, neutral season). With a
    multiplicative season a value met with a zero seasonal term or a zero
    level is treated as missing.

    Parameters
    ----------
    alpha
        Level smoothing, in (0, 1].
    beta
        Trend smoothing, in [0, 1]; None: no trend component.
    gamma
        Seasonal smoothing, in [0, 1] (unused without a season).
    season
        Season length in rows (>= 2), or None for no seasonal component.
    multiplicative
        Multiplicative instead of additive seasonality (needs a season).
    phi
        Trend damping, in (0, 1]; 1 means an undamped (linear) trend.

    Attributes
    ----------
    level_, trend_
        ``(k,)``: the level (NaN while unknown) and trend of each series.
    season_
        ``(season, k)``: the seasonal term of each phase; row ``i`` is the phase
        of the rows whose index is ``i`` modulo ``season`` (``(1, k)`` unused
        without a season).
    head_
        The initial window, ``(p or 2 p, k)``.
    last_
        ``(k,)``: the last observed value of each series.
    n_seen_
        Rows learned.

    Examples
    --------
    A trend plus a period-4 pattern; the forecasts approach its continuation
    (33, 29.5, 27, 33.5):

    >>> from streamlearn.time_series import HoltWinters
    >>> y = [10 + 0.5 * t + [3, -1, -4, 2][t % 4] for t in range(40)]
    >>> model = HoltWinters(alpha=0.5, beta=0.2, gamma=0.3, season=4).learn_many(y)
    >>> [round(v, 1) for v in model.forecast(4)]
    [33.0, 29.5, 27.0, 33.5]
    >>> [round(v, 6) for v in HoltWinters(alpha=0.3, beta=None).learn_many([1.0, 2.0]).forecast(2)]
    [1.3, 1.3]

    References
    ----------
    R. J. Hyndman, G. Athanasopoulos. Forecasting: Principles and Practice,
    3rd ed., OTexts, 2021, sections 8.1-8.3 (simple exponential smoothing,
    methods with trend, damped trend, Holt-Winters' seasonal method).
    R. J. Hyndman. Initializing the Holt-Winters method, Hyndsight blog, 2010
    (the heuristic of Makridakis, Wheelwright & Hyndman, Forecasting: Methods
    and Applications, 3rd ed., Wiley, 1998). E. S. Gardner, E. McKenzie.
    Forecasting trends in time series. Management Science 31(10), 1985 (damping).
    River's ``time_series.HoltWinters`` is the peer implementation.
    """

    _param_rules = {  # noqa: RUF012
        "alpha": Interval(float, 0, 1, open_low=True),
        "beta": NONE | Interval(float, 0, 1),
        "gamma": Interval(float, 0, 1),
        "season": NONE | Interval(int, 2, None),
        "multiplicative": BOOL,
        "phi": Interval(float, 0, 1, open_low=True),
    }
    head_: np.ndarray
    last_: np.ndarray
    level_: np.ndarray
    trend_: np.ndarray
    season_: np.ndarray

    def __init__(
        self,
        alpha: float = 0.3,
        beta: float | None = 0.1,
        gamma: float = 0.1,
        season: int | None = None,
        multiplicative: bool = False,
        phi: float = 1.0,
    ):
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.season = season
        self.multiplicative = multiplicative
        self.phi = phi
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.multiplicative and self.season is None:
            raise InvalidParameterError(
                "The 'multiplicative' parameter of HoltWinters needs a season: give season=<length> "
                "or use multiplicative=False."
            )

    @classmethod
    def _unit_test_params(cls) -> Iterable[dict[str, Any]]:
        yield {}
        yield {"season": 7}
        yield {"season": 4, "multiplicative": True, "phi": 0.9}
        yield {"beta": None, "season": 12, "alpha": 0.5}

    # -- settings and state ---------------------------------------------------
    def _settings(self) -> tuple[float, float, float, float, int, bool, bool]:
        beta = 0.0 if self.beta is None else float(self.beta)
        m = 0 if self.season is None else int(self.season)
        return (
            float(self.alpha),
            beta,
            float(self.gamma),
            float(self.phi),
            m,
            self.beta is not None,
            bool(self.multiplicative),
        )

    def _build(self, k: int) -> None:
        p = self.season or 1
        self.head_ = np.full((2 * p if self.beta is not None else p, k), np.nan)
        self.last_ = np.full(k, np.nan)
        self.level_ = np.full(k, np.nan)
        self.trend_ = np.zeros(k)
        self.season_ = np.full((p, k), 1.0 if self.multiplicative else 0.0)

    def _learn_rows(self, Y: np.ndarray) -> int:
        a, b, g, phi, m, trend, mult = self._settings()
        h, last, lev, tr, sea = self.head_, self.last_, self.level_, self.trend_, self.season_
        return int(_learn(Y, self.n_seen_, h, last, lev, tr, sea, a, b, g, phi, m, trend, mult))

    def _forecast_into(self, out: np.ndarray) -> None:
        _, _, _, phi, m, trend, mult = self._settings()
        h, last, lev, tr, sea = self.head_, self.last_, self.level_, self.trend_, self.season_
        _forecast(self.n_seen_, h, last, lev, tr, sea, phi, m, trend, mult, out)

    def _test_then_train_into(self, Y: np.ndarray, out: np.ndarray) -> int:
        a, b, g, phi, m, trend, mult = self._settings()
        h, last, lev, tr, sea = self.head_, self.last_, self.level_, self.trend_, self.season_
        return int(
            _test_then_train(Y, self.n_seen_, h, last, lev, tr, sea, a, b, g, phi, m, trend, mult, out)
        )
