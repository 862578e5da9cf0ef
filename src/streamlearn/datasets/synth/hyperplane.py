"""Rotating hyperplane (Hulten, Spencer & Domingos, 2001).

Features ``x1..xd`` uniform in ``[0, 1)``. A concept is a weight vector
``w`` (drawn uniformly from ``[0, 1)`` per concept); the label is 1 when
``sum_i w_i x_i >= sum_i w_i / 2``, else 0. The hyperplane rotates
gradually: after each row the weights of the first ``n_drift_features``
features move by ``mag_change`` in their current direction, and each
direction reverses with probability ``sigma`` - the scheme of MOA's
``HyperplaneGenerator`` (River's ``synth.Hyperplane``). ``noise`` flips
labels. A drift to another ``concept`` switches to that concept's weights
(which rotate the same way).

Parameters
----------
n_rows
    Length of the stream.
n_features
    Number of features ``d``.
n_drift_features
    How many weights rotate (the first ones).
mag_change
    Weight change per row (0: a fixed hyperplane).
sigma
    Probability per row that a rotating weight reverses its direction.
noise
    Probability of flipping a label.
concept
    The initial concept (any int >= 0: the seed of its weights).
drifts
    ``[(position, concept, width), ...]`` (width 0: abrupt; > 0: gradual).
seed
    Same seed, same stream (independent of ``batch_size``).
batch_size
    Rows per batch.

>>> from streamlearn.datasets.synth import Hyperplane
>>> X, y, schema = Hyperplane(n_rows=1000, n_features=3, noise=0.0, seed=7).to_arrays()
>>> X.shape, schema.names, sorted(set(y.tolist()))
((1000, 3), ['x1', 'x2', 'x3'], [0, 1])

References
----------
G. Hulten, L. Spencer, P. Domingos. Mining time-changing data streams.
KDD 2001, pp. 97-106. MOA, ``moa.streams.generators.HyperplaneGenerator``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import Interval, Rule
from streamlearn.base.schema import Schema
from streamlearn.datasets.synth.base import (
    DYNAMICS,
    FEATURES,
    NOISE,
    Synthetic,
    concept_rows,
    flip,
    numbered_schema,
)
from streamlearn.streams.dataset import Block


class Hyperplane(Synthetic):
    """Rotating hyperplane stream."""

    _rules: ClassVar[dict[str, Rule]] = {
        "n_features": Interval(int, 1, None),
        "n_drift_features": Interval(int, 0, None),
        "mag_change": Interval(float, 0.0, 1.0),
        "sigma": Interval(float, 0.0, 1.0),
        "noise": Interval(float, 0.0, 1.0),
    }
    concept_param = "concept"
    short_name = "hyperplane"

    def __init__(
        self,
        n_rows: int = 100_000,
        n_features: int = 10,
        n_drift_features: int = 2,
        mag_change: float = 0.0,
        sigma: float = 0.1,
        noise: float = 0.05,
        concept: int = 0,
        drifts: Iterable[Sequence[int]] | None = None,
        seed: int = 42,
        batch_size: int = 1000,
    ):
        self.n_features = n_features
        self.n_drift_features = n_drift_features
        self.mag_change = mag_change
        self.sigma = sigma
        self.noise = noise
        self.concept = concept
        super().__init__(n_rows, seed, concept, drifts, batch_size)
        if n_drift_features > n_features:
            raise InvalidParameterError(
                f"The 'n_drift_features' parameter of Hyperplane must be <= n_features ({n_features}). "
                f"Got {n_drift_features}."
            )

    def _make_schema(self) -> Schema:
        return numbered_schema(self.n_features)

    def weights(self, concept: int) -> np.ndarray:
        """The initial weights of a concept."""
        return self.model_rng(concept).random(self.n_features)

    def _chunk(self, start: int, n: int, concepts: np.ndarray, k: int, state: dict[str, Any]) -> Block:
        d, m = self.n_features, self.n_drift_features
        X = self.rng(k, FEATURES).random((n, d))
        if "shift" not in state:
            state["shift"] = np.zeros(m)  # weight change so far (same for every concept)
            state["direction"] = np.ones(m)
        # offsets[t]: the change of the rotating weights before row t
        offsets = np.zeros((n, m))
        if m and self.mag_change > 0:
            flips = self.rng(k, DYNAMICS).random((n, m)) < self.sigma
            parity: np.ndarray = np.cumsum(flips, axis=0) - flips  # flips before row t
            direction = state["direction"] * np.where(parity % 2 == 1, -1.0, 1.0)
            steps = np.cumsum(direction, axis=0) - direction  # exclusive sum
            offsets = state["shift"] + self.mag_change * steps
            state["shift"] = offsets[-1] + self.mag_change * direction[-1]
            state["direction"] = direction[-1] * np.where(flips[-1], -1.0, 1.0)
        y = np.empty(n, dtype=np.int64)
        for c, rows in concept_rows(concepts):
            w = self.weights(c)
            score = X[rows] @ w + (X[rows, :m] * offsets[rows]).sum(axis=1)
            total = w.sum() + offsets[rows].sum(axis=1)
            y[rows] = score >= 0.5 * total
        return X, flip(y, self.noise, self.rng(k, NOISE))
