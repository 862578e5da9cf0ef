"""Parsing and validation: message batches -> feature rows, labels, keys, times; bad records out.

:class:`RecordSchema` says what a record holds: feature fields with their
types and checks, the label field, the join key, the event-time field.
:class:`Parser` turns a :class:`~streamlearn.streams.sources.MessageBatch`
into a :class:`Parsed` batch: a float64 matrix in a growing
:class:`~streamlearn.base.schema.Schema` (categories as codes, NaN =
missing), plus the records that failed, each with a reason, for the dead
letters.

How a batch is parsed (per batch, never per record, unless records are bad):

* JSON Lines are parsed by Arrow in one call. If the block has a bad line
  (malformed JSON, not an object, a field whose JSON type differs from the
  other lines), its lines are decoded with :mod:`json` (bad ones get their
  reason from it) and the records whose fields have their usual JSON types
  are converted to one Arrow table, the few others one by one. CSV lines
  are parsed by Arrow with a handler that sends rows with the wrong number
  of fields to the dead letters. Parquet rows and
  dict payloads are Arrow tables already.
* Each column is then checked and converted with vectorised code: numbers
  (numeric strings are accepted, booleans are 1/0), categories (numbers are
  coded by their text), required fields, ranges and allowed values.

Reasons a record becomes a dead letter: ``record of N bytes exceeds
max_record_bytes=M``; ``invalid JSON: ...``; ``not a JSON object``;
``expected K fields, got F`` (CSV); ``field 'x': expected a number, got
'abc'``; ``field 'x': nested value``; ``field 'x': below min ...``/``above
max ...``; ``field 'x': 'v' is not one of [...]``; ``missing required field
'x'``; ``unexpected field 'x'`` (``extra_fields: reject``); ``missing label
field 'y'`` (when a label is required); ``label: ...`` (a label of the
wrong kind); ``record has no features and no label``; ``label record
without key 'id'``.

>>> from streamlearn.streams.sources import MessageBatch, Message
>>> schema = RecordSchema({"bytes": {"type": "number", "min": 0}, "proto": "category"}, label="y")
>>> parser = Parser(schema)
>>> lines = [b'{"bytes": 10, "proto": "tcp", "y": 1}', b'{"bytes": -1, "proto": "udp", "y": 0}', b'oops']
>>> p = parser.parse(MessageBatch.from_messages([Message(x, offset=i) for i, x in enumerate(lines)]))
>>> p.X.tolist(), p.labels.tolist(), p.offsets.tolist()
([[10.0, 0.0]], [1], [0])
>>> p.dead.reasons, p.dead.offsets
(["field 'bytes': -1.0 is below min 0", 'invalid JSON: Expecting value: line 1 column 1 (char 0)'], [1, 2])
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.streams._columns import (
    NA_VALUES,
    NUMBER_REGEX,
    as_array,
    categorical_column,
    kind_of_type,
    label_column,
    python_numbers,
    temporal_seconds,
)
from streamlearn.streams.sources.base import MessageBatch
from streamlearn.streams.sources.options import PipelineConfigError, suggest

_KINDS = {
    "number": NUM,
    "num": NUM,
    "float": NUM,
    "int": NUM,
    "integer": NUM,
    "bool": NUM,
    "boolean": NUM,
    "category": CAT,
    "cat": CAT,
    "categorical": CAT,
    "str": CAT,
    "string": CAT,
}
LABEL_TYPES = ("str", "int", "float", "bool")
_ARTICLE = {"str": "a", "int": "an", "float": "a", "bool": "a"}
EXTRA = ("ignore", "keep", "reject")


@dataclass
class FieldSpec:
    """One declared feature field.

    ``type``: ``number`` (booleans are 1/0; numeric strings accepted) or
    ``category`` (numbers are coded by their text). ``required``: a record
    without it is a dead letter. ``min``/``max``: allowed range of a number.
    ``values``: the allowed categories.
    """

    name: str
    type: str = "number"
    required: bool = False
    min: float | None = None
    max: float | None = None
    values: list[Any] | None = None

    @property
    def kind(self) -> str:
        return _KINDS[self.type]


_FIELD_KEYS = ("type", "required", "min", "max", "values")


def _field(name: str, spec: Any) -> FieldSpec:
    where = f"schema.fields.{name}"
    if isinstance(spec, FieldSpec):
        f = spec
    elif isinstance(spec, str) or spec is None:
        f = FieldSpec(name, spec or "number")
    elif isinstance(spec, Mapping):
        for k in spec:
            if k not in _FIELD_KEYS:
                raise PipelineConfigError(
                    f"{where}: unknown option {k!r}{suggest(str(k), list(_FIELD_KEYS))}. "
                    f"Options: {', '.join(_FIELD_KEYS)}."
                )
        f = FieldSpec(name, **dict(spec))
    else:
        raise PipelineConfigError(f"{where}: give a type (number, category) or a mapping. Got {spec!r}.")
    if f.type not in _KINDS:
        raise PipelineConfigError(
            f"{where}.type: must be number or category{suggest(str(f.type), list(_KINDS))}. Got {f.type!r}."
        )
    if not isinstance(f.required, bool):
        raise PipelineConfigError(f"{where}.required: must be true or false. Got {f.required!r}.")
    for bound in ("min", "max"):
        v = getattr(f, bound)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise PipelineConfigError(f"{where}.{bound}: must be a number. Got {v!r}.")
        if v is not None and f.kind == CAT:
            raise PipelineConfigError(f"{where}.{bound}: only number fields have a range.")
    if f.values is not None:
        if f.kind != CAT or not isinstance(f.values, list) or not f.values:
            raise PipelineConfigError(f"{where}.values: a non-empty list, for category fields only.")
        f.values = [str(v) if not isinstance(v, str) else v for v in f.values]
    return f


class RecordSchema:
    """What the records of a stream hold.

    Parameters
    ----------
    fields
        Feature fields: ``{name: type}`` or ``{name: {type:, required:, min:,
        max:, values:}}`` (or :class:`FieldSpec` objects). When None, every
        field other than the label, key and timestamp is a feature and its
        type is fixed by the first value seen (a string: category; a number
        or boolean: number).
    label
        The label field (None: the stream carries no labels).
    key
        The field that joins a label to its features (delayed labels).
    timestamp
        The event-time field: seconds since the epoch, or an ISO 8601 string.
        When absent, the arrival time is used (for time-to-live).
    extra_fields
        Fields not declared in ``fields``: ``ignore`` (default when fields are
        declared), ``keep`` as features (default otherwise) or ``reject``
        (the record becomes a dead letter).
    label_required
        A record with features but no label is a dead letter. Default (None):
        required when labels can only come with the features (no key).
    label_type
        Convert labels: ``str``, ``int``, ``float`` or ``bool`` (CSV labels are text).
    max_record_bytes
        Larger records are dead letters (their first bytes are kept).
    """

    def __init__(
        self,
        fields: Mapping[str, Any] | Sequence[FieldSpec] | None = None,
        *,
        label: str | None = None,
        key: str | None = None,
        timestamp: str | None = None,
        extra_fields: str | None = None,
        label_required: bool | None = None,
        label_type: str | None = None,
        max_record_bytes: int = 1 << 20,
    ) -> None:
        if fields is None:
            self.fields: dict[str, FieldSpec] | None = None
        elif isinstance(fields, Mapping):
            self.fields = {str(k): _field(str(k), v) for k, v in fields.items()}
        else:
            self.fields = {f.name: _field(f.name, f) for f in fields}
        self.label = label
        self.key = key
        self.timestamp = timestamp
        if extra_fields is None:
            extra_fields = "keep" if self.fields is None else "ignore"
        if extra_fields not in EXTRA:
            raise PipelineConfigError(
                f"schema.extra_fields: must be one of {', '.join(EXTRA)}. Got {extra_fields!r}."
            )
        self.extra_fields = extra_fields
        self.label_required = label_required
        if label_type is not None and label_type not in LABEL_TYPES:
            raise PipelineConfigError(
                f"schema.label_type: must be one of {', '.join(LABEL_TYPES)}. Got {label_type!r}."
            )
        self.label_type = label_type
        if (
            isinstance(max_record_bytes, bool)
            or not isinstance(max_record_bytes, int)
            or max_record_bytes < 1
        ):
            raise PipelineConfigError(
                f"schema.max_record_bytes: must be an int >= 1. Got {max_record_bytes!r}."
            )
        self.max_record_bytes = max_record_bytes
        special = [n for n in (label, key, timestamp) if n is not None]
        if len(set(special)) != len(special):
            raise PipelineConfigError("schema: label, key and timestamp must be different fields.")
        if self.fields:
            for n in special:
                if n in self.fields:
                    raise PipelineConfigError(
                        f"schema: {n!r} is the label, key or timestamp; not a feature field."
                    )

    def __repr__(self) -> str:
        n = "inferred" if self.fields is None else f"{len(self.fields)} fields"
        return f"RecordSchema({n}, label={self.label!r}, key={self.key!r}, timestamp={self.timestamp!r})"


@dataclass
class DeadLetters:
    """Records that failed, in columns: where they came from, why, and the payload."""

    origins: list[str] = field(default_factory=list)
    partitions: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    order: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.reasons)

    def add(self, batch: MessageBatch, i: int, reason: str, limit: int) -> None:
        self.order.append(i)
        self.origins.append(batch.origin)
        self.partitions.append(int(batch.partitions[i]))
        self.offsets.append(int(batch.offsets[i]))
        self.reasons.append(reason)
        p = batch.payload(i)
        if isinstance(p, bytes):
            text = p[:limit].decode("utf-8", errors="replace")
        elif isinstance(p, str):
            text = p[:limit]
        else:
            text = json.dumps(p, default=str, ensure_ascii=False)[:limit]
        self.payloads.append(text)
        self.sizes.append(batch.size(i))

    _COLUMNS = ("origins", "partitions", "offsets", "reasons", "payloads", "sizes", "order")

    def extend(self, other: DeadLetters) -> None:
        for name in self._COLUMNS:
            getattr(self, name).extend(getattr(other, name))

    def sort(self) -> None:
        """Put the records in message order."""
        if self.order != sorted(self.order):
            perm = sorted(range(len(self.order)), key=self.order.__getitem__)
            for name in self._COLUMNS:
                values = getattr(self, name)
                setattr(self, name, [values[i] for i in perm])

    def to_arrow(self) -> pa.RecordBatch:
        return pa.RecordBatch.from_pydict(
            {
                "source": pa.array(self.origins, pa.string()),
                "partition": pa.array(self.partitions, pa.int64()),
                "offset": pa.array(self.offsets, pa.int64()),
                "reason": pa.array(self.reasons, pa.string()),
                "payload": pa.array(self.payloads, pa.string()),
                "bytes": pa.array(self.sizes, pa.int64()),
            }
        )


@dataclass
class Parsed:
    """The good records of a batch, in message order, and the dead letters."""

    X: np.ndarray
    schema: Schema
    labels: np.ndarray
    has_label: np.ndarray
    has_features: np.ndarray
    keys: list[Any] | None
    times: np.ndarray
    offsets: np.ndarray
    partitions: np.ndarray
    dead: DeadLetters
    n_in: int = 0

    def __len__(self) -> int:
        return len(self.offsets)


@dataclass
class _Piece:
    """Rows of one Arrow table and the messages they came from."""

    table: pa.Table
    idx: np.ndarray


class Parser:
    """Turns message batches into :class:`Parsed` batches under a :class:`RecordSchema`.

    Parameters
    ----------
    schema
        The record schema.
    format
        Payload format of line/bytes messages: ``json`` or ``csv``.
    role
        ``features`` (the main stream) or ``labels`` (a label stream: only
        key, label and timestamp are read; records without a key or a label
        are dead letters).
    label_required
        Overrides ``schema.label_required`` (the pipeline decides the default).
    """

    def __init__(
        self,
        schema: RecordSchema,
        format: str = "json",
        role: str = "features",
        label_required: bool | None = None,
    ) -> None:
        if format not in ("json", "csv"):
            raise PipelineConfigError(f"A parser reads json or csv payloads. Got {format!r}.")
        self.spec = schema
        self.format = format
        self.role = role
        req = schema.label_required if label_required is None else label_required
        self.label_required = bool(req) and schema.label is not None
        self.schema = Schema()
        if schema.fields:
            for f in schema.fields.values():
                self.schema.add(f.name, f.kind)
        self._skip = {n for n in (schema.label, schema.key, schema.timestamp) if n is not None}

    # -- state ----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return self.schema.to_dict()

    def set_state(self, state: Mapping[str, Any]) -> None:
        self.schema = Schema.from_dict(state)

    # -- entry point ------------------------------------------------------------------------
    def parse(self, batch: MessageBatch) -> Parsed:
        n = len(batch)
        dead = DeadLetters()
        pieces: list[_Piece] = []
        if n:
            if batch.table is not None:
                pieces = [_Piece(pa.Table.from_batches([batch.table]), np.arange(n))]
            else:
                ok = self._size_check(batch, dead)
                pieces = self._pieces(batch, ok, dead)
        return self._assemble(batch, pieces, dead)

    def _size_check(self, batch: MessageBatch, dead: DeadLetters) -> np.ndarray:
        limit = self.spec.max_record_bytes
        if batch.block is not None:
            assert batch.starts is not None and batch.ends is not None
            sizes = batch.ends - batch.starts
        else:
            assert batch.payloads is not None
            sizes = np.array([len(p) if isinstance(p, (bytes, str)) else 0 for p in batch.payloads], np.int64)
        if batch.sizes is not None:
            sizes = np.maximum(sizes, batch.sizes)
        big = np.flatnonzero(sizes > limit)
        for i in big.tolist():
            dead.add(batch, i, f"record of {int(sizes[i])} bytes exceeds max_record_bytes={limit}", limit)
        ok = np.ones(len(batch), dtype=bool)
        ok[big] = False
        return ok

    # -- payloads -> Arrow tables ------------------------------------------------------------
    def _pieces(self, batch: MessageBatch, ok: np.ndarray, dead: DeadLetters) -> list[_Piece]:
        idx = np.flatnonzero(ok)
        if not len(idx):
            return []
        if batch.block is not None:
            assert batch.starts is not None and batch.ends is not None
            if len(idx) == len(batch):
                block = batch.block
            else:
                block = b"\n".join(batch.block[batch.starts[i] : batch.ends[i]] for i in idx.tolist())
            if self.format == "csv":
                return self._csv(batch, block, idx, dead)
            return self._json_block(batch, block, idx, dead)
        assert batch.payloads is not None
        payloads = [batch.payloads[i] for i in idx.tolist()]
        if all(isinstance(p, Mapping) for p in payloads):
            return self._dicts(batch, payloads, idx, dead)  # type: ignore[arg-type]
        lines = [_line(p) for p in payloads]
        block = b"\n".join(lines)
        if self.format == "csv":
            return self._csv(batch, block, idx, dead)
        return self._json_block(batch, block, idx, dead, lines)

    def _json_block(
        self,
        batch: MessageBatch,
        block: bytes,
        idx: np.ndarray,
        dead: DeadLetters,
        lines: list[bytes] | None = None,
    ) -> list[_Piece]:
        table = _read_json(block)
        if table is not None and table.num_rows == len(idx):
            return [_Piece(table, idx)]
        if lines is None:
            lines = block.split(b"\n")
            if len(lines) != len(idx):  # a payload held a line break: fall back to the messages
                lines = [_line(batch.payload(i)) for i in idx.tolist()]
        records: list[dict[str, Any]] = []
        keep = np.zeros(len(idx), dtype=bool)
        limit = self.spec.max_record_bytes
        loads = json.loads
        for r, (line, i) in enumerate(zip(lines, idx.tolist())):
            try:
                rec = loads(line)
            except (ValueError, UnicodeDecodeError) as e:
                dead.add(batch, i, f"invalid JSON: {e}", limit)
                continue
            if not isinstance(rec, dict):
                dead.add(batch, i, f"not a JSON object but {type(rec).__name__}", limit)
                continue
            records.append(rec)
            keep[r] = True
        return _record_pieces(records, idx[keep], self.schema)

    def _dicts(
        self, batch: MessageBatch, rows: list[Mapping[str, Any]], idx: np.ndarray, dead: DeadLetters
    ) -> list[_Piece]:
        return _record_pieces([r if isinstance(r, dict) else dict(r) for r in rows], idx, self.schema)

    def _csv(self, batch: MessageBatch, block: bytes, idx: np.ndarray, dead: DeadLetters) -> list[_Piece]:
        names = batch.columns
        if not names:
            raise PipelineConfigError(
                f"{batch.origin or 'source'}: CSV payloads need column names "
                "(a header line or columns: [...])."
            )
        bad: dict[int, str] = {}

        def handler(row: Any) -> str:
            bad[int(row.number) - 1] = f"expected {row.expected_columns} fields, got {row.actual_columns}"
            return "skip"

        try:
            table = pa_csv.read_csv(
                io.BytesIO(block),
                read_options=pa_csv.ReadOptions(
                    column_names=list(names), use_threads=False, block_size=len(block) + 1
                ),
                parse_options=pa_csv.ParseOptions(invalid_row_handler=handler, newlines_in_values=False),
                convert_options=pa_csv.ConvertOptions(
                    column_types={c: pa.string() for c in names},
                    strings_can_be_null=True,
                    null_values=[""],
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as e:
            if len(idx) == 1:
                dead.add(batch, int(idx[0]), f"invalid CSV: {e}", self.spec.max_record_bytes)
                return []
            lines = block.split(b"\n")
            mid = len(lines) // 2
            return self._csv(batch, b"\n".join(lines[:mid]), idx[:mid], dead) + self._csv(
                batch, b"\n".join(lines[mid:]), idx[mid:], dead
            )
        keep = np.ones(len(idx), dtype=bool)
        for r, reason in sorted(bad.items()):
            if 0 <= r < len(idx):
                keep[r] = False
                dead.add(batch, int(idx[r]), reason, self.spec.max_record_bytes)
        return [_Piece(table, idx[keep])] if keep.any() else []

    # -- Arrow tables -> rows -----------------------------------------------------------------
    def _assemble(self, batch: MessageBatch, pieces: list[_Piece], dead: DeadLetters) -> Parsed:
        Xs, labels, keys, times, idxs = [], [], [], [], []
        for piece in pieces:
            if not len(piece.idx):
                continue
            X, y, k, t, reasons = self._convert(piece.table)
            bad = np.flatnonzero(reasons != None)  # noqa: E711
            if len(bad):
                for r in bad.tolist():
                    dead.add(batch, int(piece.idx[r]), str(reasons[r]), self.spec.max_record_bytes)
                good = reasons == None  # noqa: E711
                X, y, t = X[good], y[good], t[good]
                k = None if k is None else [v for v, g in zip(k, good.tolist()) if g]
                idx = piece.idx[good]
            else:
                idx = piece.idx
            Xs.append(X)
            labels.append(y)
            keys.append(k)
            times.append(t)
            idxs.append(idx)
        width = self.schema.width
        if Xs:
            X = _stack(Xs, width)
            y = np.concatenate(labels)
            t = np.concatenate(times)
            idx = np.concatenate(idxs)
            key_list = None
            if self.spec.key is not None and self.spec.key != "$key":
                key_list = [v for k in keys if k is not None for v in k]
            order = np.argsort(idx, kind="stable")
            if not (order == np.arange(len(order))).all():
                X, y, t, idx = X[order], y[order], t[order], idx[order]
                if key_list is not None:
                    key_list = [key_list[i] for i in order.tolist()]
        else:
            X = np.empty((0, width))
            y = np.empty(0, dtype=object)
            t = np.empty(0)
            idx = np.empty(0, dtype=np.int64)
            key_list = [] if self.spec.key is not None else None
        if self.spec.key == "$key" and batch.keys is not None:
            key_list = [batch.keys[i] for i in idx.tolist()]
        if batch.timestamps is not None and len(idx):
            fallback = batch.timestamps[idx]
            t = np.where(np.isnan(t), fallback, t)
        if self.spec.timestamp is None and len(t) and np.isnan(t).any():
            t = np.where(np.isnan(t), time.time(), t)  # no event time: arrival time
        has_label = ~_missing(y)
        has_features = _any_present(X)
        dead.sort()
        return Parsed(
            X=X,
            schema=self.schema,
            labels=y,
            has_label=has_label,
            has_features=has_features,
            keys=key_list,
            times=t,
            offsets=batch.offsets[idx],
            partitions=batch.partitions[idx],
            dead=dead,
            n_in=len(batch),
        )

    def _convert(
        self, table: pa.Table
    ) -> tuple[np.ndarray, np.ndarray, list[Any] | None, np.ndarray, np.ndarray]:
        n = table.num_rows
        spec = self.spec
        schema = self.schema
        reasons = np.full(n, None, dtype=object)
        names = table.column_names
        present = set(names)
        features = self.role == "features"
        cols: list[tuple[int, np.ndarray]] = []
        if features:
            for name in names:
                if name in self._skip:
                    continue
                col = as_array(table.column(name))
                declared = spec.fields.get(name) if spec.fields else None
                if declared is None and spec.fields is not None:
                    if spec.extra_fields == "reject":
                        _flag(reasons, ~np.asarray(col.is_null()), f"unexpected field {name!r}")
                        continue
                    if spec.extra_fields == "ignore":
                        continue
                if name not in schema:
                    kind = _infer_kind(col.type)
                    if kind is None:
                        continue  # all null or nested so far: wait for a scalar value
                    schema.add(name, kind)
                j = schema.index(name)
                if schema.kinds[j] == NUM:
                    values, bad = _numbers(col)
                    if bad is not None:
                        _flag_values(reasons, bad, col, f"field {name!r}: expected a number, got %s")
                    if declared is not None:
                        self._range(reasons, declared, values)
                else:
                    values, bad = _categories(col, schema, j, declared.values if declared else None)
                    if bad is not None:
                        _flag_values(
                            reasons,
                            bad,
                            col,
                            f"field {name!r}: %s",
                            allowed=declared.values if declared else None,
                        )
                cols.append((j, values))
            if spec.fields:
                for f in spec.fields.values():
                    if not f.required:
                        continue
                    if f.name not in present:
                        _flag(reasons, np.ones(n, dtype=bool), f"missing required field {f.name!r}")
                    else:
                        _flag(
                            reasons,
                            np.asarray(as_array(table.column(f.name)).is_null()),
                            f"missing required field {f.name!r}",
                        )
        X = np.full((n, schema.width), np.nan)
        for j, values in cols:
            X[:, j] = values
        # label
        if spec.label is not None and spec.label in present:
            y = self._labels(as_array(table.column(spec.label)), reasons)
        else:
            y = np.full(n, None, dtype=object)
        # key
        keys: list[Any] | None = None
        if spec.key is not None and spec.key != "$key":
            if spec.key in present:
                kcol = as_array(table.column(spec.key))
                if _nested(kcol.type):
                    _flag(
                        reasons,
                        ~np.asarray(kcol.is_null()),
                        f"key {spec.key!r}: must be a string or a number",
                    )
                    keys = [None] * n
                else:
                    keys = kcol.to_pylist()
            else:
                keys = [None] * n
        # event time
        t = np.full(n, np.nan)
        if spec.timestamp is not None and spec.timestamp in present:
            t = _times(as_array(table.column(spec.timestamp)), reasons, spec.timestamp)
        # whole-record checks
        has_label = ~_missing(y)
        has_features = ~np.isnan(X).all(axis=1) if X.shape[1] else np.zeros(n, dtype=bool)
        if self.role == "labels":
            if spec.key != "$key":
                no_key = (
                    np.array([k is None for k in keys], dtype=bool) if keys is not None else np.ones(n, bool)
                )
                _flag(reasons, no_key, f"label record without key {spec.key!r}")
            _flag(reasons, ~has_label, f"missing label field {spec.label!r}")
        else:
            if self.label_required:
                _flag(reasons, has_features & ~has_label, f"missing label field {spec.label!r}")
            _flag(reasons, ~has_features & ~has_label, "record has no features and no label")
            if spec.key is None:
                _flag(reasons, ~has_features & has_label, "record has a label but no features (and no key)")
            elif keys is not None and spec.key != "$key":
                no_key = np.array([k is None for k in keys], dtype=bool)
                _flag(reasons, ~has_features & has_label & no_key, f"label record without key {spec.key!r}")
        return X, y, keys, t, reasons

    def _range(self, reasons: np.ndarray, f: FieldSpec, values: np.ndarray) -> None:
        if f.min is not None:
            low = values < f.min
            if low.any():
                _flag_each(reasons, low, values, f"field {f.name!r}: %r is below min {f.min}")
        if f.max is not None:
            high = values > f.max
            if high.any():
                _flag_each(reasons, high, values, f"field {f.name!r}: %r is above max {f.max}")

    def _labels(self, col: pa.Array, reasons: np.ndarray) -> np.ndarray:
        n = len(col)
        if _nested(col.type):
            _flag(reasons, ~np.asarray(col.is_null()), "label: must be a string, number or bool")
            return np.full(n, None, dtype=object)
        y = label_column(col)
        if y.dtype == object and pa.types.is_floating(col.type):
            y = np.array([None if v is None or v != v else v for v in y.tolist()], dtype=object)
        kind = self.spec.label_type
        if kind is None:
            return y
        out = np.full(n, None, dtype=object)
        for i, v in enumerate(y.tolist()):
            if v is None:
                continue
            c = _coerce_label(v, kind)
            if c is None:
                if reasons[i] is None:
                    reasons[i] = f"label: {v!r} is not {_ARTICLE[kind]} {kind}"
            else:
                out[i] = c
        return out


# -- helpers ---------------------------------------------------------------------------------------
def _line(p: Any) -> bytes:
    """A payload (bytes, text or a dict) as one line of bytes (newlines inside become spaces)."""
    if isinstance(p, Mapping):
        p = json.dumps(p, default=str)
    if isinstance(p, str):
        p = p.encode("utf-8")
    return p.replace(b"\n", b" ") if b"\n" in p else p  # type: ignore[no-any-return]


def _read_json(block: bytes) -> pa.Table | None:
    if not block.strip():
        return None
    try:
        table = pa_json.read_json(
            io.BytesIO(block),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(block) + 1),
            parse_options=pa_json.ParseOptions(unexpected_field_behavior="infer", newlines_in_values=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if any(pa.types.is_temporal(t) for t in table.schema.types):
        # Arrow read date-like strings as timestamps: rebuild those columns as text
        cols = []
        for c in table.columns:
            if pa.types.is_temporal(c.type):
                c = pc.cast(c, pa.string())
            cols.append(c)
        table = pa.table(cols, names=table.column_names)
    return table


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float, np.number)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "nested"


def _record_pieces(records: list[dict[str, Any]], idx: np.ndarray, schema: Schema) -> list[_Piece]:
    """Decoded records as Arrow tables: the records whose values have each field's expected JSON
    type in one table, the few others one by one. The expected type of a field is given by its
    schema column (numbers or strings), else by its first value."""
    if not records:
        return []
    expected: dict[str, str] = {}
    for name, kind in zip(schema.names, schema.kinds):
        expected[str(name)] = "number" if kind == NUM else "string"
    typical = np.ones(len(records), dtype=bool)
    for r, rec in enumerate(records):
        for k, v in rec.items():
            kind = _kind(v)
            if kind == "null":
                continue
            want = expected.setdefault(k, kind)
            if kind != want:
                typical[r] = False
                break
    pieces = []
    if typical.any():
        rows = [rec for rec, t in zip(records, typical.tolist()) if t]
        pieces.append(_Piece(_dict_table(rows), idx[typical]))
    for r in np.flatnonzero(~typical).tolist():
        pieces.append(_Piece(_dict_table([records[r]]), idx[r : r + 1]))
    return pieces


def _dict_table(rows: list[dict[str, Any]]) -> pa.Table:
    """A table from dicts whose values Arrow cannot type together: such values become binary
    (the marker of a value that is not a scalar)."""
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(map(str, r)))
    arrays = []
    for k in keys:
        values = [r.get(k) for r in rows]
        values = [_plain(v) for v in values]
        try:
            arr = pa.array(values)
            if pa.types.is_temporal(arr.type):
                arr = pa.array([None if v is None else str(v) for v in values], pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            arr = pa.array(
                [None if v is None else json.dumps(v, default=str).encode() for v in values], pa.binary()
            )
        arrays.append(arr)
    return pa.table(arrays, names=list(keys))


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _nested(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_nested(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
    )


def _infer_kind(t: pa.DataType) -> str | None:
    return None if _nested(t) else kind_of_type(t)


def _missing(y: np.ndarray) -> np.ndarray:
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype.kind == "O":
        return np.asarray((y == None) | (y != y), dtype=bool)  # noqa: E711
    return np.zeros(len(y), dtype=bool)


def _any_present(X: np.ndarray) -> np.ndarray:
    """Rows with at least one feature value."""
    if not X.shape[1]:
        return np.zeros(len(X), dtype=bool)
    return np.asarray(~np.isnan(X).all(axis=1))


def _stack(xs: list[np.ndarray], width: int) -> np.ndarray:
    if len(xs) == 1 and xs[0].shape[1] == width:
        return xs[0]
    out = np.full((sum(len(x) for x in xs), width), np.nan)
    i = 0
    for x in xs:
        out[i : i + len(x), : x.shape[1]] = x
        i += len(x)
    return out


def _flag(reasons: np.ndarray, mask: np.ndarray, reason: str) -> None:
    """Give ``reason`` to the rows in ``mask`` that have none yet (the first failure counts)."""
    if mask.any():
        hit = mask & (reasons == None)  # noqa: E711
        reasons[hit] = reason


def _flag_each(reasons: np.ndarray, mask: np.ndarray, values: np.ndarray, template: str) -> None:
    for i in np.flatnonzero(mask & (reasons == None)).tolist():  # noqa: E711
        reasons[i] = template % (float(values[i]),)


def _flag_values(
    reasons: np.ndarray, bad: np.ndarray, col: pa.Array, template: str, allowed: list[Any] | None = None
) -> None:
    rows = np.flatnonzero(bad & (reasons == None))  # noqa: E711
    if not len(rows):
        return
    values = col.take(pa.array(rows)).to_pylist()
    for i, v in zip(rows.tolist(), values):
        if isinstance(v, (bytes, dict, list)):
            shown = "a nested value (objects and arrays are not features)"
        elif allowed is not None:
            shown = f"{v!r} is not one of {allowed}"
        else:
            shown = repr(v)
        reasons[i] = template % shown if "%s" in template else template


def _numbers(col: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """A column as float64 numbers, and the rows whose value is not a number (None: all fine)."""
    t = col.type
    n = len(col)
    if pa.types.is_null(t):
        return np.full(n, np.nan), None
    if pa.types.is_dictionary(t):
        col = col.dictionary_decode()
        t = col.type
    if pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        x = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
        inf = np.isinf(x)
        if inf.any():
            x = np.where(inf, np.nan, x)
        return x, None
    if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t) or pa.types.is_duration(t):
        return temporal_seconds(col), None
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        try:
            x = np.array(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
            x[np.isinf(x)] = np.nan
            return x, None
        except pa.ArrowInvalid:
            pass
        trimmed = pc.utf8_trim_whitespace(col)
        na = pc.is_in(trimmed, value_set=pa.array(NA_VALUES, type=trimmed.type))
        ok = pc.or_kleene(pc.match_substring_regex(trimmed, NUMBER_REGEX, ignore_case=True), na)
        ok_np = np.asarray(pc.fill_null(ok, True).to_numpy(zero_copy_only=False), dtype=bool)
        cleaned = pc.if_else(pc.and_(ok, pc.invert(na)), trimmed, pa.scalar(None, type=trimmed.type))
        try:
            x = np.array(pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        except pa.ArrowInvalid:
            x = python_numbers(cleaned.to_pylist())
        x[np.isinf(x)] = np.nan
        bad = ~ok_np
        x[bad] = np.nan
        return x, bad if bad.any() else None
    # nested or binary: not a number
    bad = ~np.asarray(col.is_null())
    return np.full(n, np.nan), bad if bad.any() else None


def _categories(
    col: pa.Array, schema: Schema, j: int, allowed: list[Any] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """A column as category codes of schema column ``j``; rows with a value that is not allowed."""
    t = col.type
    n = len(col)
    if pa.types.is_null(t):
        return np.full(n, np.nan), None
    if _nested(t):
        nested = ~np.asarray(col.is_null())
        return np.full(n, np.nan), nested if nested.any() else None
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)):
        col = pa.array([None if v is None else _text(v) for v in col.to_pylist()], type=pa.string())
    bad: np.ndarray | None = None
    if allowed is not None:
        plain = col.dictionary_decode() if pa.types.is_dictionary(col.type) else col
        ok = pc.is_in(plain, value_set=pa.array(allowed, type=pa.string()))
        bad_np = ~np.asarray(pc.fill_null(ok, True).to_numpy(zero_copy_only=False), dtype=bool)
        if bad_np.any():
            bad = bad_np
            col = pc.if_else(pa.array(bad_np), pa.scalar(None, type=plain.type), plain)
    return categorical_column(col, schema, j), bad


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(v)
    return str(v)


def _times(col: pa.Array, reasons: np.ndarray, name: str) -> np.ndarray:
    """Event times as seconds since the epoch (NaN when absent)."""
    t = col.type
    n = len(col)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = np.full(n, np.nan)
        for i, v in enumerate(col.to_pylist()):
            if v is None:
                continue
            try:
                stamp = datetime.fromisoformat(v.strip())
                if stamp.tzinfo is None:
                    stamp = stamp.replace(tzinfo=timezone.utc)
                out[i] = stamp.timestamp()
            except ValueError:
                if reasons[i] is None:
                    reasons[i] = f"field {name!r}: {v!r} is not a timestamp"
        return out
    x, bad = _numbers(col)
    if bad is not None:
        _flag(reasons, bad, f"field {name!r}: not a timestamp")
    return x


def _coerce_label(v: Any, kind: str) -> Any:
    try:
        if kind == "str":
            return _text(v) if not isinstance(v, str) else v
        if kind == "float":
            f = float(v)
            return f if math.isfinite(f) else None
        if kind == "int":
            f = float(v)
            return int(f) if f.is_integer() else None
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            return bool(v) if v in (0, 1) else None
        s = str(v).strip().lower()
        return {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(s)
    except (TypeError, ValueError, OverflowError):
        return None


def key_list(values: Sequence[Hashable | None]) -> list[Hashable | None]:
    """Keys as plain Python values (floats that are whole numbers stay floats)."""
    return [v.item() if isinstance(v, np.generic) else v for v in values]
