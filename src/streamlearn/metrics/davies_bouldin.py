"""A streaming Davies-Bouldin index.

For each cluster ``i``, the scatter ``S_i`` is the mean distance of the rows
assigned to it to its centre (each row measured when it was scored, so this
is a running mean, and a rolling window keeps it exact by subtraction). With
``M_ij`` the distance between the *latest* centres ``i`` and ``j`` (from the
last update), ``DB = mean_i max_{j != i} (S_i + S_j) / M_ij`` over the
clusters that received rows. Lower is better; 0 with fewer than two such
clusters; infinite when two used centres coincide.

>>> import numpy as np
>>> from streamlearn.metrics import DaviesBouldin
>>> centers = np.array([[0.0], [10.0]])
>>> DaviesBouldin().update_many(np.array([[1.0], [-1.0], [12.0]]), [0, 0, 1], centers).get()  # (1 + 2) / 10
0.3

References: D. L. Davies, D. W. Bouldin (1979). A cluster separation measure.
IEEE Transactions on Pattern Analysis and Machine Intelligence 1(2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.metrics._clustering import all_sq_dist, as_inputs, own_sq_dist
from streamlearn.metrics.base import Metric, Record


class DaviesBouldin(Metric):
    """Davies-Bouldin index with running per-cluster scatter."""

    input = "clustering"
    bigger_is_better = False
    _exact_revert = False
    _short = "davies_bouldin"

    def __init__(self) -> None:
        super().__init__()

    def _init_state(self) -> None:
        self.centers_ = np.zeros((0, 0))
        self._clear()

    def _clear(self) -> None:
        self.dist_sum_ = np.zeros(0)
        self.count_ = np.zeros(0)

    def _encode(self, X: Any, clusters: Any, centers: Any) -> Record:
        X, a, C, valid = as_inputs(X, clusters, centers)
        self.centers_ = C.copy()
        dist = np.sqrt(own_sq_dist(X, a, C, valid))
        return np.where(valid, a, 0), dist, valid.astype(np.float64)

    def _encode_one(self, x: Any, cluster: Any, centers: Any) -> Record:
        return self._encode(x, [cluster], centers)

    def _sums(self, rec: Record) -> tuple[np.ndarray, np.ndarray]:
        a, dist, w = rec
        k = max(len(self.count_), int(a.max()) + 1 if len(a) else 0)
        if k > len(self.count_):
            self.dist_sum_ = np.concatenate([self.dist_sum_, np.zeros(k - len(self.count_))])
            self.count_ = np.concatenate([self.count_, np.zeros(k - len(self.count_))])
        return np.bincount(a, weights=dist * w, minlength=k), np.bincount(a, weights=w, minlength=k)

    def _add(self, rec: Record) -> None:
        s, c = self._sums(rec)
        self.dist_sum_ += s
        self.count_ += c

    def _remove(self, rec: Record) -> None:
        s, c = self._sums(rec)
        self.dist_sum_ -= s
        self.count_ -= c
        self.count_[self.count_ < 0.5] = 0.0
        self.dist_sum_[self.count_ == 0] = 0.0

    def get(self) -> float:
        k = min(len(self.count_), len(self.centers_))
        used = np.flatnonzero(self.count_[:k] > 0)
        if len(used) < 2:
            return 0.0
        S = self.dist_sum_[used] / self.count_[used]
        C = self.centers_[used]
        M = np.sqrt(all_sq_dist(C, C))
        with np.errstate(divide="ignore", invalid="ignore"):
            R = (S[:, None] + S[None, :]) / M
        R[M == 0] = np.inf
        np.fill_diagonal(R, -np.inf)
        return float(R.max(axis=1).mean())
