"""Coefficient of determination, ``R2 = 1 - SSE / SST``.

``SST = sum((y - mean(y))^2)`` is kept with Welford/Chan updates (count, mean
and sum of squared deviations, combined batch by batch and un-combined when
rows are removed), ``SSE`` as a running mean of squared errors. As in
scikit-learn, when ``SST == 0`` (fewer than two distinct targets) the value is
1 for perfect predictions and 0 otherwise.

>>> from streamlearn.metrics import R2
>>> round(R2().update_many([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]).get(), 6)
0.948608

References: T. F. Chan, G. H. Golub, R. J. LeVeque (1979). Updating formulae and
a pairwise algorithm for computing sample variances. Stanford CS report 79-773.
"""

from __future__ import annotations

from typing import Any

from streamlearn.metrics._regression import one, targets_and_predictions
from streamlearn.metrics.base import Metric, Record


class R2(Metric):
    """R squared (coefficient of determination)."""

    input = "regression"
    _exact_revert = False
    _short = "r2"

    def __init__(self) -> None:
        super().__init__()

    def _clear(self) -> None:
        self.n_ = 0
        self.y_mean_ = 0.0
        self.y_m2_ = 0.0
        self.sq_err_mean_ = 0.0

    def _encode(self, y_true: Any, y_pred: Any) -> Record:
        t, p = targets_and_predictions(y_true, y_pred)
        return t, (t - p) ** 2

    def _encode_one(self, y_true: Any, y_pred: Any) -> Record:
        return self._encode(*one(y_true, y_pred))

    def _add(self, rec: Record) -> None:
        t, e2 = rec
        nb = len(t)
        if nb == 0:
            return
        mb = float(t.mean())
        m2b = float(((t - mb) ** 2).sum())
        n = self.n_ + nb
        delta = mb - self.y_mean_
        self.y_m2_ += m2b + delta * delta * self.n_ * nb / n
        self.y_mean_ += delta * nb / n
        self.sq_err_mean_ += (float(e2.sum()) - nb * self.sq_err_mean_) / n
        self.n_ = n

    def _remove(self, rec: Record) -> None:
        t, e2 = rec
        nb = len(t)
        if nb == 0:
            return
        n = self.n_ - nb
        if n <= 0:
            self._clear()
            return
        mb = float(t.mean())
        m2b = float(((t - mb) ** 2).sum())
        mean_a = (self.n_ * self.y_mean_ - nb * mb) / n
        delta = mb - mean_a
        self.y_m2_ = max(self.y_m2_ - m2b - delta * delta * n * nb / self.n_, 0.0)
        self.y_mean_ = mean_a
        self.sq_err_mean_ = max((self.n_ * self.sq_err_mean_ - float(e2.sum())) / n, 0.0)
        self.n_ = n

    def get(self) -> float:
        if self.n_ == 0:
            return 0.0
        sse = self.sq_err_mean_ * self.n_
        if self.y_m2_ <= 0.0:
            return 1.0 if sse == 0.0 else 0.0
        return float(1.0 - sse / self.y_m2_)
