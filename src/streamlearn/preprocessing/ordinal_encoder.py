"""Online ordinal encoding: each category becomes an integer code.

A categorical column becomes a numeric column holding ``0, 1, 2, ...`` in
the order in which its categories were first *learned* (as River's
``preprocessing.OrdinalEncoder``). At transform time a category never
learned gives ``unknown_value`` and a missing value stays NaN. Numeric
columns pass through. The output has the input's column names, all numeric.

Parameters
----------
unknown_value
    Output for a category not learned yet (default ``-1.0``; NaN makes it
    missing).

Examples
--------
>>> from streamlearn.preprocessing import OrdinalEncoder
>>> enc = OrdinalEncoder()
>>> for p in ["udp", "tcp", "udp"]:
...     _ = enc.learn_one({"proto": p})
>>> enc.transform_one({"proto": "tcp"}), enc.transform_one({"proto": "icmp"})
({'proto': 1.0}, {'proto': -1.0})

References
----------
River, ``preprocessing.OrdinalEncoder``; scikit-learn, ``OrdinalEncoder``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from streamlearn.base.params import Rule
from streamlearn.base.registry import register
from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.preprocessing._common import FINITE_OR_NAN, EncoderTransformer, as_width, grow_lookup


@register()
class OrdinalEncoder(EncoderTransformer):
    """Categories to integer codes in order of first learning.

    Learned state: ``order_[j]``, the category codes (in ``schema_``'s
    vocabulary) of input column ``j`` in the order they were learned; the
    output value of a category is its position in that list.
    """

    _param_rules: ClassVar[dict[str, Rule]] = {"unknown_value": FINITE_OR_NAN}

    def __init__(self, unknown_value: float = -1.0):
        self.unknown_value = unknown_value
        self._validate_params()

    def _grow(self, width: int) -> None:
        if not hasattr(self, "order_"):
            self.order_: list[list[int]] = []
        while len(self.order_) < width:
            self.order_.append([])

    def _sync(self) -> None:
        schema = self._input_schema()
        self._grow(schema.width)
        if getattr(self, "_out", None) is None:
            self._out = Schema()
            self._lookup: list[np.ndarray] = []
            self._placed: list[int] = []
        out = self._out
        assert out is not None
        for j in range(out.width, schema.width):
            out.add(schema.names[j], NUM)
            self._lookup.append(np.empty(0, dtype=np.int64))
            self._placed.append(0)
        for j, kind in enumerate(schema.kinds):
            if kind != CAT:
                continue
            order = self.order_[j]
            if len(self._lookup[j]) < len(schema.categories[j]):
                self._lookup[j] = grow_lookup(self._lookup[j], len(schema.categories[j]))
            if self._placed[j] < len(order):
                new = np.arange(self._placed[j], len(order))
                self._lookup[j][np.asarray(order[self._placed[j] :], dtype=np.int64)] = new
                self._placed[j] = len(order)

    def _learn_vocabulary(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows, cols, codes = self._new_categories(X)
        for j, c in zip(cols.tolist(), codes.tolist(), strict=True):
            self.order_[j].append(c)
        self._sync()
        return rows, cols, codes

    def _encode(
        self, X: np.ndarray, births: dict[int, np.ndarray] | None = None, after: bool = False
    ) -> np.ndarray:
        """Codes of ``X``; with ``births`` (code -> first row, -1 if older) row i
        sees only categories born before it (``after``: up to and including it)."""
        out = X.copy()
        unknown = float(self.unknown_value)
        for j, kind in enumerate(self.schema_.kinds):
            if kind != CAT:
                continue
            col = X[:, j]
            rows = np.flatnonzero(~np.isnan(col))
            codes = col[rows].astype(np.int64)
            ordinal = self._lookup[j][codes]
            known = ordinal >= 0
            if births is not None and j in births:
                born = births[j][codes]
                known &= (born <= rows) if after else (born < rows)
            out[rows, j] = np.where(known, ordinal, unknown)
        return out

    def _learn(self, X: np.ndarray) -> None:
        self._sync()
        self._learn_vocabulary(as_width(X, self.schema_.width))

    def _transform(self, X: np.ndarray) -> np.ndarray:
        self._sync()
        return self._encode(as_width(X, self.schema_.width))

    def _prequential(self, X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._sync()
        width = self.schema_.width
        X_pred, X_learn = as_width(X_pred, width), as_width(X_learn, width)
        rows, cols, codes = self._learn_vocabulary(X_learn)
        births: dict[int, np.ndarray] = {}
        for j in np.unique(cols).tolist():
            born = np.full(len(self._lookup[j]), -1, dtype=np.int64)
            mine = cols == j
            born[codes[mine]] = rows[mine]
            births[j] = born
        return self._encode(X_pred, births), self._encode(X_learn, births, after=True)
