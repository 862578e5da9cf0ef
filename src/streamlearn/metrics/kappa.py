"""Cohen's kappa: agreement between truth and prediction beyond chance.

``kappa = (p_o - p_e) / (1 - p_e)`` where ``p_o`` is the accuracy and
``p_e = sum_c (true_c / n) (pred_c / n)`` the agreement expected from the
marginals. A missing prediction is a category of its own that never agrees.
When ``p_e == 1`` (a single class, predicted always) kappa is undefined and
reported as 0.

>>> from streamlearn.metrics import CohenKappa
>>> CohenKappa().update_many(["a", "a", "b", "b"], ["a", "b", "b", "b"]).get()
0.5

References: J. Cohen (1960). A coefficient of agreement for nominal scales.
Educational and Psychological Measurement 20(1).
"""

from __future__ import annotations

import numpy as np

from streamlearn.metrics.confusion import LabelMetric


class CohenKappa(LabelMetric):
    """Cohen's kappa (unweighted)."""

    _short = "kappa"

    def __init__(self) -> None:
        super().__init__()

    def get(self) -> float:
        if self.n_ == 0:
            return 0.0
        tp, pred, true, _ = self._stats()
        n = float(self.n_)
        p_o = tp.sum() / n
        p_e = float(np.dot(true.astype(np.float64), pred.astype(np.float64))) / (n * n)
        if p_e >= 1.0:
            return 0.0
        return float((p_o - p_e) / (1.0 - p_e))
