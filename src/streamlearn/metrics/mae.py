"""Mean absolute error, ``mean(|y - y_hat|)``.

>>> from streamlearn.metrics import MAE
>>> MAE().update_many([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]).get()
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.metrics._regression import one, targets_and_predictions
from streamlearn.metrics.base import MeanMetric, Record


class MAE(MeanMetric):
    """Mean absolute error (running mean, numerically stable)."""

    input = "regression"
    bigger_is_better = False
    _short = "mae"

    def __init__(self) -> None:
        super().__init__()

    def _encode(self, y_true: Any, y_pred: Any) -> Record:
        t, p = targets_and_predictions(y_true, y_pred)
        return np.abs(t - p), np.ones(len(t))

    def _encode_one(self, y_true: Any, y_pred: Any) -> Record:
        return self._encode(*one(y_true, y_pred))
