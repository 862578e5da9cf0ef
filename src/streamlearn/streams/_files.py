"""Small file helpers shared by the readers (private)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from streamlearn.base.errors import DataError

#: Bytes per block read by the line-oriented readers (ARFF data, JSONL).
CHUNK_BYTES = 1 << 20


def check_file(path: str | os.PathLike[str]) -> Path:
    """The path as a :class:`Path`; DataError if it is missing or not a file."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"The file {str(p)!r} does not exist.")
    if not p.is_file():
        raise DataError(f"{str(p)!r} is not a file.")
    return p


def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def file_stem(path: Path) -> str:
    """The file name without its extension (nor ``.gz``): the default dataset name."""
    name = path.name
    if is_gzip(path):
        name = name[:-3]
    return name.rsplit(".", 1)[0] if "." in name else name


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, decompressing ``.gz`` files."""
    try:
        if is_gzip(path):
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb")
    except OSError as e:
        raise DataError(f"Cannot read {str(path)!r}: {e}") from e


def read_head(path: Path, n: int = 1 << 16) -> bytes:
    """Up to ``n`` (decompressed) bytes from the start of a file; DataError if empty."""
    try:
        with open_binary(path) as f:
            raw = f.read(n)
    except (OSError, EOFError) as e:
        raise DataError(f"Cannot read {str(path)!r}: {e}") from e
    if not raw.strip():
        raise DataError(f"The file {str(path)!r} is empty.")
    return raw


def line_chunks(f: IO[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Blocks of about ``size`` bytes that end at a line end (or the end of the file)."""
    while True:
        buf = f.read(size)
        if not buf:
            return
        if not buf.endswith(b"\n"):
            buf += f.readline()
        yield buf


def resolve_columns(
    items: Iterable[Hashable] | Hashable | None, names: Sequence[Hashable], what: str, path: Path
) -> list[Hashable]:
    """Column references (names, or int positions) as names; DataError for unknown ones."""
    if items is None:
        return []
    if isinstance(items, (str, int)) or not isinstance(items, Iterable):
        items = [items]
    out = []
    for item in items:
        out.append(resolve_column(item, names, what, path))
    return out


def resolve_column(item: Hashable, names: Sequence[Hashable], what: str, path: Path) -> Hashable:
    if item in names:
        return item
    if isinstance(item, int) and not isinstance(item, bool) and -len(names) <= item < len(names):
        return names[item]
    shown = ", ".join(repr(n) for n in names[:60]) + (" ..." if len(names) > 60 else "")
    raise DataError(f"No column {item!r} (given as {what}) in {str(path)!r}; its columns are: {shown}.")
