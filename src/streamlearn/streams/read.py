"""``read``: open any supported file as a Dataset, choosing the reader by extension.

=====================================  ========================
Extension (optionally + ``.gz``)       Reader
=====================================  ========================
``.csv``, ``.tsv``, ``.txt``, ``.data``  :func:`~streamlearn.streams.read_csv`
``.arff``                              :func:`~streamlearn.streams.read_arff`
``.jsonl``, ``.ndjson``, ``.json``     :func:`~streamlearn.streams.read_jsonl`
``.parquet``, ``.pq`` (no ``.gz``)     :func:`~streamlearn.streams.read_parquet`
=====================================  ========================

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "x.tsv")
>>> _ = open(path, "w").write("a\\tb\\n1\\t2\\n")
>>> ds = read(path, target="a")
>>> ds.schema.names, next(iter(ds)).y.tolist()
(['b'], [1.0])
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path
from typing import Any, Literal

from streamlearn.base.errors import DataError
from streamlearn.streams.arff import read_arff
from streamlearn.streams.csv_reader import read_csv
from streamlearn.streams.dataset import Dataset
from streamlearn.streams.jsonl import read_jsonl
from streamlearn.streams.parquet import read_parquet

READERS: dict[str, Any] = {
    "csv": read_csv,
    "arff": read_arff,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
}

EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".data": "csv",
    ".arff": "arff",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def file_format(path: str | os.PathLike[str]) -> str | None:
    """The reader name for a path's extension (``None`` if unknown)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
        if suffixes and EXTENSIONS.get(suffixes[-1]) == "parquet":
            return None
    return EXTENSIONS.get(suffixes[-1]) if suffixes else None


def read(
    path: str | os.PathLike[str],
    target: Hashable | Literal[False] | None = None,
    *,
    batch_size: int = 1000,
    format: str | None = None,
    **options: Any,
) -> Dataset:
    """Open ``path`` with the reader for its extension (or ``format=``: csv, arff, jsonl, parquet).

    ``options`` go to the reader (e.g. ``header=``, ``categorical=`` for CSV).
    """
    fmt = format or file_format(path)
    if fmt not in READERS:
        known = ", ".join(sorted(EXTENSIONS))
        raise DataError(
            f"Cannot tell how to read {str(path)!r}: its extension is not one of {known} "
            f"(optionally followed by .gz); pass format= one of {', '.join(READERS)}."
        )
    return READERS[fmt](path, target, batch_size=batch_size, **options)  # type: ignore[no-any-return]
