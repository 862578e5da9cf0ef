"""Online min-max scaling: ``(x - min) / (max - min)`` with running extremes.

Each numeric column keeps the smallest and largest value learned so far.
Learning a record updates them; transforming uses the current values (so a
learned record always lands in ``[0, 1]``; later records may fall outside).
Where ``max == min``, or before anything was learned, the output is 0, as in
River's ``preprocessing.MinMaxScaler``.

Missing values (NaN) are not learned and stay NaN. Categorical columns pass
through unchanged (same codes, same schema).

Examples
--------
>>> from streamlearn.preprocessing import MinMaxScaler
>>> scaler = MinMaxScaler()
>>> for x in [2.0, 6.0, 4.0]:
...     _ = scaler.learn_one({"rtt": x})
>>> scaler.transform_one({"rtt": 5.0})
{'rtt': 0.75}
>>> scaler.transform_one({"rtt": 10.0})
{'rtt': 2.0}

References
----------
River, ``preprocessing.MinMaxScaler`` (semantics of learn-then-transform).
"""

from __future__ import annotations

import numba
import numpy as np

from streamlearn.base.registry import register
from streamlearn.preprocessing._common import ColumnStatsTransformer, as_width, grow_1d


@numba.njit(cache=True)
def _learn_row(x, is_cat, lo, hi):  # type: ignore[no-untyped-def]
    for j in range(x.shape[0]):
        v = x[j]
        if is_cat[j] or v != v:
            continue
        if v < lo[j]:
            lo[j] = v
        if v > hi[j]:
            hi[j] = v


@numba.njit(cache=True)
def _scale_row(x, is_cat, lo, hi, out):  # type: ignore[no-untyped-def]
    for j in range(x.shape[0]):
        v = x[j]
        if is_cat[j] or v != v:
            out[j] = v
        elif hi[j] > lo[j]:
            out[j] = (v - lo[j]) / (hi[j] - lo[j])
        else:
            out[j] = 0.0


@numba.njit(cache=True)
def _learn(X, is_cat, lo, hi):  # type: ignore[no-untyped-def]
    for i in range(X.shape[0]):
        _learn_row(X[i], is_cat, lo, hi)


@numba.njit(cache=True)
def _transform(X, is_cat, lo, hi):  # type: ignore[no-untyped-def]
    out = np.empty_like(X)
    for i in range(X.shape[0]):
        _scale_row(X[i], is_cat, lo, hi, out[i])
    return out


@numba.njit(cache=True)
def _prequential(Xp, Xl, is_cat, lo, hi):  # type: ignore[no-untyped-def]
    out_p = np.empty_like(Xp)
    out_l = np.empty_like(Xl)
    for i in range(Xl.shape[0]):
        _scale_row(Xp[i], is_cat, lo, hi, out_p[i])
        _learn_row(Xl[i], is_cat, lo, hi)
        _scale_row(Xl[i], is_cat, lo, hi, out_l[i])
    return out_p, out_l


@register()
class MinMaxScaler(ColumnStatsTransformer):
    """Scales each numeric column by its running minimum and maximum.

    Learned state: ``min_`` and ``max_`` per column (``+inf`` and ``-inf``
    where nothing was learned yet).
    """

    def __init__(self) -> None:
        self._validate_params()

    def _grow(self, width: int) -> None:
        self.min_ = grow_1d(getattr(self, "min_", None), width, np.inf)
        self.max_ = grow_1d(getattr(self, "max_", None), width, -np.inf)

    def _learn(self, X: np.ndarray) -> None:
        width, mask = self._args()
        _learn(as_width(X, width), mask, self.min_, self.max_)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        width, mask = self._args()
        return _transform(as_width(X, width), mask, self.min_, self.max_)  # type: ignore[no-any-return]

    def _prequential(self, X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        width, mask = self._args()
        return _prequential(  # type: ignore[no-any-return]
            as_width(X_pred, width), as_width(X_learn, width), mask, self.min_, self.max_
        )
