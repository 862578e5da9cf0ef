"""Tiny learners and a recording metric that exercise the prequential contract.

They subclass the base classes directly (no other learner package needed) and
use the base classes' default Python-loop ``_test_then_train``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.base.learner import AnomalyDetector, Classifier, Clusterer, Regressor
from streamlearn.metrics._labels import as_labels
from streamlearn.metrics.base import Metric, Record, as_float_array


class Majority(Classifier):
    """Predicts the class frequencies seen so far (all zero before learning)."""

    def __init__(self) -> None:
        self._validate_params()

    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        old = getattr(self, "counts_", np.zeros(0))
        k = max(len(old), int(codes.max()) + 1)
        counts = np.zeros(k)
        counts[: len(old)] = old
        self.counts_ = counts + np.bincount(codes, minlength=k)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        c = getattr(self, "counts_", np.zeros(0))
        p = c / c.sum() if c.sum() else c
        return np.tile(p, (len(X), 1))


class Counter(Regressor):
    """Predicts how many rows it has learned; remembers the targets it learned, in order."""

    def __init__(self) -> None:
        self._validate_params()

    def _learn(self, X: np.ndarray, y: np.ndarray) -> None:
        self.learned_ = [*getattr(self, "learned_", []), *y.tolist()]

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), float(len(getattr(self, "learned_", []))))


class RunningMean(Regressor):
    """Predicts the mean of the targets seen so far (0 before learning)."""

    def __init__(self) -> None:
        self._validate_params()

    def _learn(self, X: np.ndarray, y: np.ndarray) -> None:
        for v in y:
            self.n_ = getattr(self, "n_", 0) + 1
            self.mean_ = getattr(self, "mean_", 0.0) + (float(v) - getattr(self, "mean_", 0.0)) / self.n_

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), getattr(self, "mean_", 0.0))


class Distance(AnomalyDetector):
    """Score: |x0 - running mean of x0| (0 before learning)."""

    def __init__(self) -> None:
        self._validate_params()

    def _learn(self, X: np.ndarray) -> None:
        for v in X[:, 0]:
            self.n_ = getattr(self, "n_", 0) + 1
            self.mean_ = getattr(self, "mean_", 0.0) + (float(v) - getattr(self, "mean_", 0.0)) / self.n_

    def _output(self, X: np.ndarray) -> np.ndarray:
        if not getattr(self, "n_", 0):
            return np.zeros(len(X))
        return np.abs(X[:, 0] - self.mean_)


class TwoMeans(Clusterer):
    """Two centres seeded by the first two rows, then running means of their members."""

    def __init__(self) -> None:
        self._validate_params()

    def _learn(self, X: np.ndarray) -> None:
        for row in X:
            c = getattr(self, "centers_", np.zeros((0, len(row))))
            if len(c) < 2:
                self.centers_ = np.vstack([c, row[None, :]])
                self.counts_ = np.append(getattr(self, "counts_", np.zeros(0)), 1.0)
                continue
            j = int(np.argmin(((c - row) ** 2).sum(axis=1)))
            self.counts_[j] += 1
            self.centers_[j] += (row - self.centers_[j]) / self.counts_[j]

    def _output(self, X: np.ndarray) -> np.ndarray:
        c = getattr(self, "centers_", np.zeros((0, X.shape[1])))
        if not len(c):
            return np.full(len(X), -1, dtype=np.int64)
        return np.argmin(((X[:, None, :] - c[None, :, :]) ** 2).sum(axis=2), axis=1).astype(np.int64)


class Recorder(Metric):
    """Remembers every (truth, prediction) pair it is given, in order (regression inputs)."""

    input = "regression"
    _exact_revert = True
    _short = "recorder"

    def __init__(self) -> None:
        super().__init__()

    def _clear(self) -> None:
        self.pairs_: list[tuple[Any, Any]] = []

    def _encode(self, y_true: Any, y_pred: Any) -> Record:
        return as_labels(y_true), as_float_array(y_pred, "predictions")

    def _encode_one(self, y_true: Any, y_pred: Any) -> Record:
        return self._encode([y_true], [y_pred])

    def _add(self, rec: Record) -> None:
        self.pairs_.extend(zip(rec[0].tolist(), rec[1].tolist(), strict=True))

    def get(self) -> float:
        return float(len(self.pairs_))
