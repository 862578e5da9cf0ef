"""Vectorised conversion of Arrow columns into schema columns (private).

Readers hand Arrow arrays of one block to these helpers, which turn them into
float64 NumPy columns: numbers for numeric columns, category codes for
categorical ones (vocabularies grow in order of first appearance), NaN for
missing values. Values that do not fit a numeric column (text, infinities)
become NaN and are counted in ``schema.n_invalid``.

>>> import pyarrow as pa
>>> from streamlearn.base.schema import CAT, NUM, Schema
>>> s = Schema([("n", NUM), ("c", CAT)])
>>> numeric_column(pa.array(["1.5", " 2", "abc", None, "inf"]), s).tolist()
[1.5, 2.0, nan, nan, nan]
>>> s.n_invalid
2
>>> categorical_column(pa.array(["tcp", "udp", None, "tcp"]), s, 1).tolist()
[0.0, 1.0, nan, 0.0]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from streamlearn.base.schema import CAT, NUM, Schema

#: Strings read as missing values (exactly, after trimming surrounding spaces).
NA_VALUES: tuple[str, ...] = ("", "?", "NA", "N/A", "nan", "NaN", "NAN", "null", "NULL", "None")

#: A decimal number, optionally signed, with optional exponent; or inf / nan (for trimmed text).
NUMBER_REGEX = r"^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity|nan)$"


def _to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    out = arr.to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=np.float64)


def as_array(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One Arrow array (the chunks of a chunked array combined)."""
    if isinstance(col, pa.ChunkedArray):
        return col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return col


def _is_string(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _null_tokens(col: pa.Array, na_values: tuple[str, ...]) -> pa.Array:
    """Set the cells equal to a missing-value token to null."""
    if not na_values:
        return col
    hit = pc.is_in(col, value_set=pa.array(na_values, type=col.type))
    if not pc.any(hit).as_py():
        return col
    return pc.if_else(hit, pa.scalar(None, type=col.type), col)


def parse_numbers(col: pa.Array, na_values: tuple[str, ...] = NA_VALUES) -> tuple[np.ndarray, int]:
    """Strings to float64: ``(values, n_invalid)``; unparsable text and inf are NaN.

    Nulls and missing-value tokens are NaN and not counted as invalid.
    """
    col = as_array(col)
    try:
        arr = pc.cast(col, pa.float64())
    except pa.ArrowInvalid:
        col = _null_tokens(pc.utf8_trim_whitespace(col), na_values)
        try:
            arr = pc.cast(col, pa.float64())
        except pa.ArrowInvalid:
            ok = pc.match_substring_regex(col, NUMBER_REGEX, ignore_case=True)
            bad = int(pc.sum(pc.invert(ok)).as_py() or 0)  # nulls stay null in ``ok``
            col = pc.if_else(ok, col, pa.scalar(None, type=col.type))
            try:
                arr = pc.cast(col, pa.float64())
            except pa.ArrowInvalid:  # the regex admitted something Arrow rejects
                vals = python_numbers(col.to_pylist())
                bad += int(np.isnan(vals).sum() - col.null_count)
                return _finite(vals, bad)
            return _finite(_to_numpy(arr), bad)
    return _finite(_to_numpy(arr), 0)


def python_numbers(values: list[str | None]) -> np.ndarray:
    """Text to float64 with Python's ``float``; None and what it cannot read are NaN."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is not None:
            with contextlib.suppress(ValueError):
                out[i] = float(v)
    return out


def _finite(x: np.ndarray, bad: int) -> tuple[np.ndarray, int]:
    """Infinities set to NaN (on a copy when ``x`` is a read-only view of Arrow memory)."""
    inf = np.isinf(x)
    if inf.any():
        bad += int(inf.sum())
        if not x.flags.writeable:
            x = x.copy()
        x[inf] = np.nan
    return x, bad


def looks_numeric(col: pa.Array, na_values: tuple[str, ...] = NA_VALUES) -> bool:
    """Whether every non-missing string of ``col`` parses as a number."""
    col = as_array(col)
    if not _is_string(col.type):
        return bool(pa.types.is_integer(col.type) or pa.types.is_floating(col.type))
    try:
        pc.cast(col, pa.float64())
        return True
    except pa.ArrowInvalid:
        pass
    col = _null_tokens(pc.utf8_trim_whitespace(col), na_values)
    ok = pc.match_substring_regex(col, NUMBER_REGEX, ignore_case=True)
    return not bool(pc.any(pc.invert(ok)).as_py())


def numeric_column(col: pa.Array, schema: Schema, na_values: tuple[str, ...] = NA_VALUES) -> np.ndarray:
    """Any Arrow column as float64 values of a numeric schema column."""
    col = as_array(col)
    t = col.type
    if _is_string(t):
        x, bad = parse_numbers(col, na_values)
        schema.n_invalid += bad
        return x
    if pa.types.is_dictionary(t):
        values = numeric_column(col.dictionary, schema, na_values)
        idx = _indices(col, len(values))
        return np.append(values, np.nan)[idx]
    if pa.types.is_null(t):
        return np.full(len(col), np.nan)
    if pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        x, bad = _finite(_to_numpy(pc.cast(col, pa.float64())), 0)
        schema.n_invalid += bad
        return x
    if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t) or pa.types.is_duration(t):
        return temporal_seconds(col)
    # nested or binary values do not fit a feature column
    schema.n_invalid += len(col) - col.null_count
    return np.full(len(col), np.nan)


def temporal_seconds(col: pa.Array) -> np.ndarray:
    """Temporal values as seconds (since the epoch for timestamps and dates)."""
    t = col.type
    if pa.types.is_date(t):
        col = pc.cast(col, pa.timestamp("s"))
        t = col.type
    unit = getattr(t, "unit", "s")
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[unit]
    return _to_numpy(pc.cast(pc.cast(col, pa.int64()), pa.float64())) * scale


def _indices(col: pa.DictionaryArray, null_code: int) -> np.ndarray:
    idx = col.indices
    if idx.null_count:
        idx = pc.fill_null(idx, null_code)
    return np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)


def _dictionary(col: pa.Array) -> pa.DictionaryArray:
    if pa.types.is_dictionary(col.type):
        return col
    return pc.dictionary_encode(col)


def categorical_column(
    col: pa.Array, schema: Schema, j: int, strip: bool = False, na_values: tuple[str, ...] = ()
) -> np.ndarray:
    """Any Arrow column as codes of categorical schema column ``j`` (grows its vocabulary).

    Non-string values are coded by their text (``5`` as ``"5"``, ``True`` as ``"True"``).
    ``strip`` trims spaces around values; then values in ``na_values`` are missing.
    """
    col = as_array(col)
    t = col.type
    if pa.types.is_null(t):
        return np.full(len(col), np.nan)
    if not (_is_string(t) or pa.types.is_dictionary(t)):
        if pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t):
            col = pa.array([None if v is None else str(v) for v in col.to_pylist()], type=pa.string())
        else:
            schema.n_invalid += len(col) - col.null_count
            return np.full(len(col), np.nan)
    d = _dictionary(col)
    values = _clean(d.dictionary.to_pylist(), strip, na_values)
    remap = np.fromiter(
        (np.nan if v is None else schema.code(j, v if isinstance(v, str) else str(v)) for v in values),
        dtype=np.float64,
        count=len(values),
    )
    return np.append(remap, np.nan)[_indices(d, len(remap))]


def label_column(col: pa.Array, strip: bool = False, na_values: tuple[str, ...] = ()) -> np.ndarray:
    """Any Arrow column as an object array of labels (None for missing).

    ``strip`` trims spaces around string labels; then labels in ``na_values`` are missing.
    """
    col = as_array(col)
    if pa.types.is_null(col.type):
        return np.full(len(col), None, dtype=object)
    if not (_is_string(col.type) or pa.types.is_dictionary(col.type)):
        out = np.empty(len(col), dtype=object)
        out[:] = col.to_pylist()
        return out
    d = _dictionary(col)
    values = np.empty(len(d.dictionary) + 1, dtype=object)
    values[:] = [*_clean(d.dictionary.to_pylist(), strip, na_values), None]
    return values[_indices(d, len(values) - 1)]


def _clean(values: list, strip: bool, na_values: tuple[str, ...]) -> list:
    if strip:
        values = [v.strip() if isinstance(v, str) else v for v in values]
    if na_values:
        values = [None if v in na_values else v for v in values]
    return values


def kind_of_type(t: pa.DataType) -> str | None:
    """The schema kind for an Arrow type (None for the null type: not known yet)."""
    if pa.types.is_null(t):
        return None
    if _is_string(t) or pa.types.is_dictionary(t):
        return CAT
    return NUM


def fill_features(
    X: np.ndarray,
    schema: Schema,
    columns: Iterable[tuple[pa.Array, int]],
    na_values: tuple[str, ...] = NA_VALUES,
    strip: bool = False,
    cat_na_values: tuple[str, ...] = (),
) -> np.ndarray:
    """Write each ``(column, j)`` into ``X[:, j]`` as schema column ``j``; returns ``X``.

    A numeric column goes through :func:`numeric_column` (with ``na_values``),
    a categorical one through :func:`categorical_column` (with ``strip`` and
    ``cat_na_values``), in the order given (vocabularies grow in that order).
    """
    for col, j in columns:
        if schema.kinds[j] == CAT:
            X[:, j] = categorical_column(col, schema, j, strip=strip, na_values=cat_na_values)
        else:
            X[:, j] = numeric_column(col, schema, na_values)
    return X


def target_column(
    col: pa.Array,
    schema: Schema,
    labels: bool,
    na_values: tuple[str, ...] = NA_VALUES,
    strip: bool = False,
    label_na_values: tuple[str, ...] = (),
) -> np.ndarray:
    """Targets: labels (:func:`label_column`, with ``strip`` and ``label_na_values``)
    when ``labels``, else numbers (:func:`numeric_column`, with ``na_values``)."""
    if labels:
        return label_column(col, strip=strip, na_values=label_na_values)
    return numeric_column(col, schema, na_values)
