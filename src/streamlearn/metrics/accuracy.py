"""Accuracy and balanced accuracy from a growing confusion matrix.

Accuracy is the share of rows whose prediction equals the true label (a
missing prediction is wrong). Balanced accuracy is the mean recall over the
classes that occur as true labels, as in scikit-learn's
``balanced_accuracy_score`` (Brodersen et al., 2010).

>>> from streamlearn.metrics import Accuracy, BalancedAccuracy
>>> y_true = ["a", "a", "a", "b"]
>>> y_pred = ["a", "a", "a", "a"]
>>> Accuracy().update_many(y_true, y_pred).get()
0.75
>>> BalancedAccuracy().update_many(y_true, y_pred).get()
0.5

References: K. H. Brodersen, C. S. Ong, K. E. Stephan, J. M. Buhmann (2010).
The balanced accuracy and its posterior distribution. ICPR.
"""

from __future__ import annotations

import numpy as np

from streamlearn.metrics.confusion import LabelMetric, safe_ratio


class Accuracy(LabelMetric):
    """Share of correct predictions."""

    _short = "accuracy"

    def __init__(self) -> None:
        super().__init__()

    def get(self) -> float:
        if self.n_ == 0:
            return 0.0
        return float(np.trace(self.matrix_)) / self.n_


class BalancedAccuracy(LabelMetric):
    """Mean recall over the classes seen as true labels."""

    _short = "balanced_accuracy"

    def __init__(self) -> None:
        super().__init__()

    def get(self) -> float:
        tp, _, true, _ = self._stats()
        support = true > 0
        if not support.any():
            return 0.0
        return float(safe_ratio(tp[support], true[support]).mean())
