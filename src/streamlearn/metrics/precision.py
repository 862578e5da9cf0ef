"""Precision: of the rows predicted as a class, the share that truly are.

``average`` is ``"binary"`` (the precision of ``pos_label``), ``"macro"``,
``"micro"`` or ``"weighted"`` (see :mod:`streamlearn.metrics._averaging`).

>>> from streamlearn.metrics import Precision
>>> y_true = [True, False, True, True]
>>> y_pred = [True, True, False, True]
>>> Precision().update_many(y_true, y_pred).get()
0.666666...
>>> Precision(average="macro").update_many(y_true, y_pred).get()
0.333333...

References: C. J. van Rijsbergen (1979). Information Retrieval, 2nd ed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.metrics._averaging import AveragedMetric


class Precision(AveragedMetric):
    """Precision ``tp / (tp + fp)``, averaged over classes as ``average`` says."""

    _short = "precision"

    def __init__(self, average: str = "binary", pos_label: Any = True) -> None:
        self.average = average
        self.pos_label = pos_label
        super().__init__()

    def _num_den(self, tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return tp, pred
