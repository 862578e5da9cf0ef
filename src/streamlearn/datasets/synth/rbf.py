"""Random RBF stream with moving centroids (MOA's ``RandomRBFGeneratorDrift``).

A concept is a set of ``n_centroids`` centroids, each with a centre uniform
in ``[0, 1)^d``, a class label, a standard deviation uniform in ``[0, 1)`` and
a weight uniform in ``[0, 1)`` (drawn from the concept's own seed). Each row
picks a centroid with probability proportional to its weight and is placed
at a random direction from its centre, at a distance drawn from a normal
distribution with the centroid's standard deviation; its label is the
centroid's class. The first ``n_drift_centroids`` centroids move at
``speed`` per row along a random unit direction and bounce off the borders
of the unit cube (positions are a closed-form function of the row index:
the path is reflected at 0 and 1), which makes the stream drift gradually.
A drift to another ``concept`` swaps in that concept's centroids.

Parameters
----------
n_rows
    Length of the stream.
n_features
    Number of features ``d``.
n_classes
    Number of classes.
n_centroids
    Number of centroids.
speed
    Distance a moving centroid travels per row (0: no movement).
n_drift_centroids
    How many centroids move (None: all).
concept
    The initial concept (any int >= 0: the seed of its centroids).
drifts
    ``[(position, concept, width), ...]`` (width 0: abrupt; > 0: gradual).
seed
    Same seed, same stream (independent of ``batch_size``).
batch_size
    Rows per batch.

>>> from streamlearn.datasets.synth import RandomRBF
>>> X, y, schema = RandomRBF(n_rows=500, n_features=4, n_classes=3, seed=1).to_arrays()
>>> X.shape, sorted(set(y.tolist()))
((500, 4), [0, 1, 2])

References
----------
A. Bifet, G. Holmes, B. Pfahringer, R. Kirkby, R. Gavaldà. New ensemble
methods for evolving data streams. KDD 2009 (random RBF with drift).
MOA, ``moa.streams.generators.RandomRBFGeneratorDrift``; River,
``river.datasets.synth.RandomRBFDrift``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import NONE, Interval, Rule
from streamlearn.base.schema import Schema
from streamlearn.datasets.synth.base import FEATURES, Synthetic, concept_rows, numbered_schema
from streamlearn.streams.dataset import Block


class RandomRBF(Synthetic):
    """Random radial basis function stream with moving centroids."""

    _rules: ClassVar[dict[str, Rule]] = {
        "n_features": Interval(int, 1, None),
        "n_classes": Interval(int, 1, None),
        "n_centroids": Interval(int, 1, None),
        "speed": Interval(float, 0.0, None),
        "n_drift_centroids": NONE | Interval(int, 0, None),
    }
    concept_param = "concept"
    short_name = "rbf"

    def __init__(
        self,
        n_rows: int = 100_000,
        n_features: int = 10,
        n_classes: int = 2,
        n_centroids: int = 50,
        speed: float = 0.0001,
        n_drift_centroids: int | None = None,
        concept: int = 0,
        drifts: Iterable[Sequence[int]] | None = None,
        seed: int = 42,
        batch_size: int = 1000,
    ):
        self.n_features = n_features
        self.n_classes = n_classes
        self.n_centroids = n_centroids
        self.speed = speed
        self.n_drift_centroids = n_drift_centroids
        self.concept = concept
        super().__init__(n_rows, seed, concept, drifts, batch_size)

    def _make_schema(self) -> Schema:
        return numbered_schema(self.n_features)

    def centroids(self, concept: int) -> dict[str, np.ndarray]:
        """The model of a concept: centres, labels, spreads, cumulative weights, velocities."""
        rng = self.model_rng(concept)
        c, d = self.n_centroids, self.n_features
        centres = rng.random((c, d))
        labels = rng.integers(0, self.n_classes, size=c)
        spread = rng.random(c)
        weights = rng.random(c)
        direction = rng.standard_normal((c, d))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        moving = c if self.n_drift_centroids is None else min(self.n_drift_centroids, c)
        velocity = direction * self.speed
        velocity[moving:] = 0.0
        return {
            "centres": centres,
            "labels": labels,
            "spread": spread,
            "cumw": np.cumsum(weights) / weights.sum(),
            "velocity": velocity,
        }

    def _chunk(self, start: int, n: int, concepts: np.ndarray, k: int, state: dict[str, Any]) -> Block:
        d = self.n_features
        rng = self.rng(k, FEATURES)
        pick = rng.random(n)
        way = rng.standard_normal((n, d))
        way /= np.maximum(np.linalg.norm(way, axis=1, keepdims=True), 1e-300)
        radius = rng.standard_normal(n)
        models = state.setdefault("models", {})
        t = np.arange(start + 1, start + n + 1, dtype=np.float64)[:, None]  # moves made before the row
        X = np.empty((n, d))
        y = np.empty(n, dtype=np.int64)
        for c, mask in concept_rows(concepts):
            rows = np.flatnonzero(mask)
            if c not in models:
                models[c] = self.centroids(c)
            m = models[c]
            idx = np.minimum(np.searchsorted(m["cumw"], pick[rows], side="right"), self.n_centroids - 1)
            centre = m["centres"][idx]
            if self.speed > 0:
                centre = _reflect(centre + t[rows] * m["velocity"][idx])
            X[rows] = centre + way[rows] * (radius[rows] * m["spread"][idx])[:, None]
            y[rows] = m["labels"][idx]
        return X, y


def _reflect(x: np.ndarray) -> np.ndarray:
    """Fold positions into ``[0, 1]`` as a point bouncing between the walls would be."""
    r = x - 2.0 * np.floor(0.5 * x)  # in [0, 2)
    return 1.0 - np.abs(r - 1.0)
