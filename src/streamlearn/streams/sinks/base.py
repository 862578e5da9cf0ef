"""The sink contract, and fast JSON encoding of Arrow record batches.

A :class:`Sink` receives Arrow record batches (predictions, or dead letters)
and takes part in checkpoints::

    sink.open(resume)        # resume: the sink's snapshot() from the checkpoint, or None
    sink.write(batch)        # as often as needed
    sink.flush()             # before a checkpoint: hand everything written so far on
    snap = sink.snapshot()   # JSON-able position after the flush; stored in the checkpoint
    sink.sync()              # make it durable (called from the checkpoint writer thread)
    <checkpoint is durable>
    sink.commit(snap)        # e.g. commit a Kafka transaction (a no-op by default)
    sink.close()

Writes happen before the checkpoint that covers them, so any sink is at
least **at-least-once**: after a crash the records since the last checkpoint
are processed and written again. A sink that can cut its output back to the
checkpointed position on ``open(resume)`` (files, memory) is
**exactly-once**; each sink states its guarantee in ``guarantee`` and its
docstring.

:func:`encode_jsonl` turns a record batch into JSON Lines in a few
vectorised passes (one per column); :func:`encode_json_rows` gives one JSON
document per row (for message brokers).

>>> import pyarrow as pa
>>> rb = pa.RecordBatch.from_pydict({"id": [1, 2], "label": ["a", None], "p": [0.5, float("nan")]})
>>> print(encode_jsonl(rb).decode(), end="")
{"id":1,"label":"a","p":0.5}
{"id":2,"label":null,"p":null}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from streamlearn.base.errors import InvalidParameterError


class Sink:
    """Base of every sink (see the module docstring for the life cycle)."""

    #: The delivery guarantee with checkpoints: exactly-once or at-least-once.
    guarantee: ClassVar[str] = "at-least-once"
    name: str = "sink"

    def open(self, resume: dict[str, Any] | None) -> None:
        """Start: afresh, or from the position in ``resume`` (cutting back what came after it)."""

    def write(self, batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Hand everything written so far on (to the OS, the broker, ...); quick."""

    def sync(self) -> None:
        """Make everything flushed so far durable (e.g. fsync). Called from the thread that
        writes the checkpoint, after :meth:`flush`, while the pipeline goes on writing."""

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able position after the last flush."""
        return {}

    def commit(self, snapshot: dict[str, Any]) -> None:
        """Called once the checkpoint holding ``snapshot`` is durable."""

    def shard(self, index: int, count: int) -> Sink:
        """The sink worker ``index`` of ``count`` writes to (worker processes)."""
        raise InvalidParameterError(f"{type(self).__name__} cannot be shared by worker processes.")

    def close(self) -> None:
        """Flush and release the file or connection."""


# -- JSON encoding -----------------------------------------------------------------------------
_NULL = pa.scalar("null")


def _texts(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each value of a column as JSON text, as an Arrow string array (vectorised)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    n = len(col)
    t = col.type
    if pa.types.is_null(t) or col.null_count == n:
        return pa.array(["null"] * n, pa.string())
    if pa.types.is_dictionary(t):
        col = col.dictionary_decode()
        t = col.type
    if pa.types.is_boolean(t):
        out = pc.if_else(col, pa.scalar("true"), pa.scalar("false"))
    elif pa.types.is_integer(t):
        out = pc.cast(col, pa.string())
    elif pa.types.is_floating(t):
        out = pc.cast(col, pa.string())  # shortest text that reads back as the same double
        finite = pc.is_finite(col)
        if not pc.all(finite).as_py():
            out = pc.if_else(finite, out, _NULL)
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        d = pc.dictionary_encode(col)
        texts = pa.array([json.dumps(v, ensure_ascii=False) for v in d.dictionary.to_pylist()], pa.string())
        out = pc.take(texts, d.indices)
    else:
        out = pa.array([json.dumps(v, ensure_ascii=False, default=str) for v in col.to_pylist()], pa.string())
    if out.null_count:
        out = pc.fill_null(out, _NULL)
    return out


def _joined(batch: pa.RecordBatch | pa.Table, end: str) -> pa.Array:
    """One JSON object per row as a string array, each followed by ``end``."""
    names = list(batch.schema.names)
    parts: list[Any] = []
    for i, name in enumerate(names):
        parts.append(pa.scalar(("{" if i == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"))
        parts.append(_texts(batch.column(i)))
    parts.append(pa.scalar("}" + end if names else "{}" + end))
    if not names:
        return pa.array(["{}" + end] * batch.num_rows, pa.string())
    out = pc.binary_join_element_wise(*parts, "")
    return out.cast(pa.large_string()) if not pa.types.is_large_string(out.type) else out


def encode_jsonl(batch: pa.RecordBatch | pa.Table) -> bytes:
    """The rows as JSON Lines (UTF-8; NaN and infinities as ``null``).

    Every value is turned into JSON text by Arrow compute kernels, column by
    column, and the lines are joined in Arrow too, so no Python code runs per
    record (strings are JSON-escaped once per distinct value). Floats are
    written as the shortest text that reads back as the same double.
    """
    if batch.num_rows == 0:
        return b""
    joined = _joined(batch, "\n")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[
        joined.offset : joined.offset + len(joined) + 1
    ]
    data = joined.buffers()[2]
    return data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()  # type: ignore[no-any-return]


def encode_json_rows(batch: pa.RecordBatch | pa.Table) -> list[bytes]:
    """One JSON document (bytes) per row, for sinks that send one message per record."""
    if batch.num_rows == 0:
        return []
    return [v.encode("utf-8") for v in _joined(batch, "").to_pylist()]


# -- the registry of sink types (the YAML `type:`) ------------------------------------------------
#: ``{type name: factory(options, base_dir, where) -> Sink}``; see :func:`register_sink`.
SINK_TYPES: dict[str, Callable[..., Sink]] = {}


def register_sink(name: str) -> Callable[[Callable[..., Sink]], Callable[..., Sink]]:
    """Register a factory for the YAML ``{type: name, ...}`` of a sink.

    Called as ``factory(options, base_dir, where)``: the options without
    ``type``, the folder of the YAML file, and the place in the file for error
    messages (see :func:`streamlearn.streams.sources.options.check_options`).
    """

    def deco(factory: Callable[..., Sink]) -> Callable[..., Sink]:
        SINK_TYPES[name] = factory
        return factory

    return deco
