"""Seasonal naive forecasting: tomorrow looks like today."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.params import Interval
from streamlearn.base.registry import register
from streamlearn.time_series._base import CompiledForecaster


@njit(cache=True)
def _forecast(buf, last, n, out):  # pragma: no cover - compiled
    """Fill ``out`` (horizon, k) with the forecasts after ``n`` rows were learned."""
    m = buf.shape[0]
    for j in range(out.shape[0]):
        slot = (n + j) % m
        for c in range(out.shape[1]):
            v = buf[slot, c]
            out[j, c] = v if v == v else last[c]


@njit(cache=True)
def _learn_row(y, buf, last, n):  # pragma: no cover - compiled
    slot = n % buf.shape[0]
    for c in range(y.shape[0]):
        v = y[c]
        if v == v:
            buf[slot, c] = v
            last[c] = v


@njit(cache=True)
def _learn(Y, buf, last, n):  # pragma: no cover - compiled
    for i in range(Y.shape[0]):
        _learn_row(Y[i], buf, last, n + i)
    return n + Y.shape[0]


@njit(cache=True)
def _test_then_train(Y, buf, last, n, out):  # pragma: no cover - compiled
    for i in range(Y.shape[0]):
        _forecast(buf, last, n + i, out[i])
        _learn_row(Y[i], buf, last, n + i)
    return n + Y.shape[0]


@register()
class SeasonalNaive(CompiledForecaster):
    """Seasonal naive forecaster: the value one season ago.

    With season length ``m``, the forecast made after observing ``y_1..y_t``
    for ``h`` steps ahead is the last observation of the same phase of the
    season,

    ``y_hat[t + h | t] = y[t + h - m * (floor((h - 1) / m) + 1)]``,

    kept in a ring buffer of the last ``m`` values. ``season=1`` is the plain
    naive forecaster (every step forecasts the last value). Several series
    (columns) are forecast independently.

    Missing values: a NaN observation leaves its slot of the buffer alone, so
    that phase keeps the previous cycle's value. A phase never observed yet
    (the first season, or a phase missing so far) forecasts the last observed
    value of its series; before any observation the forecast is NaN.

    Parameters
    ----------
    season
        Season length ``m`` in rows (e.g. 288 for a daily season of 5-minute
        data); ``>= 1``.

    Attributes
    ----------
    buffer_
        ``(season, k)``: the last observed value of each phase (NaN if none yet);
        row ``i`` holds the phase of the rows whose index is ``i`` modulo ``season``.
    last_
        ``(k,)``: the last observed value of each series.
    n_seen_
        Rows learned.

    Examples
    --------
    >>> from streamlearn.time_series import SeasonalNaive
    >>> model = SeasonalNaive(season=3)
    >>> for y in [1.0, 5.0, 9.0, 2.0]:
    ...     _ = model.learn_one(y)
    >>> model.forecast(4)
    [5.0, 9.0, 2.0, 5.0]
    >>> SeasonalNaive(season=1).learn_many([3.0, 4.0]).forecast(2)
    [4.0, 4.0]

    References
    ----------
    R. J. Hyndman, G. Athanasopoulos. Forecasting: Principles and Practice,
    3rd ed., OTexts, 2021, section 5.2 ("Some simple forecasting methods").
    """

    _param_rules = {"season": Interval(int, 1, None)}  # noqa: RUF012
    buffer_: np.ndarray
    last_: np.ndarray

    def __init__(self, season: int = 1):
        self.season = season
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterable[dict[str, Any]]:
        yield {"season": 1}
        yield {"season": 7}

    def _build(self, k: int) -> None:
        self.buffer_ = np.full((self.season, k), np.nan)
        self.last_ = np.full(k, np.nan)

    def _learn_rows(self, Y: np.ndarray) -> int:
        return int(_learn(Y, self.buffer_, self.last_, self.n_seen_))

    def _forecast_into(self, out: np.ndarray) -> None:
        _forecast(self.buffer_, self.last_, self.n_seen_, out)

    def _test_then_train_into(self, Y: np.ndarray, out: np.ndarray) -> int:
        return int(_test_then_train(Y, self.buffer_, self.last_, self.n_seen_, out))
