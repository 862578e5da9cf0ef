"""File sinks: JSON Lines or CSV into one file; Parquet into a directory of parts.

Delivery guarantee: **exactly-once across crashes** when the pipeline
checkpoints. Before a checkpoint :meth:`FileSink.flush` hands the data to
the operating system and :meth:`FileSink.sync` forces it to disk; the
checkpoint records the file's size; on resume the file is cut back to that size, so the
lines written after the last checkpoint (which the pipeline writes again
after replaying their records) appear once. A reader tailing the file while
the pipeline runs may see lines that a crash then cuts away: for it the
file is at-least-once. Without checkpoints a new run starts the file afresh
(or appends, with ``append=True``).

>>> import os, tempfile, pyarrow as pa
>>> path = os.path.join(tempfile.mkdtemp(), "out.jsonl")
>>> sink = FileSink(path)
>>> sink.open(None)
>>> sink.write(pa.RecordBatch.from_pydict({"id": [1], "prediction": ["a"]}))
>>> sink.flush(); snap = sink.snapshot()
>>> sink.write(pa.RecordBatch.from_pydict({"id": [2], "prediction": ["b"]}))  # then a crash
>>> sink.close(); sink.open(snap)  # resume from the checkpoint: line 2 is cut away
>>> sink.close(); open(path).read()
'{"id":1,"prediction":"a"}\\n'
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any, ClassVar

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams.sinks.base import Sink, encode_jsonl, register_sink
from streamlearn.streams.sources.options import Opt, check_options, config_path

SINK_FORMATS = ("jsonl", "csv")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sharded_path(path: Path, index: int) -> Path:
    """``out/pred.jsonl`` -> ``out/pred-w0.jsonl`` (one output per worker process)."""
    suffix = "".join(path.suffixes)
    stem = path.name[: -len(suffix)] if suffix else path.name
    return path.with_name(f"{stem}-w{index}{suffix}")


class FileSink(Sink):
    """Records as JSON Lines or CSV in one file.

    Delivery guarantee: exactly-once across crashes with checkpoints (see the module docstring).

    Parameters
    ----------
    path
        The file (its folder is created).
    format
        ``jsonl`` or ``csv`` (from the extension when None; ``jsonl`` otherwise).
    fsync
        Force the data to disk on every flush (before each checkpoint). Turn
        off only when losing output on a power cut is acceptable.
    append
        Without a checkpoint to resume from: keep the file's content and append.
    name
        The sink's name (default: the file name).
    """

    guarantee: ClassVar[str] = "exactly-once"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        fsync: bool = True,
        append: bool = False,
        name: str | None = None,
    ) -> None:
        self.path = Path(path)
        if format is None:
            format = "csv" if self.path.suffix.lower() in (".csv", ".tsv") else "jsonl"
        if format not in SINK_FORMATS:
            raise InvalidParameterError(
                f"A file sink writes one of {', '.join(SINK_FORMATS)} (Parquet: type parquet). "
                f"Got {format!r}."
            )
        self.format = format
        self.fsync = fsync
        self.append = append
        self.name = name or self.path.name
        self._f: IO[bytes] | None = None
        self._has_header = False

    def open(self, resume: dict[str, Any] | None) -> None:
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if resume is not None:
                size = int(resume["bytes"])
                if not self.path.exists() or self.path.stat().st_size < size:
                    raise DataError(
                        f"The output file {str(self.path)!r} is shorter than the checkpoint says "
                        f"({size} bytes); it was changed outside the pipeline. Use a fresh checkpoint "
                        "directory."
                    )
                self._f = open(self.path, "r+b", buffering=1 << 20)  # noqa: SIM115 (kept open)
                self._f.truncate(size)
                self._f.seek(size)
                self._has_header = size > 0
            elif self.append:
                self._f = open(self.path, "ab", buffering=1 << 20)  # noqa: SIM115
                self._has_header = self._f.tell() > 0
            else:
                self._f = open(self.path, "wb", buffering=1 << 20)  # noqa: SIM115
                self._has_header = False
        except OSError as e:
            raise DataError(f"Cannot write {str(self.path)!r}: {e}") from e

    def write(self, batch: pa.RecordBatch) -> None:
        if self._f is None:
            raise DataError(f"The sink {self.name} is not open.")
        if batch.num_rows == 0:
            return
        if self.format == "jsonl":
            data = encode_jsonl(batch)
        else:
            buf = io.BytesIO()
            pa_csv.write_csv(batch, buf, pa_csv.WriteOptions(include_header=not self._has_header))
            data = buf.getvalue()
            self._has_header = True
        self._f.write(data)

    def flush(self) -> None:
        if self._f is not None:
            self._f.flush()

    def sync(self) -> None:
        if self._f is not None and self.fsync:
            os.fsync(self._f.fileno())

    def snapshot(self) -> dict[str, Any]:
        return {"bytes": 0 if self._f is None else self._f.tell()}

    def shard(self, index: int, count: int) -> Sink:
        return FileSink(
            sharded_path(self.path, index), format=self.format, fsync=self.fsync, append=self.append
        )

    def close(self) -> None:
        if self._f is not None:
            try:
                self._f.flush()
            finally:
                self._f.close()
                self._f = None


class ParquetSink(Sink):
    """Records as Parquet files in a directory: one part file per flush (``part-000001.parquet``).

    Delivery guarantee: exactly-once across crashes with checkpoints. A part
    is written under a temporary name, fsynced and renamed at each flush (so
    readers never see half a file); the checkpoint records the number of
    parts, and on resume the parts written after it are deleted.

    Columns are typed by Arrow per part; a column that holds only nulls in a
    part (predictions before the model learned any label) is written as text.
    """

    guarantee: ClassVar[str] = "exactly-once"

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.parts = 0
        self._pending: list[pa.RecordBatch] = []

    def _part(self, i: int) -> Path:
        return self.path / f"part-{i:06d}.parquet"

    def open(self, resume: dict[str, Any] | None) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self._pending = []
        self.parts = 0 if resume is None else int(resume["parts"])
        for p in self.path.iterdir():
            name = p.name
            if name.startswith(".part-"):
                p.unlink()
            elif name.startswith("part-") and name.endswith(".parquet"):
                try:
                    i = int(name[5:-8])
                except ValueError:
                    continue
                if i > self.parts:
                    p.unlink()

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self._pending.append(batch)

    def flush(self) -> None:
        if not self._pending:
            return
        table = pa.concat_tables(
            [pa.Table.from_batches([b]) for b in self._pending], promote_options="default"
        )
        table = pa.table(
            [c.cast(pa.string()) if pa.types.is_null(c.type) else c for c in table.columns],
            names=table.column_names,
        )
        i = self.parts + 1
        tmp = self.path / f".part-{i:06d}.parquet"
        with open(tmp, "wb") as f:
            pq.write_table(table, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._part(i))
        _fsync_dir(self.path)
        self.parts = i
        self._pending = []

    def snapshot(self) -> dict[str, Any]:
        return {"parts": self.parts}

    def shard(self, index: int, count: int) -> Sink:
        return ParquetSink(self.path / f"w{index}")

    def close(self) -> None:
        self.flush()


@register_sink("file")
def _file_sink(options: dict[str, Any], base_dir: Path | None = None, where: str = "sink") -> Sink:
    o = check_options(
        where,
        options,
        {
            "path": Opt(str),
            "format": Opt(str, None, lambda v: v in SINK_FORMATS, f"one of {', '.join(SINK_FORMATS)}"),
            "fsync": Opt(bool, True),
            "append": Opt(bool, False),
            "name": Opt(str, None),
        },
    )
    return FileSink(config_path(o.pop("path"), base_dir), **o)


@register_sink("parquet")
def _parquet_sink(options: dict[str, Any], base_dir: Path | None = None, where: str = "sink") -> Sink:
    o = check_options(where, options, {"path": Opt(str), "name": Opt(str, None)})
    return ParquetSink(config_path(o.pop("path"), base_dir), name=o["name"])
