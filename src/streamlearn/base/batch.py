"""Batch: the unit that sources, readers and generators hand to learners.

>>> import numpy as np
>>> from streamlearn.base.schema import Schema
>>> schema = Schema(["price", ("day", "cat")], categories={"day": ["mon", "tue"]})
>>> b = Batch(np.array([[1.0, 1.0]]), np.array(["UP"]), schema)
>>> len(b), list(b.records())
(1, [({'price': 1.0, 'day': 'tue'}, 'UP')])
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from streamlearn.base.schema import Schema


@dataclass
class Batch:
    """Rows ``X`` described by ``schema``, their targets ``y`` (or None), and
    the stream position ``offset`` of the first row.

    ``schema`` may be shared with the producer and grow as later batches
    arrive (new columns, new categories); codes in earlier batches stay valid.
    """

    X: np.ndarray
    y: np.ndarray | None
    schema: Schema
    offset: int = 0

    def __len__(self) -> int:
        return len(self.X)

    def records(self) -> Iterator[tuple[dict[Hashable, Any], Any]]:
        """The rows as ``(x, y)`` pairs of dict and label (y is None when absent)."""
        ys = self.y.tolist() if self.y is not None else [None] * len(self.X)
        for row, y in zip(self.X, ys):
            yield self.schema.record(row), y
