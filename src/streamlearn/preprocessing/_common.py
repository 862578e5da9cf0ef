"""Helpers shared by the preprocessing transformers (private)."""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import numpy as np

from streamlearn.base.learner import Transformer
from streamlearn.base.params import Satisfies
from streamlearn.base.schema import CAT, Schema


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


#: A finite number (ints and floats; not bool, NaN or inf).
FINITE = Satisfies(lambda v: _is_number(v) and math.isfinite(float(v)), "a finite number")
#: A finite number or NaN (not bool or inf).
FINITE_OR_NAN = Satisfies(lambda v: _is_number(v) and not math.isinf(float(v)), "a finite number or NaN")


def as_width(X: np.ndarray, width: int) -> np.ndarray:
    """``X`` as a C-contiguous float64 array with exactly ``width`` columns.

    Columns missing on the right (the schema grew after ``X`` was aligned)
    are missing values (NaN). Never returns ``X`` itself when it had to
    change it; callers must not write into the result.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        X = X.reshape(len(X), -1)
    if X.shape[1] < width:
        out = np.full((X.shape[0], width), np.nan)
        out[:, : X.shape[1]] = X
        return out
    if X.shape[1] > width:
        return np.ascontiguousarray(X[:, :width])
    return X


def cat_mask(schema: Schema) -> np.ndarray:
    """Boolean mask of the categorical columns of ``schema``."""
    return np.fromiter((k == CAT for k in schema.kinds), dtype=np.bool_, count=schema.width)


def grow_1d(a: np.ndarray | None, width: int, fill: float, dtype: Any = np.float64) -> np.ndarray:
    """``a`` extended on the right with ``fill`` to ``width`` entries (a new array)."""
    if a is None:
        return np.full(width, fill, dtype=dtype)
    if len(a) >= width:
        return a
    out = np.full(width, fill, dtype=a.dtype)
    out[: len(a)] = a
    return out


def grow_lookup(lk: np.ndarray, size: int) -> np.ndarray:
    """A code -> position table extended with -1 to hold at least ``size`` codes."""
    if len(lk) >= size:
        return lk
    out = np.full(max(size, 2 * len(lk)), -1, dtype=np.int64)
    out[: len(lk)] = lk
    return out


def unseen_codes(
    X: np.ndarray, columns: list[int], lookups: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Categories of ``X`` not in their column's lookup, at their first row.

    ``lookups[j][code]`` is ``-1`` for a category not learned yet. Returns
    ``(rows, columns, codes)`` of each unseen category, ordered as a
    row-by-row, column-by-column walk meets them: the order in which
    learning one record at a time would add them.
    """
    rows_l, cols_l, codes_l = [], [], []
    for j in columns:
        col = X[:, j]
        rows = np.flatnonzero(~np.isnan(col))
        if not len(rows):
            continue
        codes = col[rows].astype(np.int64)
        unknown = lookups[j][codes] < 0
        if not unknown.any():
            continue
        codes, rows = codes[unknown], rows[unknown]
        uniq, first = np.unique(codes, return_index=True)
        rows_l.append(rows[first])
        cols_l.append(np.full(len(uniq), j, dtype=np.int64))
        codes_l.append(uniq)
    if not rows_l:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    rows_a, cols_a, codes_a = np.concatenate(rows_l), np.concatenate(cols_l), np.concatenate(codes_l)
    order = np.lexsort((cols_a, rows_a))
    return rows_a[order], cols_a[order], codes_a[order]


def unique_name(schema: Schema, name: Hashable) -> Hashable:
    """``name``, or ``name`` with underscores appended until ``schema`` lacks it."""
    while name in schema:
        name = f"{name}_"
    return name


class ColumnStatsTransformer(Transformer):
    """Base of the transformers with per-column statistics (scalers, imputer).

    Caches the categorical mask of the input schema in ``_is_cat`` (dropped
    on load, rebuilt when the width changes).
    """

    _is_cat: np.ndarray | None

    def _after_load(self) -> None:
        self._is_cat = None

    def _args(self) -> tuple[Any, ...]:
        """Grow the state to the input schema; ``(width, categorical mask)``."""
        schema = self._input_schema()
        width = schema.width
        self._grow(width)
        mask = getattr(self, "_is_cat", None)
        if mask is None or len(mask) != width:
            mask = self._is_cat = cat_mask(schema)
        return width, mask


class EncoderTransformer(Transformer):
    """Base of the encoders: the output schema lives in the cache ``_out``, which
    ``_sync`` brings up to date with the state (dropped on load), and ``_lookup[j]``
    maps the category codes of input column ``j`` to their output (-1: not learned).
    """

    _out: Schema | None
    _lookup: list[np.ndarray]

    def _sync(self) -> None:
        raise NotImplementedError

    def _after_load(self) -> None:
        self._out = None

    def output_schema(self) -> Schema:
        self._sync()
        assert self._out is not None
        return self._out

    def _new_categories(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The categories of ``X`` not learned yet, as :func:`unseen_codes` gives them."""
        cat = [j for j, k in enumerate(self.schema_.kinds) if k == CAT]
        return unseen_codes(X, cat, self._lookup)
