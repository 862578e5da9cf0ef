"""F1: the harmonic mean of precision and recall, ``2 tp / (2 tp + fp + fn)``.

``average`` is ``"binary"`` (the F1 of ``pos_label``), ``"macro"``,
``"micro"`` or ``"weighted"`` (see :mod:`streamlearn.metrics._averaging`).
Micro F1 is ``2 sum(tp) / (sum(predicted) + sum(support))``; it equals the
accuracy when every row got a prediction.

>>> from streamlearn.metrics import F1
>>> y_true = ["a", "b", "b", "c"]
>>> y_pred = ["a", "b", "c", "c"]
>>> F1(average="macro").update_many(y_true, y_pred).get()
0.777777...
>>> F1(average="micro").update_many(y_true, y_pred).get()
0.75

References: C. J. van Rijsbergen (1979). Information Retrieval, 2nd ed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.metrics._averaging import AveragedMetric


class F1(AveragedMetric):
    """F1 score, averaged over classes as ``average`` says."""

    _short = "f1"

    def __init__(self, average: str = "binary", pos_label: Any = True) -> None:
        self.average = average
        self.pos_label = pos_label
        super().__init__()

    def _num_den(self, tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return 2 * tp, pred + true
