"""Inertia: the mean squared distance of each row to the centre it was assigned to.

The streaming counterpart of k-means' within-cluster sum of squares (SSQ),
divided by the number of rows so that it does not grow with the stream; each
row is measured against the centres at the time it was scored. Lower is
better.

>>> import numpy as np
>>> from streamlearn.metrics import Inertia
>>> centers = np.array([[0.0, 0.0], [10.0, 0.0]])
>>> Inertia().update_many(np.array([[1.0, 0.0], [10.0, 2.0]]), [0, 1], centers).get()
2.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.metrics._clustering import as_inputs, own_sq_dist
from streamlearn.metrics.base import MeanMetric, Record


class Inertia(MeanMetric):
    """Mean squared distance to the assigned centre."""

    input = "clustering"
    bigger_is_better = False
    _short = "inertia"

    def __init__(self) -> None:
        super().__init__()

    def _encode(self, X: Any, clusters: Any, centers: Any) -> Record:
        X, a, C, valid = as_inputs(X, clusters, centers)
        return own_sq_dist(X, a, C, valid), valid.astype(np.float64)

    def _encode_one(self, x: Any, cluster: Any, centers: Any) -> Record:
        return self._encode(x, [cluster], centers)
