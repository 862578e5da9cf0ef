"""Online standard scaling: ``(x - mean) / std`` with running statistics.

Each numeric column keeps a count, a running mean and a running sum of
squared deviations (Welford's update). Learning a record updates them;
transforming uses the current values, so in a pipeline a learned record is
scaled with statistics that already include it, as in River's
``preprocessing.StandardScaler``. The standard deviation is the population
one (divided by ``n``); where it is 0 (or nothing was learned yet) the
scaled value is 0.

Missing values (NaN) are not learned and stay NaN. Categorical columns pass
through unchanged (same codes, same schema).

Batches walk the rows in one compiled loop with the very operations a
single record uses, so ``learn_many`` equals a loop of ``learn_one`` bit for
bit (a Chan et al. pairwise merge would be faster still but only equal to
rounding).

Parameters
----------
with_std
    Divide by the standard deviation (default). With ``False`` the output is
    only centred: ``x - mean``.

Examples
--------
>>> from streamlearn.preprocessing import StandardScaler
>>> scaler = StandardScaler()
>>> for x in [1.0, 2.0, 3.0, 4.0]:
...     _ = scaler.learn_one({"bytes": x, "proto": "tcp"})
>>> scaler.transform_one({"bytes": 5.0, "proto": "udp"})
{'bytes': 2.236..., 'proto': 'udp'}
>>> scaler.mean_, scaler.n_
(array([2.5, 0. ]), array([4., 0.]))

References
----------
B. P. Welford (1962). Note on a method for calculating corrected sums of
squares and products. Technometrics 4(3).
T. F. Chan, G. H. Golub, R. J. LeVeque (1983). Algorithms for computing the
sample variance: analysis and recommendations. The American Statistician.
River, ``preprocessing.StandardScaler`` (semantics of learn-then-transform).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numba
import numpy as np

from streamlearn.base.params import BOOL, Rule
from streamlearn.base.registry import register
from streamlearn.preprocessing._common import ColumnStatsTransformer, as_width, grow_1d


@numba.njit(cache=True)
def _std(n, m2):  # type: ignore[no-untyped-def]
    """Population standard deviation per column (0 where nothing was learned)."""
    sd = np.zeros(n.shape[0])
    for j in range(n.shape[0]):
        if n[j] > 0.0:
            sd[j] = math.sqrt(m2[j] / n[j])
    return sd


@numba.njit(cache=True)
def _learn_row(x, is_cat, n, mean, m2, sd):  # type: ignore[no-untyped-def]
    for j in range(x.shape[0]):
        v = x[j]
        if is_cat[j] or v != v:
            continue
        n[j] += 1.0
        delta = v - mean[j]
        mean[j] += delta / n[j]
        m2[j] += delta * (v - mean[j])
        sd[j] = math.sqrt(m2[j] / n[j])


@numba.njit(cache=True)
def _scale_row(x, is_cat, mean, sd, with_std, out):  # type: ignore[no-untyped-def]
    for j in range(x.shape[0]):
        v = x[j]
        if is_cat[j] or v != v:
            out[j] = v
        elif not with_std:
            out[j] = v - mean[j]
        elif sd[j] > 0.0:
            out[j] = (v - mean[j]) / sd[j]
        else:
            out[j] = 0.0


@numba.njit(cache=True)
def _learn(X, is_cat, n, mean, m2):  # type: ignore[no-untyped-def]
    sd = np.zeros(n.shape[0])  # not needed while only learning
    for i in range(X.shape[0]):
        _learn_row(X[i], is_cat, n, mean, m2, sd)


@numba.njit(cache=True)
def _transform(X, is_cat, n, mean, m2, with_std):  # type: ignore[no-untyped-def]
    sd = _std(n, m2)
    out = np.empty_like(X)
    for i in range(X.shape[0]):
        _scale_row(X[i], is_cat, mean, sd, with_std, out[i])
    return out


@numba.njit(cache=True)
def _prequential(Xp, Xl, is_cat, n, mean, m2, with_std):  # type: ignore[no-untyped-def]
    sd = _std(n, m2)
    out_p = np.empty_like(Xp)
    out_l = np.empty_like(Xl)
    for i in range(Xl.shape[0]):
        _scale_row(Xp[i], is_cat, mean, sd, with_std, out_p[i])
        _learn_row(Xl[i], is_cat, n, mean, m2, sd)
        _scale_row(Xl[i], is_cat, mean, sd, with_std, out_l[i])
    return out_p, out_l


@register()
class StandardScaler(ColumnStatsTransformer):
    """Scales each numeric column to zero mean and unit variance, online.

    Learned state: ``n_`` (values learned per column), ``mean_`` and
    ``m2_`` (sum of squared deviations from the mean); ``var_`` and
    ``std_`` derive from them.
    """

    _param_rules: ClassVar[dict[str, Rule]] = {"with_std": BOOL}

    def __init__(self, with_std: bool = True):
        self.with_std = with_std
        self._validate_params()

    def _grow(self, width: int) -> None:
        self.n_ = grow_1d(getattr(self, "n_", None), width, 0.0)
        self.mean_ = grow_1d(getattr(self, "mean_", None), width, 0.0)
        self.m2_ = grow_1d(getattr(self, "m2_", None), width, 0.0)

    @property
    def var_(self) -> np.ndarray:
        """Population variance per column (0 where nothing was learned)."""
        n = self.n_
        return np.divide(self.m2_, n, out=np.zeros_like(self.m2_), where=n > 0)

    @property
    def std_(self) -> np.ndarray:
        return np.sqrt(self.var_)

    def _learn(self, X: np.ndarray) -> None:
        width, mask = self._args()
        _learn(as_width(X, width), mask, self.n_, self.mean_, self.m2_)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        width, mask = self._args()
        return _transform(as_width(X, width), mask, self.n_, self.mean_, self.m2_, bool(self.with_std))  # type: ignore[no-any-return]

    def _prequential(self, X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        width, mask = self._args()
        return _prequential(  # type: ignore[no-any-return]
            as_width(X_pred, width),
            as_width(X_learn, width),
            mask,
            self.n_,
            self.mean_,
            self.m2_,
            bool(self.with_std),
        )
