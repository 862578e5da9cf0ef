"""SEA concepts (Street & Kim, 2001).

Three features drawn uniformly from ``[0, 10)``; only the first two matter.
The label is 1 when ``x1 + x2 > θ`` and 0 otherwise, with the threshold θ of
function 0, 1, 2, 3 equal to 8, 9, 7 and 9.5 (the four SEA concepts, as in
MOA's ``SEAGenerator`` and River's ``synth.SEA``). ``noise`` flips each label
with that probability.

Parameters
----------
n_rows
    Length of the stream.
function
    The initial concept, 0-3.
noise
    Probability of flipping a label.
drifts
    ``[(position, function, width), ...]``: concept drifts (width 0: abrupt,
    > 0: gradual sigmoid of that width, as MOA's ConceptDriftStream).
seed
    Same seed, same stream (independent of ``batch_size``).
batch_size
    Rows per batch.

>>> from streamlearn.datasets.synth import SEA
>>> ds = SEA(n_rows=5, seed=1)
>>> b = next(iter(ds))
>>> b.schema.names, b.X.shape, bool(((b.X[:, 0] + b.X[:, 1] > 8) == b.y).all())
(['x1', 'x2', 'x3'], (5, 3), True)

References
----------
W. N. Street, Y. Kim. A streaming ensemble algorithm (SEA) for large-scale
classification. KDD 2001, pp. 377-382.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import Interval, Rule
from streamlearn.base.schema import Schema
from streamlearn.datasets.synth.base import FEATURES, NOISE, Synthetic, flip, numbered_schema
from streamlearn.streams.dataset import Block

THRESHOLDS = np.array([8.0, 9.0, 7.0, 9.5])


class SEA(Synthetic):
    """SEA concepts stream: ``y = x1 + x2 > θ[function]``."""

    _rules: ClassVar[dict[str, Rule]] = {"noise": Interval(float, 0.0, 1.0)}
    n_concepts = 4
    short_name = "sea"

    def __init__(
        self,
        n_rows: int = 100_000,
        function: int = 0,
        noise: float = 0.0,
        drifts: Iterable[Sequence[int]] | None = None,
        seed: int = 42,
        batch_size: int = 1000,
    ):
        self.function = function
        self.noise = noise
        super().__init__(n_rows, seed, function, drifts, batch_size)

    def _make_schema(self) -> Schema:
        return numbered_schema(3)

    def _chunk(self, start: int, n: int, concepts: np.ndarray, k: int, state: dict[str, Any]) -> Block:
        X = self.rng(k, FEATURES).random((n, 3)) * 10.0
        y = (X[:, 0] + X[:, 1] > THRESHOLDS[concepts]).astype(np.int64)
        return X, flip(y, self.noise, self.rng(k, NOISE))
