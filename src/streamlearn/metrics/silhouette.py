"""A streaming, centre-based approximation of the silhouette coefficient.

The exact silhouette of a row compares its mean distance to the rows of its
own cluster (``a``) with its mean distance to the rows of the nearest other
cluster (``b``); that needs every pair of rows. The *simplified silhouette*
(Hruschka et al., 2004) replaces both means by distances to centres: ``a`` is
the distance to the row's own centre, ``b`` the distance to the nearest other
centre, and ``s = (b - a) / max(a, b)`` (0 when both are 0 or with fewer than
two centres). The value is the mean of ``s`` over rows, in ``[-1, 1]``, each
row measured against the centres when it was scored. Bigger is better.

>>> import numpy as np
>>> from streamlearn.metrics import Silhouette
>>> centers = np.array([[0.0], [10.0]])
>>> Silhouette().update_many(np.array([[1.0], [6.0]]), [0, 1], centers).get()  # (8/9 + 2/6) / 2
0.611111...

References: E. R. Hruschka, L. N. de Castro, R. J. G. B. Campello (2004).
Evolutionary algorithms for clustering gene-expression data. ICDM.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.metrics._clustering import all_sq_dist, as_inputs
from streamlearn.metrics.base import MeanMetric, Record


class Silhouette(MeanMetric):
    """Simplified (centre-based) silhouette coefficient."""

    input = "clustering"
    _short = "silhouette"

    def __init__(self) -> None:
        super().__init__()

    def _encode(self, X: Any, clusters: Any, centers: Any) -> Record:
        X, a, C, valid = as_inputs(X, clusters, centers)
        s = np.zeros(len(X))
        if len(C) >= 2 and valid.any():
            rows = np.flatnonzero(valid)
            D = np.sqrt(all_sq_dist(X[rows], C))
            own = D[np.arange(len(rows)), a[rows]]
            D[np.arange(len(rows)), a[rows]] = np.inf
            other = D.min(axis=1)
            top = np.maximum(own, other)
            s[rows] = np.divide(other - own, top, out=np.zeros(len(rows)), where=top > 0)
        return s, valid.astype(np.float64)

    def _encode_one(self, x: Any, cluster: Any, centers: Any) -> Record:
        return self._encode(x, [cluster], centers)
