"""Reading an evaluation stream: batches as they come, or records grouped into batches.

A stream is an iterable of :class:`~streamlearn.base.batch.Batch`, or of
``(x, y)`` records (``x`` a dict; ``y`` the label, ``None`` when unknown), or
of bare ``x`` dicts (no labels). Records are grouped into batches of
``batch_size`` rows described by one growing :class:`Schema`. ``limit`` cuts
the stream after that many rows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

import numpy as np

from streamlearn.base.batch import Batch
from streamlearn.base.errors import SchemaError
from streamlearn.base.schema import Schema
from streamlearn.metrics._labels import label_array

Record = tuple[Mapping[Hashable, Any], Any]


def _kind(first: Any) -> str:
    if isinstance(first, Batch):
        return "batch"
    if isinstance(first, Mapping):
        return "x"
    if isinstance(first, tuple) and len(first) == 2 and isinstance(first[0], Mapping):
        return "record"
    raise SchemaError(
        "A stream must yield Batch objects, (x, y) pairs with x a dict, or x dicts. "
        f"Got {type(first).__name__}."
    )


def _peek(stream: Any) -> tuple[str | None, Iterator[Any]]:
    if isinstance(stream, Batch):
        stream = [stream]
    it = iter(stream)
    first = next(it, None)
    if first is None:
        return None, iter(())
    return _kind(first), chain([first], it)


def _cut(batch: Batch, rows: int) -> Batch:
    y = None if batch.y is None else batch.y[:rows]
    return Batch(batch.X[:rows], y, batch.schema, batch.offset)


def batches(stream: Iterable[Any], batch_size: int, limit: int | None) -> Iterator[Batch]:
    """The stream as batches (records grouped ``batch_size`` at a time), at most ``limit`` rows."""
    kind, it = _peek(stream)
    if kind is None or limit == 0:
        return
    n = 0
    if kind == "batch":
        for b in it:
            if not isinstance(b, Batch):
                raise SchemaError(f"The stream mixes Batch objects with {type(b).__name__}.")
            if limit is not None and n + len(b) >= limit:
                yield _cut(b, limit - n)
                return
            n += len(b)
            yield b
        return
    schema = Schema()
    size = batch_size if limit is None else min(batch_size, limit)
    xs: list[Mapping[Hashable, Any]] = []
    ys: list[Any] = []
    labelled = False
    for item in it:
        x, y = (item, None) if kind == "x" else item
        xs.append(x)
        ys.append(y)
        labelled = labelled or y is not None
        if len(xs) == size:
            yield _group(schema, xs, ys, labelled, n)
            n += len(xs)
            xs, ys, labelled = [], [], False
            if limit is not None:
                if n >= limit:
                    return
                size = min(batch_size, limit - n)
    if xs:
        yield _group(schema, xs, ys, labelled, n)


def _group(schema: Schema, xs: list[Mapping[Hashable, Any]], ys: list[Any], labelled: bool, n: int) -> Batch:
    X = schema.rows(xs)
    return Batch(X, label_array(ys) if labelled else None, schema, n)


def records(stream: Iterable[Any], limit: int | None) -> Iterator[Record]:
    """The stream as ``(x, y)`` records, at most ``limit``."""
    kind, it = _peek(stream)
    if kind is None or limit == 0:
        return
    n = 0
    for item in it:
        if kind == "batch":
            if not isinstance(item, Batch):
                raise SchemaError(f"The stream mixes Batch objects with {type(item).__name__}.")
            for rec in item.records():
                yield rec
                n += 1
                if limit is not None and n >= limit:
                    return
            continue
        yield (item, None) if kind == "x" else item
        n += 1
        if limit is not None and n >= limit:
            return


def labels_of(batch: Batch) -> np.ndarray | None:
    """The batch's labels as a 1-D array (``None`` when the batch has none)."""
    if batch.y is None:
        return None
    y = batch.y if isinstance(batch.y, np.ndarray) else label_array(list(batch.y))
    if y.ndim != 1 or len(y) != len(batch.X):
        raise SchemaError(f"A batch has {len(batch.X)} rows but y has shape {np.shape(y)}.")
    return y
