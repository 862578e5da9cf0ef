"""Dataset: a re-iterable stream of :class:`~streamlearn.base.batch.Batch` objects.

Every file reader (:func:`~streamlearn.streams.read_csv`, ``read_arff``,
``read_parquet``, ``read_jsonl``), loader and synthetic generator returns a
:class:`Dataset`. Iterating it opens the source afresh and yields batches of
``batch_size`` rows (the last one may be shorter), all sharing one growing
:class:`~streamlearn.base.schema.Schema`. Memory stays constant in the length
of the stream: only one block of the source is held at a time.

>>> import numpy as np
>>> from streamlearn.streams.dataset import ArrayDataset
>>> ds = ArrayDataset(np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1]), batch_size=2)
>>> [len(b) for b in ds], [b.offset for b in ds]
([2, 2, 1], [0, 2, 4])
>>> X, y, schema = ds.take(3).to_arrays()
>>> X.shape, y.tolist(), schema.names
((3, 2), [0, 1, 0], [0, 1])
>>> next(iter(ds.records()))
({0: 0.0, 1: 1.0}, 0)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

import numpy as np

from streamlearn.base.batch import Batch
from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.schema import Schema

#: A block of rows as produced by a source: ``(X, y)``; ``X`` may be narrower
#: than the final schema when columns appear later (it is padded with NaN).
Block = tuple[np.ndarray, "np.ndarray | None"]

#: How many example reasons for bad rows a dataset keeps.
MAX_EXAMPLES = 10


class RowReport:
    """Counts the rows a reader skipped and keeps the first few reasons."""

    def __init__(self) -> None:
        self.count = 0
        self.examples: list[str] = []

    def reset(self) -> None:
        self.count = 0
        self.examples = []

    def add(self, reason: str, n: int = 1) -> None:
        self.count += n
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(reason)


class Dataset:
    """A re-iterable stream of batches with a shared, growing schema.

    Parameters
    ----------
    name
        A short name (shown in reports).
    target
        The name of the target column, or None when the stream has no target.
    batch_size
        Rows per batch (the last batch may be shorter).

    Attributes
    ----------
    schema
        The schema of the current (or last) iteration. Reading it before any
        iteration opens the source and reads its first batch.
    n_rows
        The number of rows, when known (from metadata, the generator's
        length, or after one complete iteration); otherwise None.
    bad_rows
        Rows skipped during the current (or last) iteration (malformed lines:
        wrong number of fields, unparsable JSON, ...); ``bad_row_examples``
        keeps the first few reasons with their row numbers.
    n_invalid
        Values that did not fit their column (text in a numeric column,
        infinities) and were read as missing.

    Each iteration re-opens the source and starts a fresh schema, so two
    iterations yield identical batches; the counters describe the last one.
    """

    def __init__(self, name: str, target: Hashable | None = None, batch_size: int = 1000):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise InvalidParameterError(
                f"The 'batch_size' parameter of {type(self).__name__} must be an int >= 1. "
                f"Got {batch_size!r}."
            )
        self.name = name
        self.target = target
        self.batch_size = int(batch_size)
        self._schema: Schema | None = None
        self._report = RowReport()
        self._known_rows: int | None = None
        self._limit: int | None = None
        self._target_fns: tuple[Callable[[np.ndarray], np.ndarray], ...] = ()

    # -- the hook a source implements ----------------------------------------
    def _open(self) -> tuple[Schema, Iterator[Block]]:
        """Open the source: its fresh schema and an iterator of row blocks."""
        raise NotImplementedError

    def _source_rows(self) -> int | None:
        """The number of rows of the source when known without reading it."""
        return None

    # -- iteration -------------------------------------------------------------
    def __iter__(self) -> Iterator[Batch]:
        self._report.reset()
        schema, blocks = self._open()
        self._schema = schema
        limit = self._limit
        offset = 0
        try:
            if limit is not None and limit <= 0:
                return
            for X, y in _rechunk(blocks, self.batch_size):
                if limit is not None and offset + len(X) > limit:
                    X = X[: limit - offset]
                    y = None if y is None else y[: limit - offset]
                for fn in self._target_fns:
                    if y is not None:
                        y = fn(y)
                yield Batch(X, y, schema, offset)
                offset += len(X)
                if limit is not None and offset >= limit:
                    return
            self._known_rows = offset
        finally:
            close = getattr(blocks, "close", None)
            if close is not None:
                close()

    def records(self) -> Iterator[tuple[dict[Hashable, Any], Any]]:
        """The rows as ``(x, y)`` pairs (``x`` a dict without missing values)."""
        for batch in self:
            yield from batch.records()

    # -- derived datasets -----------------------------------------------------
    def _derive(self) -> Dataset:
        out = copy.copy(self)
        out._schema = None
        out._report = RowReport()
        out._known_rows = None
        return out

    def take(self, n: int) -> Dataset:
        """A dataset of the first ``n`` rows of this one (reads no further)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InvalidParameterError(f"take() needs an int >= 0. Got {n!r}.")
        out = self._derive()
        out._limit = int(n) if self._limit is None else min(int(n), self._limit)
        return out

    def map_target(self, fn: Callable[[np.ndarray], np.ndarray], name: str | None = None) -> Dataset:
        """A dataset whose targets are ``fn(y)``, applied to each batch's ``y`` array."""
        out = self._derive()
        out._target_fns = (*self._target_fns, fn)
        if name is not None:
            out.name = name
        return out

    def with_batch_size(self, batch_size: int) -> Dataset:
        """The same stream cut into batches of another size."""
        out = self._derive()
        Dataset.__init__(out, self.name, self.target, batch_size)  # validates
        out._limit, out._target_fns = self._limit, self._target_fns
        return out

    # -- whole stream -------------------------------------------------------------
    def to_arrays(self) -> tuple[np.ndarray, np.ndarray | None, Schema]:
        """All rows in memory: ``(X, y, schema)`` (for benchmarks and tests)."""
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        has_y = False
        for b in self:
            xs.append(b.X)
            if b.y is not None:
                has_y = True
                ys.append(b.y)
        schema = self.schema
        X = _stack(xs, schema.width)
        y = np.concatenate(ys) if has_y and ys else (np.empty(0) if has_y else None)
        return X, y, schema

    # -- state ------------------------------------------------------------------
    @property
    def schema(self) -> Schema:
        if self._schema is None:
            it = iter(self)
            next(it, None)
            getattr(it, "close", lambda: None)()
        assert self._schema is not None
        return self._schema

    @property
    def n_rows(self) -> int | None:
        known = self._known_rows if self._known_rows is not None else self._source_rows()
        if self._limit is not None:
            return self._limit if known is None else min(known, self._limit)
        return known

    @property
    def bad_rows(self) -> int:
        return self._report.count

    @property
    def bad_row_examples(self) -> list[str]:
        return list(self._report.examples)

    @property
    def n_invalid(self) -> int:
        return 0 if self._schema is None else self._schema.n_invalid

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, target={self.target!r}, batch_size={self.batch_size})"
        )


class ArrayDataset(Dataset):
    """A dataset over arrays already in memory (handy in tests and examples).

    ``X`` is a 2-D numeric array described by ``schema`` (columns ``0, 1, ...``
    when None); ``y`` is optional.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray | Iterable[Any] | None = None,
        schema: Schema | None = None,
        batch_size: int = 1000,
        name: str = "arrays",
    ):
        super().__init__(name, target="y" if y is not None else None, batch_size=batch_size)
        self._X = np.asarray(X, dtype=np.float64)
        if self._X.ndim != 2:
            raise InvalidParameterError(f"X must be a 2-D array. Got shape {self._X.shape}.")
        self._y = None if y is None else np.asarray(y)
        if self._y is not None and len(self._y) != len(self._X):
            raise InvalidParameterError(f"X has {len(self._X)} rows but y has {len(self._y)}.")
        self._base_schema = schema if schema is not None else Schema(range(self._X.shape[1]))

    def _source_rows(self) -> int:
        return len(self._X)

    def _open(self) -> tuple[Schema, Iterator[Block]]:
        return self._base_schema.copy(), iter([(self._X, self._y)])


def _stack(xs: list[np.ndarray], width: int) -> np.ndarray:
    if not xs:
        return np.empty((0, width))
    if all(x.shape[1] == width for x in xs):
        return np.concatenate(xs)
    out = np.full((sum(len(x) for x in xs), width), np.nan)
    i = 0
    for x in xs:
        out[i : i + len(x), : x.shape[1]] = x
        i += len(x)
    return out


def _rechunk(blocks: Iterable[Block], size: int) -> Iterator[Block]:
    """Cut blocks of any length into pieces of exactly ``size`` rows (last: fewer)."""
    pend_x: list[np.ndarray] = []
    pend_y: list[np.ndarray | None] = []
    n = 0
    for X, y in blocks:
        start = 0
        total = len(X)
        if total == 0:
            continue
        if n:  # complete the pending batch first
            take = min(size - n, total)
            pend_x.append(X[:take])
            pend_y.append(None if y is None else y[:take])
            n += take
            start = take
            if n == size:
                yield _join(pend_x, pend_y)
                pend_x, pend_y, n = [], [], 0
        while total - start >= size:
            yield X[start : start + size], (None if y is None else y[start : start + size])
            start += size
        if start < total:
            pend_x.append(X[start:])
            pend_y.append(None if y is None else y[start:])
            n += total - start
    if n:
        yield _join(pend_x, pend_y)


def _join(xs: list[np.ndarray], ys: list[np.ndarray | None]) -> Block:
    if len(xs) == 1:
        return xs[0], ys[0]
    X = _stack(xs, max(x.shape[1] for x in xs))
    if any(y is None for y in ys):
        return X, None
    return X, np.concatenate([y for y in ys if y is not None])
