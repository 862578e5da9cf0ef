"""Shared averaging of per-class scores (precision, recall, F1).

Each per-class score is a ratio ``num / den`` of confusion counts (0 when
``den`` is 0, as scikit-learn's ``zero_division=0``):

* ``"binary"``: the score of ``pos_label`` (0 until that label is seen);
* ``"macro"``: the unweighted mean over the classes present in the counted
  records (as a true label or a prediction);
* ``"micro"``: ``sum(num) / sum(den)`` over all classes;
* ``"weighted"``: the mean weighted by each class's support (true count).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import OneOf, Rule, Satisfies
from streamlearn.metrics.confusion import LabelMetric, safe_ratio

AVERAGES = ("binary", "macro", "micro", "weighted")


def _is_label(v: Any) -> bool:
    return isinstance(v, Hashable) and not isinstance(v, tuple) and v is not None


class AveragedMetric(LabelMetric):
    """A per-class ratio averaged as ``average`` says."""

    _param_rules: ClassVar[dict[str, Rule]] = {
        "average": OneOf(*AVERAGES),
        "pos_label": Satisfies(_is_label, "a label (bool, int, str or float)"),
    }

    average: str
    pos_label: Any

    @property
    def name(self) -> str:
        return self._short if self.average == "binary" else f"{self.average}_{self._short}"

    def _num_den(self, tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def get(self) -> float:
        tp, pred, true, active = self._stats()
        num, den = self._num_den(tp, pred, true)
        if self.average == "binary":
            c = self._code(self.pos_label)
            return 0.0 if c is None else float(safe_ratio(num[c], den[c]))
        if self.average == "micro":
            return float(safe_ratio(num.sum(), den.sum()))
        if not active.any():
            return 0.0
        scores = safe_ratio(num[active], den[active])
        if self.average == "macro":
            return float(scores.mean())
        w = true[active]
        return float(safe_ratio(np.dot(scores, w), w.sum()))
