"""Sinks for tests and terminals: a list in memory, and standard output.

:class:`MemorySink` keeps rows as dicts. Delivery guarantee: **exactly-once**
when the same object is used across restarts (a resumed pipeline cuts the
list back to the checkpointed length), else at-least-once.

:class:`StdoutSink` prints JSON Lines. Delivery guarantee: **at-least-once**
(after a crash, the records since the last checkpoint are printed again).

>>> import pyarrow as pa
>>> sink = MemorySink()
>>> sink.open(None)
>>> sink.write(pa.RecordBatch.from_pydict({"id": [1, 2], "prediction": [True, False]}))
>>> sink.rows
[{'id': 1, 'prediction': True}, {'id': 2, 'prediction': False}]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any, ClassVar

import pyarrow as pa

from streamlearn.streams.sinks.base import Sink, encode_jsonl, register_sink
from streamlearn.streams.sources.options import Opt, check_options


class MemorySink(Sink):
    """Rows (dicts) in a list; see the module docstring for the guarantee."""

    guarantee: ClassVar[str] = "exactly-once"

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.rows: list[dict[str, Any]] = []
        self.flushed = 0

    def open(self, resume: dict[str, Any] | None) -> None:
        n = 0 if resume is None else int(resume["rows"])
        del self.rows[n:]
        self.flushed = len(self.rows)

    def write(self, batch: pa.RecordBatch) -> None:
        self.rows.extend(batch.to_pylist())

    def flush(self) -> None:
        self.flushed = len(self.rows)

    def snapshot(self) -> dict[str, Any]:
        return {"rows": self.flushed}

    def shard(self, index: int, count: int) -> Sink:
        return MemorySink(f"{self.name}[{index}]")


class StdoutSink(Sink):
    """Records as JSON Lines on standard output; at-least-once (see the module docstring)."""

    guarantee: ClassVar[str] = "at-least-once"

    def __init__(self, stream: IO[bytes] | None = None, name: str = "stdout") -> None:
        self.stream = stream
        self.name = name

    def _out(self) -> IO[bytes]:
        return self.stream if self.stream is not None else sys.stdout.buffer

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            sys.stdout.flush()
            self._out().write(encode_jsonl(batch))

    def flush(self) -> None:
        self._out().flush()

    def shard(self, index: int, count: int) -> Sink:
        return self

    def close(self) -> None:
        self.flush()


@register_sink("stdout")
def _stdout_sink(options: dict[str, Any], base_dir: Path | None = None, where: str = "sink") -> Sink:
    check_options(where, options, {})
    return StdoutSink()


@register_sink("memory")
def _memory_sink(options: dict[str, Any], base_dir: Path | None = None, where: str = "sink") -> Sink:
    o = check_options(where, options, {"name": Opt(str, "memory")})
    return MemorySink(o["name"])
