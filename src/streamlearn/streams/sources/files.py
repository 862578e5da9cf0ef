"""File sources: one file (JSON Lines, CSV, Parquet), a watched directory, replay at a rate.

Delivery guarantee: **exactly-once** from checkpoints. A line file's
position is the byte offset just after the last line handed out (and its
line number); resuming seeks there, so every line after it is read once
and none before it. A Parquet file's position is a row number. A
directory's position is the set of finished files plus the position in the
current one.

Lines: a message is one line (``\\n`` or ``\\r\\n``); blank lines are
skipped; offsets are physical line numbers from 0 (the CSV header is line
0). A line is read whole, so it must fit in memory; lines longer than the
pipeline's ``max_record_bytes`` are sent to the dead letters by the parser.
``.gz`` files are decompressed on the fly (offsets count decompressed bytes).
With ``follow=True`` a line file is tailed: at its end the source waits for
more lines (a last line without its ``\\n`` is taken as still being written)
instead of finishing.

``rate`` replays the file at that many records per second (0: as fast as
possible), for demos and load tests.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "events.jsonl")
>>> _ = open(path, "w").write('{"a": 1}\\n\\n{"a": 2}\\n{"a": 3}\\n')
>>> src = FileSource(path)
>>> src.open(None)
>>> b = src.next_batch(2, 0.0)
>>> [b.payload(i) for i in range(len(b))], b.offsets.tolist(), src.snapshot()["line"]
([b'{"a": 1}', b'{"a": 2}'], [0, 2], 3)
>>> src.open(src.snapshot())
>>> b = src.next_batch(10, 0.0)
>>> b.payload(0), src.next_batch(10, 0.0)
(b'{"a": 3}', None)
"""

from __future__ import annotations

import csv
import fnmatch
import os
import time
import zlib
from pathlib import Path
from typing import IO, Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams._files import CHUNK_BYTES, check_file, is_gzip, open_binary
from streamlearn.streams.sources.base import MessageBatch, Pacer, Source, register_source
from streamlearn.streams.sources.options import Opt, check_options, config_path, non_negative, positive

LINE_FORMATS = ("jsonl", "csv")
FORMATS = ("jsonl", "csv", "parquet")
_EXT = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def format_of(path: str | os.PathLike[str]) -> str:
    """``jsonl``, ``csv`` or ``parquet`` from a file name (``.gz`` allowed for lines)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = _EXT.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise InvalidParameterError(
            f"Cannot tell the format of {str(path)!r} from its extension; give format: one of "
            f"{', '.join(FORMATS)}."
        )
    return fmt


class _Lines:
    """Reads whole lines from a byte position, with newline positions found by NumPy."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.f: IO[bytes] | None = None
        self.buf = b""
        self.head = 0  # position in buf of the next unread line
        self.buf_pos = 0  # file offset of buf[0]
        self.line = 0  # line number of buf[head]
        self.nl = np.empty(0, dtype=np.int64)  # positions of b"\n" in buf
        self.nl_i = 0  # index into nl of the first newline at or after head
        self.eof = False

    def open(self, pos: int, line: int) -> None:
        self.close()
        try:
            self.f = open_binary(self.path)
            if pos:
                self.f.seek(pos)
                if self.f.tell() != pos:
                    raise DataError(f"Cannot seek to byte {pos} of {str(self.path)!r}.")
        except OSError as e:
            raise DataError(f"Cannot read {str(self.path)!r}: {e}") from e
        self.buf, self.head, self.buf_pos, self.line = b"", 0, pos, line
        self.nl, self.nl_i, self.eof = np.empty(0, dtype=np.int64), 0, False

    @property
    def pos(self) -> int:
        return self.buf_pos + self.head

    def _fill(self) -> bool:
        """Read one more chunk; False at the end of the file (for now)."""
        assert self.f is not None
        try:
            chunk = self.f.read(CHUNK_BYTES)
        except (OSError, EOFError) as e:
            raise DataError(f"Cannot read {str(self.path)!r}: {e}") from e
        if not chunk:
            self.eof = True
            return False
        self.eof = False
        if self.head:
            self.buf = self.buf[self.head :]
            self.buf_pos += self.head
            self.nl = self.nl[self.nl_i :] - self.head
            self.nl_i, self.head = 0, 0
        base = len(self.buf)
        self.buf += chunk
        found = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + base
        self.nl = np.concatenate([self.nl, found]) if len(self.nl) else found
        return True

    def drained(self, final: bool) -> bool:
        """No whole line is left before the end of the file (as far as it was read)."""
        if not self.eof or self.nl_i < len(self.nl):
            return False
        return not final or self.head >= len(self.buf)

    def take(self, max_lines: int, final: bool) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
        """Up to ``max_lines`` whole lines: (block, starts, ends, line numbers), blank lines dropped.

        ``final``: a last line without ``\\n`` at the end of the file counts as a line.
        The block holds the kept lines separated by ``\\n``; ``starts``/``ends`` delimit
        each line in it (without ``\\r\\n``).
        """
        while len(self.nl) - self.nl_i < max_lines and self._fill():
            pass
        n = min(len(self.nl) - self.nl_i, max_lines)
        line_ends = self.nl[self.nl_i : self.nl_i + n]
        tail = False
        if n < max_lines and self.eof and final:
            after = int(line_ends[-1]) + 1 if n else self.head
            if after < len(self.buf):
                tail = True
                line_ends = np.append(line_ends, len(self.buf))
        if not len(line_ends):
            z = np.empty(0, dtype=np.int64)
            return b"", z, z.copy(), z.copy()
        stop = int(line_ends[-1]) + (0 if tail else 1)
        region = self.buf[self.head : stop]
        starts = np.empty(len(line_ends), dtype=np.int64)
        starts[0] = self.head
        starts[1:] = line_ends[:-1] + 1
        ends = line_ends.astype(np.int64, copy=True)
        if b"\r" in region:
            nonempty = np.flatnonzero(ends > starts)
            cr = np.frombuffer(self.buf, dtype=np.uint8)[ends[nonempty] - 1] == 13
            ends[nonempty[cr]] -= 1
        starts -= self.head
        ends -= self.head
        lines = self.line + np.arange(len(line_ends), dtype=np.int64)
        self.head = stop
        self.nl_i += n
        self.line += len(line_ends)
        keep = ends > starts
        if not keep.all():
            starts, ends, lines = starts[keep], ends[keep], lines[keep]
            region = b"\n".join([region[a:b] for a, b in zip(starts.tolist(), ends.tolist())])
            lengths = ends - starts
            ends = np.cumsum(lengths + 1) - 1
            starts = ends - lengths
        return region, starts, ends, lines

    def close(self) -> None:
        if self.f is not None:
            self.f.close()
            self.f = None


def _join_lines(
    parts: list[tuple[bytes, np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
    """Several line blocks as one (separated by a newline)."""
    blocks, starts, ends, lines = [], [], [], []
    base = 0
    for block, s, e, n in parts:
        blocks.append(block if block.endswith(b"\n") else block + b"\n")
        starts.append(s + base)
        ends.append(e + base)
        lines.append(n)
        base += len(blocks[-1])
    return b"".join(blocks), np.concatenate(starts), np.concatenate(ends), np.concatenate(lines)


def _read_header(path: Path, delimiter: str) -> tuple[list[str], int]:
    """The CSV header fields and the byte size of the header line."""
    with open_binary(path) as f:
        raw = f.readline()
    if not raw.strip():
        raise DataError(f"{str(path)!r} has no header line (pass header: false and columns: [...]).")
    text = raw.decode("utf-8-sig").rstrip("\r\n")
    return next(csv.reader([text], delimiter=delimiter)), len(raw)


def _fingerprint(path: Path) -> str:
    """A short hash of the first bytes of a file (detects a replaced file on resume)."""
    try:
        with open(path, "rb") as f:
            return f"{zlib.crc32(f.read(4096)):08x}"
    except OSError:
        return ""


class FileSource(Source):
    """One file as a stream of messages: JSON Lines, CSV (lines) or Parquet (rows).

    Delivery guarantee: exactly-once from checkpoints (see the module docstring).

    Parameters
    ----------
    path
        The file; ``.gz`` for compressed line files.
    format
        ``jsonl``, ``csv`` or ``parquet``; from the extension when None.
    rate
        Replay rate in records per second (0 or None: as fast as possible).
    follow
        Tail a line file: wait for new lines at its end instead of finishing.
    poll_seconds
        How often a followed file is checked for new lines.
    header
        CSV: the first line names the columns (else give ``columns``).
    columns
        CSV: the column names (all of them, in order) when there is no header.
    delimiter
        CSV: the field delimiter.
    name
        The source's name (default: the file name).
    shard
        ``(index, count)``: read only the records whose line (or row) number
        is ``index`` modulo ``count`` (set by worker processes).
    """

    guarantee: ClassVar[str] = "exactly-once"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        rate: float | None = None,
        follow: bool = False,
        poll_seconds: float = 0.2,
        header: bool = True,
        columns: list[str] | None = None,
        delimiter: str = ",",
        name: str | None = None,
        shard: tuple[int, int] | None = None,
    ) -> None:
        self.path = Path(path)
        self.format = format or format_of(self.path)
        if self.format not in FORMATS:
            raise InvalidParameterError(f"format must be one of {', '.join(FORMATS)}. Got {self.format!r}.")
        if follow and self.format == "parquet":
            raise InvalidParameterError("follow: true needs a line file (jsonl or csv), not Parquet.")
        self.rate = rate
        self.follow = follow
        self.poll_seconds = poll_seconds
        self.header = header
        self.columns = list(columns) if columns is not None else None
        self.delimiter = delimiter
        self.name = name or self.path.name
        self.shard_of = shard
        if self.format == "csv" and not header and not self.columns:
            raise InvalidParameterError(f"{self.name}: a CSV file without a header needs columns: [...].")
        self._lines: _Lines | None = None
        self._parquet: _ParquetRows | None = None
        self._pacer = Pacer(rate)
        self._finished = False
        self._bytes_per_line = 0.0
        self._id = ""

    # -- life cycle -----------------------------------------------------------
    def open(self, resume: dict[str, Any] | None) -> None:
        self.close()
        if self.follow and not self.path.exists():
            self.path.touch()
        check_file(self.path)
        self._finished = False
        self._pacer = Pacer(self.rate)
        self._id = _fingerprint(self.path)
        if resume is not None and resume.get("id") and self._id and resume["id"] != self._id:
            raise DataError(
                f"{str(self.path)!r} is not the file the checkpoint was taken on (its first bytes "
                "differ); use a fresh checkpoint directory to read it from the start."
            )
        if self.format == "parquet":
            self._parquet = _ParquetRows(self.path)
            self._parquet.open(0 if resume is None else int(resume["row"]))
            return
        pos, line = (0, 0) if resume is None else (int(resume["pos"]), int(resume["line"]))
        if self.format == "csv" and self.header:
            names, size = _read_header(self.path, self.delimiter)
            self.columns = self.columns or names
            if resume is None:
                pos, line = size, 1
        if not is_gzip(self.path) and pos > self.path.stat().st_size:
            raise DataError(
                f"{str(self.path)!r} is shorter than the checkpointed position (byte {pos}); it was "
                "truncated or replaced. Use a fresh checkpoint directory."
            )
        self._lines = _Lines(self.path)
        self._lines.open(pos, line)

    def close(self) -> None:
        if self._lines is not None:
            self._lines.close()
            self._lines = None
        self._parquet = None

    # -- reading ----------------------------------------------------------------
    def next_batch(self, max_records: int, timeout_s: float) -> MessageBatch | None:
        if self._finished:
            return None
        want = self._pacer.allow(max_records, timeout_s)
        if want <= 0:
            return MessageBatch.empty(self.name)
        if self._parquet is not None:
            rb, rows = self._parquet.take(want)
            if rb is None:
                self._finished = True
                return None
            self._pacer.sent_n(len(rows))
            return self._sharded(
                MessageBatch(offsets=rows, partitions=np.zeros(len(rows), np.int64), table=rb)
            )
        assert self._lines is not None
        deadline = time.monotonic() + timeout_s
        final = not self.follow
        parts: list[tuple[bytes, np.ndarray, np.ndarray, np.ndarray]] = []
        got = 0
        while True:
            part = self._lines.take(want - got, final)
            if len(part[3]):
                parts.append(part)
                got += len(part[3])
                if got >= want:
                    break
            if not self._lines.drained(final):
                continue
            if parts:
                break
            if not self.follow:
                self._finished = True
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return MessageBatch.empty(self.name)
            time.sleep(min(self.poll_seconds, left))
        block, starts, ends, lines = parts[0] if len(parts) == 1 else _join_lines(parts)
        self._pacer.sent_n(len(lines))
        if len(lines):
            n = len(lines)
            size = float(len(block)) / n
            self._bytes_per_line = (
                size if not self._bytes_per_line else 0.9 * self._bytes_per_line + 0.1 * size
            )
        batch = MessageBatch(
            offsets=lines,
            partitions=np.zeros(len(lines), dtype=np.int64),
            block=block,
            starts=starts,
            ends=ends,
            columns=self.columns,
            origin=self.name,
        )
        return self._sharded(batch)

    def _sharded(self, batch: MessageBatch) -> MessageBatch:
        batch.origin = self.name
        batch.columns = self.columns
        if self.shard_of is None or not len(batch):
            return batch
        index, count = self.shard_of
        keep = batch.offsets % count == index
        if keep.all():
            return batch
        if batch.table is not None:
            idx = np.flatnonzero(keep)
            return MessageBatch(
                offsets=batch.offsets[keep],
                partitions=batch.partitions[keep],
                table=batch.table.take(pa.array(idx)),
                columns=batch.columns,
                origin=batch.origin,
            )
        assert batch.block is not None and batch.starts is not None and batch.ends is not None
        starts, ends = batch.starts[keep], batch.ends[keep]
        block = b"\n".join(batch.block[a:b] for a, b in zip(starts.tolist(), ends.tolist()))
        lengths = ends - starts
        new_ends = np.cumsum(lengths + 1) - 1
        return MessageBatch(
            offsets=batch.offsets[keep],
            partitions=batch.partitions[keep],
            block=block,
            starts=new_ends - lengths,
            ends=new_ends,
            columns=batch.columns,
            origin=batch.origin,
        )

    def snapshot(self) -> dict[str, Any]:
        if self._parquet is not None:
            return {"row": self._parquet.row, "id": self._id}
        if self._lines is None:
            return {"pos": 0, "line": 0, "id": self._id}
        return {"pos": self._lines.pos, "line": self._lines.line, "id": self._id}

    def lag(self) -> float | None:
        if self._parquet is not None:
            return float(self._parquet.total - self._parquet.row)
        if self._lines is None or is_gzip(self.path) or not self._bytes_per_line:
            return None
        try:
            left = self.path.stat().st_size - self._lines.pos
        except OSError:
            return None
        return max(0.0, left / self._bytes_per_line)

    def shard(self, index: int, count: int) -> Source:
        return FileSource(
            self.path,
            format=self.format,
            rate=self.rate,
            follow=self.follow,
            poll_seconds=self.poll_seconds,
            header=self.header,
            columns=self.columns,
            delimiter=self.delimiter,
            name=f"{self.name}[{index}/{count}]",
            shard=(index, count),
        )


class _ParquetRows:
    """Rows of a Parquet file from a row number, as record batches."""

    def __init__(self, path: Path) -> None:
        try:
            self.pf = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as e:
            raise DataError(f"Cannot read {str(path)!r} as Parquet: {e}") from e
        self.path = path
        self.total = int(self.pf.metadata.num_rows)
        self.row = 0
        self._pending: pa.RecordBatch | None = None
        self._it: Any = None

    def open(self, row: int) -> None:
        self.row = row
        starts = np.cumsum(
            [0] + [self.pf.metadata.row_group(g).num_rows for g in range(self.pf.num_row_groups)]
        )
        g = int(np.searchsorted(starts, row, side="right") - 1)
        g = min(max(g, 0), self.pf.num_row_groups)
        self._it = iter(
            self.pf.iter_batches(
                batch_size=65536, row_groups=list(range(g, self.pf.num_row_groups)), use_threads=False
            )
            if g < self.pf.num_row_groups
            else iter(())
        )
        skip = row - int(starts[g]) if g < self.pf.num_row_groups else 0
        self._pending = None
        while skip > 0:
            rb = next(self._it, None)
            if rb is None:
                break
            if rb.num_rows <= skip:
                skip -= rb.num_rows
                continue
            self._pending = rb.slice(skip)
            skip = 0

    def take(self, n: int) -> tuple[pa.RecordBatch | None, np.ndarray]:
        parts = []
        got = 0
        while got < n:
            rb = self._pending if self._pending is not None else next(self._it, None)
            self._pending = None
            if rb is None:
                break
            if rb.num_rows > n - got:
                self._pending = rb.slice(n - got)
                rb = rb.slice(0, n - got)
            parts.append(rb)
            got += rb.num_rows
        if not parts:
            return None, np.empty(0, dtype=np.int64)
        rb = parts[0] if len(parts) == 1 else pa.Table.from_batches(parts).combine_chunks().to_batches()[0]
        rows = self.row + np.arange(got, dtype=np.int64)
        self.row += got
        return rb, rows


_HIDDEN = (".", "_")
_PARTIAL = (".tmp", ".part", ".partial", ".crdownload")


class DirectorySource(Source):
    """The files of a directory, oldest name first, and new ones as they appear.

    Delivery guarantee: exactly-once from checkpoints: the snapshot holds the
    names of the finished files and the position in the current one.

    Files are read in name order (name them by time, e.g. ``flows-20250101T1200.jsonl``);
    a file must be complete when it appears: write it under a hidden name
    (``.name``) or with a ``.tmp``/``.part`` suffix and rename it (an atomic
    rename) when done. Hidden and partial files are ignored. With
    ``watch=False`` the source finishes once every file present was read;
    with ``watch=True`` it polls for new files every ``poll_seconds``.
    Other options are those of :class:`FileSource`, for every file.
    """

    guarantee: ClassVar[str] = "exactly-once"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        pattern: str = "*",
        format: str | None = None,
        watch: bool = True,
        poll_seconds: float = 1.0,
        rate: float | None = None,
        header: bool = True,
        columns: list[str] | None = None,
        delimiter: str = ",",
        name: str | None = None,
        shard: tuple[int, int] | None = None,
    ) -> None:
        self.path = Path(path)
        self.pattern = pattern
        self.format = format
        self.watch = watch
        self.poll_seconds = poll_seconds
        self.rate = rate
        self.header = header
        self.columns = columns
        self.delimiter = delimiter
        self.name = name or self.path.name
        self.shard_of = shard
        self.done: set[str] = set()
        self._current: FileSource | None = None
        self._current_name: str | None = None
        self._pacer = Pacer(rate)

    def _eligible(self) -> list[str]:
        try:
            names = sorted(os.listdir(self.path))
        except OSError as e:
            raise DataError(f"Cannot list the directory {str(self.path)!r}: {e}") from e
        out = []
        for n in names:
            if n.startswith(_HIDDEN) or n.lower().endswith(_PARTIAL) or n in self.done:
                continue
            if not fnmatch.fnmatch(n, self.pattern) or not (self.path / n).is_file():
                continue
            if self.shard_of is not None and zlib.crc32(n.encode()) % self.shard_of[1] != self.shard_of[0]:
                continue
            out.append(n)
        return out

    def _child(self, name: str) -> FileSource:
        return FileSource(
            self.path / name,
            format=self.format,
            header=self.header,
            columns=self.columns,
            delimiter=self.delimiter,
            name=name,
        )

    def open(self, resume: dict[str, Any] | None) -> None:
        self.close()
        if not self.path.is_dir():
            raise DataError(f"{str(self.path)!r} is not a directory.")
        self._pacer = Pacer(self.rate)
        self.done = set(resume["done"]) if resume else set()
        if resume and resume.get("current"):
            name = resume["current"]
            if (self.path / name).is_file():
                self._current_name = name
                self._current = self._child(name)
                self._current.open(resume["pos"])

    def next_batch(self, max_records: int, timeout_s: float) -> MessageBatch | None:
        deadline = time.monotonic() + timeout_s
        want = self._pacer.allow(max_records, timeout_s)
        if want <= 0:
            return MessageBatch.empty(self.name)
        while True:
            if self._current is None:
                todo = self._eligible()
                if todo:
                    self._current_name = todo[0]
                    self._current = self._child(todo[0])
                    self._current.open(None)
                elif not self.watch:
                    return None
                else:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return MessageBatch.empty(self.name)
                    time.sleep(min(self.poll_seconds, left))
                    continue
            batch = self._current.next_batch(want, 0.0)
            if batch is None:
                assert self._current_name is not None
                self.done.add(self._current_name)
                self._current.close()
                self._current, self._current_name = None, None
                continue
            self._pacer.sent_n(len(batch))
            return batch

    def snapshot(self) -> dict[str, Any]:
        return {
            "done": sorted(self.done),
            "current": self._current_name,
            "pos": None if self._current is None else self._current.snapshot(),
        }

    def shard(self, index: int, count: int) -> Source:
        return DirectorySource(
            self.path,
            pattern=self.pattern,
            format=self.format,
            watch=self.watch,
            poll_seconds=self.poll_seconds,
            rate=self.rate,
            header=self.header,
            columns=self.columns,
            delimiter=self.delimiter,
            name=f"{self.name}[{index}/{count}]",
            shard=(index, count),
        )

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None


# -- YAML factories ------------------------------------------------------------------------------------
_COMMON = {
    "format": Opt(str, None, lambda v: v in FORMATS, f"one of {', '.join(FORMATS)}"),
    "rate": Opt((int, float), 0, non_negative, "a number of records per second >= 0"),
    "header": Opt(bool, True),
    "columns": Opt(list, None, lambda v: all(isinstance(c, str) for c in v), "a list of column names"),
    "delimiter": Opt(str, ",", lambda v: len(v) == 1, "one character"),
    "name": Opt(str, None),
}


@register_source("file")
def _file_source(options: dict[str, Any], base_dir: Path | None = None, where: str = "source") -> Source:
    o = check_options(
        where,
        options,
        {
            "path": Opt(str),
            **_COMMON,
            "follow": Opt(bool, False),
            "poll_seconds": Opt((int, float), 0.2, positive, "a number > 0"),
        },
    )
    path = config_path(o.pop("path"), base_dir)
    try:
        return FileSource(path, **o)
    except InvalidParameterError as e:
        raise type(e)(f"{where}: {e}") from None


@register_source("directory")
def _directory_source(options: dict[str, Any], base_dir: Path | None = None, where: str = "source") -> Source:
    o = check_options(
        where,
        options,
        {
            "path": Opt(str),
            "pattern": Opt(str, "*"),
            **_COMMON,
            "watch": Opt(bool, True),
            "poll_seconds": Opt((int, float), 1.0, positive, "a number > 0"),
        },
    )
    return DirectorySource(config_path(o.pop("path"), base_dir), **o)
