"""Sine concepts (Gama et al., 2004).

Two relevant features ``x1, x2`` uniform in ``[0, 1)`` (plus, with
``irrelevant=True``, two irrelevant uniform features ``x3, x4``). The label
of function

* 0 (SINE1): 1 when ``x2 >= sin(x1)``, i.e. 0 below the curve;
* 1 (SINE1 reversed): 1 when ``x2 < sin(x1)``;
* 2 (SINE2): 1 when ``x2 >= 0.5 + 0.3 sin(3 π x1)``;
* 3 (SINE2 reversed): 1 when ``x2 < 0.5 + 0.3 sin(3 π x1)``,

following MOA's ``SineGenerator`` (class index 0 below the curve for the
plain functions).

Parameters
----------
n_rows
    Length of the stream.
function
    The initial concept, 0-3.
irrelevant
    Add two irrelevant features.
noise
    Probability of flipping a label.
drifts
    ``[(position, function, width), ...]`` (width 0: abrupt; > 0: gradual).
seed
    Same seed, same stream (independent of ``batch_size``).
batch_size
    Rows per batch.

>>> import numpy as np
>>> from streamlearn.datasets.synth import Sine
>>> X, y, _ = Sine(n_rows=100, seed=0).to_arrays()
>>> bool(((X[:, 1] >= np.sin(X[:, 0])) == y).all())
True

References
----------
J. Gama, P. Medas, G. Castillo, P. Rodrigues. Learning with drift detection.
SBIA 2004, LNCS 3171, pp. 286-295.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import BOOL, Interval, Rule
from streamlearn.base.schema import Schema
from streamlearn.datasets.synth.base import (
    FEATURES,
    NOISE,
    Synthetic,
    flip,
    labels_by_concept,
    numbered_schema,
)
from streamlearn.streams.dataset import Block


class Sine(Synthetic):
    """Sine concepts stream (SINE1, SINE2 and their reversals)."""

    _rules: ClassVar[dict[str, Rule]] = {"noise": Interval(float, 0.0, 1.0), "irrelevant": BOOL}
    n_concepts = 4
    short_name = "sine"

    def __init__(
        self,
        n_rows: int = 100_000,
        function: int = 0,
        irrelevant: bool = False,
        noise: float = 0.0,
        drifts: Iterable[Sequence[int]] | None = None,
        seed: int = 42,
        batch_size: int = 1000,
    ):
        self.function = function
        self.irrelevant = irrelevant
        self.noise = noise
        super().__init__(n_rows, seed, function, drifts, batch_size)

    def _make_schema(self) -> Schema:
        return numbered_schema(4 if self.irrelevant else 2)

    def _chunk(self, start: int, n: int, concepts: np.ndarray, k: int, state: dict[str, Any]) -> Block:
        X = self.rng(k, FEATURES).random((n, 4))
        x1, x2 = X[:, 0], X[:, 1]
        above1 = x2 >= np.sin(x1)
        above2 = x2 >= 0.5 + 0.3 * np.sin(3.0 * np.pi * x1)
        labels = np.stack([above1, ~above1, above2, ~above2])
        y = labels_by_concept(labels, concepts)
        X = X if self.irrelevant else X[:, :2].copy()
        return X, flip(y, self.noise, self.rng(k, NOISE))
