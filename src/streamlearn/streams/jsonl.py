"""Streaming JSON Lines reader.

:func:`read_jsonl` reads one JSON object per line (``.jsonl``, ``.ndjson``,
optionally ``.gz``) in blocks of about 1 MB. Each block is parsed with
``pyarrow.json`` when it is clean; a block with a bad line (or a key whose
JSON type changes inside the block) is parsed line by line with :mod:`json`
instead, with the same results for the good lines (so are blocks where Arrow
would read date-like strings as timestamps: they stay text).

Keys may vary from line to line: a key seen for the first time becomes a new
schema column (the schema grows; earlier rows have it missing) and a key
absent from a line is missing (NaN) there. A column's kind is fixed by the
first non-null value seen: a string makes it categorical, a number or a
boolean numeric (``true`` = 1). Later values that do not fit - text that is
not a number in a numeric column, nested objects or arrays anywhere - are
read as missing and counted in ``schema.n_invalid``; numbers and booleans in
a categorical column are coded by their text (``5`` as ``"5"``).

Lines that are not valid JSON, or not a JSON object, are skipped and counted
in ``bad_rows`` with the reason (``"line N: ..."``, N the physical line
number from 1); blank lines are ignored.

Target: ``target=`` a key; default: the last key of the first object;
``False``: none. String and boolean targets give label objects (None when
absent), numeric ones floats (NaN when absent).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "events.jsonl")
>>> lines = ['{"bytes": 10, "y": "ok"}', '{"bytes": 5, "proto": "udp", "y": "bad"}', "not json"]
>>> _ = open(path, "w").write("\\n".join(lines) + "\\n")
>>> ds = read_jsonl(path)
>>> X, y, schema = ds.to_arrays()
>>> X.tolist(), y.tolist(), schema.names, ds.bad_rows
([[10.0, nan], [5.0, 0.0]], ['ok', 'bad'], ['bytes', 'proto'], 1)
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json

from streamlearn.base.errors import DataError
from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.streams._columns import NA_VALUES, fill_features, kind_of_type, target_column
from streamlearn.streams._files import check_file, file_stem, line_chunks, open_binary, read_head
from streamlearn.streams.dataset import Block, Dataset

_LABEL, _FLOAT = "label", "float"


def read_jsonl(
    path: str | os.PathLike[str],
    target: Hashable | Literal[False] | None = None,
    *,
    batch_size: int = 1000,
    drop: Iterable[str] | None = None,
    name: str | None = None,
) -> JSONLDataset:
    """Read a JSON Lines file as a stream of batches (see the module docstring for the rules).

    Parameters
    ----------
    path
        The file (``.gz`` is decompressed on the fly).
    target
        The target key; None: the last key of the first object; False: none.
    batch_size
        Rows per batch.
    drop
        Keys to ignore.
    name
        The dataset's name (default: the file name).
    """
    return JSONLDataset(path, target=target, batch_size=batch_size, drop=drop, name=name)


class JSONLDataset(Dataset):
    """A JSON Lines file as a :class:`~streamlearn.streams.dataset.Dataset` (built by :func:`read_jsonl`)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        target: Hashable | Literal[False] | None = None,
        *,
        batch_size: int = 1000,
        drop: Iterable[str] | None = None,
        name: str | None = None,
    ):
        self.path = check_file(path)
        super().__init__(name or file_stem(self.path), None, batch_size)
        self.drop = set([drop] if isinstance(drop, str) else (drop or ()))
        head = read_head(self.path)
        if target is False:
            self.target = None
        elif target is None:
            first = _first_object(head)
            if first is None:
                raise DataError(f"No JSON object found at the start of {str(self.path)!r}.")
            keys = [k for k in first if k not in self.drop]
            if not keys:
                raise DataError(f"The first object of {str(self.path)!r} has no keys to use as the target.")
            self.target = keys[-1]
        else:
            self.target = target

    def _open(self) -> tuple[Schema, Iterator[Block]]:
        schema = Schema()
        return schema, self._blocks(schema)

    def _blocks(self, schema: Schema) -> Iterator[Block]:
        state: dict[str, Any] = {"target_kind": None}
        lines_before = 0
        try:
            with open_binary(self.path) as f:
                for chunk in line_chunks(f):
                    n_lines = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
                    if chunk.strip():
                        block = self._fast(chunk, schema, state)
                        if block is None:
                            block = self._slow(chunk, lines_before, schema, state)
                        if len(block[0]):
                            yield block
                    lines_before += n_lines
        except (OSError, EOFError) as e:
            raise DataError(f"Cannot read {str(self.path)!r}: {e}") from e

    # -- clean blocks: Arrow ------------------------------------------------------
    def _fast(self, chunk: bytes, schema: Schema, state: dict[str, Any]) -> Block | None:
        try:
            table = pa_json.read_json(
                io.BytesIO(chunk),
                read_options=pa_json.ReadOptions(use_threads=False, block_size=len(chunk) + 1),
                parse_options=pa_json.ParseOptions(unexpected_field_behavior="infer"),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        if any(pa.types.is_temporal(t) for t in table.schema.types):
            return None  # Arrow turned date-like strings into timestamps: keep them as text
        n = table.num_rows
        cols: list[tuple[pa.Array, int]] = []
        y: np.ndarray | None = None
        for key in table.column_names:
            col = table.column(key)
            if key == self.target:
                kind = state["target_kind"]
                if kind is None and not pa.types.is_null(col.type):
                    kind = state["target_kind"] = (
                        _FLOAT if pa.types.is_integer(col.type) or pa.types.is_floating(col.type) else _LABEL
                    )
                if kind is not None:
                    y = target_column(col, schema, kind == _LABEL)
                continue
            if key in self.drop:
                continue
            if key not in schema:
                kind = kind_of_type(col.type)
                if kind is None:
                    continue  # all null so far: wait for a value
                schema.add(key, kind)
            cols.append((col, schema.index(key)))
        X = fill_features(np.full((n, schema.width), np.nan), schema, cols)
        if self.target is not None and y is None:
            y = _missing_targets(n, state["target_kind"])
        return X, y

    # -- blocks with bad lines: line by line ---------------------------------------
    def _slow(self, chunk: bytes, lines_before: int, schema: Schema, state: dict[str, Any]) -> Block:
        records = []
        for i, raw in enumerate(chunk.split(b"\n")):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as e:
                self._report.add(f"line {lines_before + i + 1}: invalid JSON ({e})")
                continue
            if not isinstance(rec, dict):
                self._report.add(f"line {lines_before + i + 1}: not a JSON object but a {type(rec).__name__}")
                continue
            records.append(rec)
        n = len(records)
        columns: dict[str, list[Any]] = {}
        for i, rec in enumerate(records):
            for key, value in rec.items():
                col = columns.get(key)
                if col is None:
                    col = columns[key] = [None] * n
                col[i] = value
        y: np.ndarray | None = None
        cols: list[tuple[int, list[Any]]] = []
        for key, values in columns.items():
            if key == self.target:
                if state["target_kind"] is None:
                    first = next((v for v in values if v is not None), None)
                    if first is not None:
                        number = isinstance(first, (int, float)) and not isinstance(first, bool)
                        state["target_kind"] = _FLOAT if number else _LABEL
                if state["target_kind"] == _FLOAT:
                    y = _py_numbers(values, schema)
                elif state["target_kind"] == _LABEL:
                    y = np.empty(n, dtype=object)
                    y[:] = values
                continue
            if key in self.drop:
                continue
            if key not in schema:
                first = next((v for v in values if v is not None), None)
                if first is None:
                    continue
                schema.add(key, CAT if isinstance(first, str) else NUM)
            cols.append((schema.index(key), values))
        X = np.full((n, schema.width), np.nan)
        for j, values in cols:
            X[:, j] = _py_codes(values, schema, j) if schema.kinds[j] == CAT else _py_numbers(values, schema)
        if self.target is not None and y is None:
            y = _missing_targets(n, state["target_kind"])
        return X, y


def _missing_targets(n: int, kind: str | None) -> np.ndarray:
    if kind == _FLOAT:
        return np.full(n, np.nan)
    return np.full(n, None, dtype=object)


def _py_numbers(values: list[Any], schema: Schema) -> np.ndarray:
    out = np.full(len(values), np.nan)
    bad = 0
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, (bool, int, float)):
            x = float(v)
        elif isinstance(v, str):
            s = v.strip()
            if s in NA_VALUES:
                continue
            try:
                x = float(s)
            except ValueError:
                bad += 1
                continue
        else:
            bad += 1
            continue
        if math.isinf(x):
            bad += 1
        elif x == x:
            out[i] = x
    schema.n_invalid += bad
    return out


def _py_codes(values: list[Any], schema: Schema, j: int) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, (dict, list)):
            schema.n_invalid += 1
            continue
        out[i] = schema.code(j, v if isinstance(v, str) else str(v))
    return out


def _first_object(head: bytes) -> dict[str, Any] | None:
    for raw in head.split(b"\n")[:1000]:
        if raw.strip():
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if isinstance(rec, dict):
                return rec
    return None
