"""STAGGER concepts (Schlimmer & Granger, 1986).

Three categorical features - ``size`` (small, medium, large), ``color``
(red, blue, green) and ``shape`` (circle, square, triangle) - drawn
uniformly; their categories are registered in that order, so codes are
0, 1, 2. The label (1 = positive) is

* function 0: ``size == small and color == red``
* function 1: ``color == green or shape == circle``
* function 2: ``size in (medium, large)``

as in MOA's ``STAGGERGenerator`` and River's ``synth.STAGGER``.

Parameters
----------
n_rows
    Length of the stream.
function
    The initial concept, 0-2.
noise
    Probability of flipping a label.
drifts
    ``[(position, function, width), ...]`` (width 0: abrupt; > 0: gradual).
seed
    Same seed, same stream (independent of ``batch_size``).
batch_size
    Rows per batch.

>>> from streamlearn.datasets.synth import STAGGER
>>> x, y = next(iter(STAGGER(n_rows=3, function=2, seed=0).records()))
>>> sorted(x), y == int(x["size"] != "small")
(['color', 'shape', 'size'], True)

References
----------
J. C. Schlimmer, R. H. Granger. Incremental learning from noisy data.
Machine Learning 1(3), 1986, pp. 317-354.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import Interval, Rule
from streamlearn.base.schema import CAT, Schema
from streamlearn.datasets.synth.base import FEATURES, NOISE, Synthetic, flip, labels_by_concept
from streamlearn.streams.dataset import Block

SIZES = ["small", "medium", "large"]
COLORS = ["red", "blue", "green"]
SHAPES = ["circle", "square", "triangle"]


class STAGGER(Synthetic):
    """STAGGER concepts stream over size, color and shape."""

    _rules: ClassVar[dict[str, Rule]] = {"noise": Interval(float, 0.0, 1.0)}
    n_concepts = 3
    short_name = "stagger"

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
        return Schema(
            [("size", CAT), ("color", CAT), ("shape", CAT)],
            categories={"size": SIZES, "color": COLORS, "shape": SHAPES},
        )

    def _chunk(self, start: int, n: int, concepts: np.ndarray, k: int, state: dict[str, Any]) -> Block:
        codes = self.rng(k, FEATURES).integers(0, 3, size=(n, 3))
        size, color, shape = codes[:, 0], codes[:, 1], codes[:, 2]
        labels = np.stack(
            [
                (size == 0) & (color == 0),
                (color == 2) | (shape == 0),
                (size == 1) | (size == 2),
            ]
        )
        y = labels_by_concept(labels, concepts)
        return codes.astype(np.float64), flip(y, self.noise, self.rng(k, NOISE))
