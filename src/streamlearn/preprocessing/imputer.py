"""Online imputation of missing values (NaN).

Numeric columns are filled with their running mean (``strategy="mean"``)
or with ``fill_value`` (``strategy="constant"``). Categorical columns are
filled with their most frequent category so far (running counts; on a tie
the category that reached the count first keeps it). Values that are present
pass through unchanged and the output schema is the input schema.

A column is filled only once a value of it has been learned; before that it
stays missing, as in River's imputers, which fill only the features they
have learned. This is also what keeps batch test-then-train equal to one
record at a time: in a batch, a column that first appears at row 100 is
missing (NaN) in rows 0-99, where one record at a time it did not exist yet;
filling it there would feed a downstream model values it never saw.

As for every transformer, learning a record updates the statistics first
and then transforming it uses them (River's ``preprocessing.StatImputer``
behaves the same way), and ``transform_*`` never learns.

Parameters
----------
strategy
    ``"mean"`` (running mean) or ``"constant"`` (``fill_value``) for numeric
    columns.
fill_value
    The constant for numeric columns under ``strategy="constant"``.

Examples
--------
>>> from streamlearn.preprocessing import Imputer
>>> imp = Imputer()
>>> for x in [{"rtt": 1.0, "proto": "tcp"}, {"rtt": 3.0, "proto": "udp"}, {"proto": "udp"}]:
...     _ = imp.learn_one(x)
>>> imp.transform_one({"rtt": None, "proto": None})
{'rtt': 2.0, 'proto': 'udp'}
>>> Imputer(strategy="constant", fill_value=-1.0).learn_one({"rtt": 5.0}).transform_one({})
{'rtt': -1.0}
>>> imp.transform_one({"new": float("nan")})  # nothing learned for "new": stays missing
{'rtt': 2.0, 'proto': 'udp'}

References
----------
River, ``preprocessing.StatImputer`` (online statistics as fill values).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numba
import numpy as np

from streamlearn.base.params import OneOf, Rule
from streamlearn.base.registry import register
from streamlearn.base.schema import CAT
from streamlearn.preprocessing._common import FINITE, ColumnStatsTransformer, as_width, grow_1d


@numba.njit(cache=True)
def _learn_row(x, is_cat, n, mean, offset, counts, mode):  # type: ignore[no-untyped-def]
    for j in range(x.shape[0]):
        v = x[j]
        if v != v:
            continue
        if is_cat[j]:
            c = np.int64(v)
            k = offset[j] + c
            counts[k] += 1
            m = mode[j]
            if m < 0 or (m != c and counts[k] > counts[offset[j] + m]):
                mode[j] = c
        else:
            n[j] += 1.0
            mean[j] += (v - mean[j]) / n[j]


@numba.njit(cache=True)
def _fill_row(x, is_cat, use_mean, fill, n, mean, mode, out):  # type: ignore[no-untyped-def]
    for j in range(x.shape[0]):
        v = x[j]
        if v == v:
            out[j] = v
        elif is_cat[j]:
            out[j] = np.float64(mode[j]) if mode[j] >= 0 else np.nan
        elif n[j] == 0.0:
            out[j] = np.nan
        elif use_mean:
            out[j] = mean[j]
        else:
            out[j] = fill


@numba.njit(cache=True)
def _learn(X, is_cat, n, mean, offset, counts, mode):  # type: ignore[no-untyped-def]
    for i in range(X.shape[0]):
        _learn_row(X[i], is_cat, n, mean, offset, counts, mode)


@numba.njit(cache=True)
def _transform(X, is_cat, use_mean, fill, n, mean, mode):  # type: ignore[no-untyped-def]
    out = np.empty_like(X)
    for i in range(X.shape[0]):
        _fill_row(X[i], is_cat, use_mean, fill, n, mean, mode, out[i])
    return out


@numba.njit(cache=True)
def _prequential(Xp, Xl, is_cat, use_mean, fill, n, mean, offset, counts, mode):  # type: ignore[no-untyped-def]
    out_p = np.empty_like(Xp)
    out_l = np.empty_like(Xl)
    for i in range(Xl.shape[0]):
        _fill_row(Xp[i], is_cat, use_mean, fill, n, mean, mode, out_p[i])
        _learn_row(Xl[i], is_cat, n, mean, offset, counts, mode)
        _fill_row(Xl[i], is_cat, use_mean, fill, n, mean, mode, out_l[i])
    return out_p, out_l


@register()
class Imputer(ColumnStatsTransformer):
    """Replaces missing values with running means (or a constant) and modes.

    Learned state: ``n_`` (values learned) and ``mean_`` per numeric column
    (kept under both strategies); for categorical
    columns the category counts ``counts_`` (column ``j``'s codes occupy
    ``counts_[offset_[j]:offset_[j + 1]]``) and the current most frequent
    code ``mode_`` (``-1`` before any).
    """

    _param_rules: ClassVar[dict[str, Rule]] = {
        "strategy": OneOf("mean", "constant"),
        "fill_value": FINITE,
    }

    def __init__(self, strategy: str = "mean", fill_value: float = 0.0):
        self.strategy = strategy
        self.fill_value = fill_value
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Any:
        yield {}
        yield {"strategy": "constant", "fill_value": -1.0}

    def _grow(self, width: int) -> None:
        self.n_ = grow_1d(getattr(self, "n_", None), width, 0.0)
        self.mean_ = grow_1d(getattr(self, "mean_", None), width, 0.0)
        self.mode_ = grow_1d(getattr(self, "mode_", None), width, -1, np.int64)
        offset = getattr(self, "offset_", None)
        if offset is None:
            self.counts_ = np.zeros(0, dtype=np.int64)
            offset = np.zeros(1, dtype=np.int64)
        if len(offset) < width + 1:
            offset = grow_1d(offset, width + 1, offset[-1], np.int64)
        self.offset_ = offset

    def _reserve(self) -> None:
        """Make room in ``counts_`` for every category code of the schema."""
        schema = self._input_schema()
        offset = self.offset_
        caps = np.diff(offset)
        need = caps.copy()
        for j, kind in enumerate(schema.kinds):
            size = len(schema.categories[j])
            if kind == CAT and size > caps[j]:
                # A power of two set by the vocabulary size alone: learning a batch
                # and learning its records one by one leave identical arrays.
                need[j] = max(4, 1 << (size - 1).bit_length())
        if (need == caps).all():
            return
        new_offset = np.zeros(len(offset), dtype=np.int64)
        np.cumsum(need, out=new_offset[1:])
        counts = np.zeros(new_offset[-1], dtype=np.int64)
        for j in np.flatnonzero(caps).tolist():
            counts[new_offset[j] : new_offset[j] + caps[j]] = self.counts_[offset[j] : offset[j + 1]]
        self.counts_, self.offset_ = counts, new_offset

    def _args(self) -> tuple[Any, ...]:
        return (*super()._args(), self.strategy == "mean")

    def _learn(self, X: np.ndarray) -> None:
        width, mask, _ = self._args()
        self._reserve()
        _learn(as_width(X, width), mask, self.n_, self.mean_, self.offset_, self.counts_, self.mode_)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        width, mask, use_mean = self._args()
        return _transform(  # type: ignore[no-any-return]
            as_width(X, width), mask, use_mean, float(self.fill_value), self.n_, self.mean_, self.mode_
        )

    def _prequential(self, X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        width, mask, use_mean = self._args()
        self._reserve()
        return _prequential(  # type: ignore[no-any-return]
            as_width(X_pred, width),
            as_width(X_learn, width),
            mask,
            use_mean,
            float(self.fill_value),
            self.n_,
            self.mean_,
            self.offset_,
            self.counts_,
            self.mode_,
        )
