"""Streaming Parquet reader.

:func:`read_parquet` reads record batches with
``pyarrow.parquet.ParquetFile.iter_batches`` (one row group at a time), so
memory stays constant. Column kinds come from the Parquet types: string and
dictionary columns are categorical; integer, floating, decimal and boolean
columns are numeric (booleans as 0/1); timestamps and dates are numeric
seconds since the epoch, durations and times numeric seconds. Nested or
binary columns have no feature meaning: their values are read as missing
and counted in ``schema.n_invalid`` (leave them out with ``drop=``).

Target: ``target=`` a column name or position; default: the last column;
``False``: none. String, dictionary and boolean targets give label objects
(``None`` when missing); numeric ones floats (NaN when missing).

>>> import os, tempfile
>>> import pyarrow as pa, pyarrow.parquet as pq
>>> path = os.path.join(tempfile.mkdtemp(), "flows.parquet")
>>> pq.write_table(pa.table({"bytes": [10, None], "proto": ["tcp", "udp"], "attack": [False, True]}), path)
>>> ds = read_parquet(path)
>>> X, y, schema = ds.to_arrays()
>>> X.tolist(), y.tolist(), schema.kinds, ds.n_rows
([[10.0, 0.0], [nan, 1.0]], [False, True], ['num', 'cat'], 2)
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Iterator
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from streamlearn.base.errors import DataError
from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.streams._columns import fill_features, kind_of_type, target_column
from streamlearn.streams._files import check_file, resolve_column, resolve_columns
from streamlearn.streams.dataset import Block, Dataset

_READ_ROWS = 1 << 16


def read_parquet(
    path: str | os.PathLike[str],
    target: Hashable | Literal[False] | None = None,
    *,
    batch_size: int = 1000,
    drop: Iterable[Hashable] | None = None,
    name: str | None = None,
) -> ParquetDataset:
    """Read a Parquet file as a stream of batches (see the module docstring for the rules).

    Parameters
    ----------
    path
        The file.
    target
        Target column name or position; None: the last column; False: none.
    batch_size
        Rows per batch.
    drop
        Columns (names or positions) not to read.
    name
        The dataset's name (default: the file name).
    """
    return ParquetDataset(path, target=target, batch_size=batch_size, drop=drop, name=name)


class ParquetDataset(Dataset):
    """A Parquet file as a :class:`~streamlearn.streams.dataset.Dataset` (built by :func:`read_parquet`)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        target: Hashable | Literal[False] | None = None,
        *,
        batch_size: int = 1000,
        drop: Iterable[Hashable] | None = None,
        name: str | None = None,
    ):
        self.path = check_file(path)
        super().__init__(name or self.path.name.rsplit(".", 1)[0], None, batch_size)
        pf = self._file()
        self.arrow_schema = pf.schema_arrow
        self._rows = pf.metadata.num_rows
        self.columns: list[Hashable] = list(self.arrow_schema.names)
        dropped = set(resolve_columns(drop, self.columns, "drop", self.path))
        self._read = [c for c in self.columns if c not in dropped]
        if not self._read:
            raise DataError(f"Every column of {str(self.path)!r} is dropped.")
        if target is False:
            self.target = None
        elif target is None:
            self.target = self._read[-1]
        else:
            self.target = resolve_column(target, self.columns, "target", self.path)
            if self.target in dropped:
                raise DataError(f"The target column {self.target!r} is also in drop=.")

    def _file(self) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as e:
            raise DataError(f"Cannot read {str(self.path)!r} as Parquet: {e}") from e

    def _source_rows(self) -> int:
        return int(self._rows)

    def _open(self) -> tuple[Schema, Iterator[Block]]:
        schema = Schema()
        for c in self._read:
            if c != self.target:
                schema.add(c, kind_of_type(self.arrow_schema.field(c).type) or NUM)
        return schema, self._blocks(schema)

    def _blocks(self, schema: Schema) -> Iterator[Block]:
        pf = self._file()
        features = [(c, schema.index(c)) for c in self._read if c != self.target]
        t = None if self.target is None else self.arrow_schema.field(self.target).type
        label_target = t is not None and (
            kind_of_type(t) == CAT or pa.types.is_boolean(t) or pa.types.is_null(t)
        )
        try:
            for rb in pf.iter_batches(batch_size=_READ_ROWS, columns=self._read, use_threads=False):
                columns = ((rb.column(c), j) for c, j in features)
                X = fill_features(np.empty((rb.num_rows, schema.width)), schema, columns)
                y = (
                    None
                    if self.target is None
                    else target_column(rb.column(self.target), schema, label_target)
                )
                yield X, y
        except (pa.ArrowInvalid, OSError) as e:
            raise DataError(f"Cannot read {str(self.path)!r}: {e}") from e
