"""Root mean squared error, ``sqrt(mean((y - y_hat)^2))``.

>>> from streamlearn.metrics import RMSE
>>> RMSE().update_many([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]).get()
0.612372...
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from streamlearn.metrics._regression import one, targets_and_predictions
from streamlearn.metrics.base import MeanMetric, Record


class RMSE(MeanMetric):
    """Root mean squared error (running mean of squared errors, numerically stable)."""

    input = "regression"
    bigger_is_better = False
    _short = "rmse"

    def __init__(self) -> None:
        super().__init__()

    def _encode(self, y_true: Any, y_pred: Any) -> Record:
        t, p = targets_and_predictions(y_true, y_pred)
        return (t - p) ** 2, np.ones(len(t))

    def _encode_one(self, y_true: Any, y_pred: Any) -> Record:
        return self._encode(*one(y_true, y_pred))

    def _value(self, mean: float) -> float:
        return math.sqrt(max(mean, 0.0))
