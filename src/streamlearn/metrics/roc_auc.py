"""Exact streaming ROC AUC for binary problems (scores or probabilities vs labels).

The area under the ROC curve equals the Mann-Whitney statistic: the share of
(positive, negative) pairs where the positive row has the higher score, ties
counting one half. It is kept *exactly* (no binning): positive and negative
scores live in two sorted multisets (:class:`~streamlearn.metrics._sorted.SortedBag`)
and each batch adds the pairs it forms with the rows before it, counted by
binary search, plus the pairs within the batch. Twice the statistic is an
integer, so the value is exact and removing rows (rolling windows) undoes
adding them exactly. Cost: O(b log n) per batch of b rows; memory: one float
per row counted (the window size for a rolling AUC). The value equals
scikit-learn's ``roc_auc_score`` (trapezoidal ROC with ties) to rounding.

Scores: ``update(y_true, y_pred)`` with a float (higher = more positive, e.g.
an anomaly score or the probability of ``pos_label``) or a ``{label:
probability}`` dict; ``update_many(y_true, scores)`` or ``update_many(y_true,
proba=P, classes=labels)`` (the column of ``pos_label``, 0 when absent). A NaN
score ranks below every other score. Before both classes were seen the value
is 0.5.

>>> from streamlearn.metrics import ROCAUC
>>> ROCAUC().update_many([True, False, True, False], [0.9, 0.3, 0.3, 0.1]).get()
0.875

References: J. A. Hanley, B. J. McNeil (1982). The meaning and use of the area
under a receiver operating characteristic (ROC) curve. Radiology 143(1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.params import Rule, Satisfies
from streamlearn.metrics._averaging import _is_label
from streamlearn.metrics._labels import as_labels
from streamlearn.metrics._sorted import SortedBag
from streamlearn.metrics.base import Metric, Record, as_float_array, check_lengths
from streamlearn.metrics.log_loss import positive_mask


def _pairs2(pos: np.ndarray, neg_sorted: np.ndarray) -> int:
    """Twice the number of (pos, neg) pairs with pos > neg, ties counting one half."""
    if not len(pos) or not len(neg_sorted):
        return 0
    left = np.searchsorted(neg_sorted, pos, side="left")
    right = np.searchsorted(neg_sorted, pos, side="right")
    return int(left.sum()) + int(right.sum())


class ROCAUC(Metric):
    """Area under the ROC curve (binary), exact.

    Parameters
    ----------
    pos_label
        The label of the positive class.
    """

    _param_rules: ClassVar[dict[str, Rule]] = {
        "pos_label": Satisfies(_is_label, "a label (bool, int, str or float)"),
    }
    input = "score"
    _short = "roc_auc"

    def __init__(self, pos_label: Any = True) -> None:
        self.pos_label = pos_label
        super().__init__()

    # -- state ------------------------------------------------------------------
    def _clear(self) -> None:
        self._pos = SortedBag()
        self._neg = SortedBag()
        self.u2_ = 0
        self.n_pos_ = 0
        self.n_neg_ = 0

    def _state(self) -> dict[str, Any]:
        return {
            "u2_": self.u2_,
            "n_pos_": self.n_pos_,
            "n_neg_": self.n_neg_,
            "pos_scores_": self._pos.values(),
            "neg_scores_": self._neg.values(),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self._clear()
        self._pos.add(np.asarray(state["pos_scores_"], dtype=np.float64))
        self._neg.add(np.asarray(state["neg_scores_"], dtype=np.float64))
        self.u2_ = int(state["u2_"])
        self.n_pos_ = int(state["n_pos_"])
        self.n_neg_ = int(state["n_neg_"])

    # -- encoding -----------------------------------------------------------------
    def _record(self, score: np.ndarray, pos: np.ndarray) -> Record:
        score = np.where(np.isnan(score), -np.inf, score)
        return score, pos

    def _encode(self, y_true: Any, y_pred: Any = None, *, proba: Any = None, classes: Any = None) -> Record:
        yt = as_labels(y_true)
        if proba is not None:
            if classes is None:
                raise SchemaError("Pass the class labels of the proba columns: classes=model.classes_.")
            P = np.asarray(proba, dtype=np.float64)
            classes = list(classes)
            if P.ndim != 2 or P.shape[1] != len(classes):
                raise SchemaError(f"proba must be (rows x {len(classes)} classes). Got shape {P.shape}.")
            j = next((i for i, c in enumerate(classes) if c == self.pos_label), None)
            score = np.zeros(len(P)) if j is None else P[:, j].copy()
        elif y_pred is None:
            raise SchemaError("Pass the scores: y_pred, or proba with classes.")
        else:
            seq = y_pred.tolist() if isinstance(y_pred, np.ndarray) and y_pred.dtype.kind == "O" else y_pred
            if isinstance(seq, (list, tuple)) and seq and isinstance(seq[0], Mapping):
                score = np.array([float(d.get(self.pos_label, 0.0)) for d in seq])
            else:
                score = as_float_array(y_pred, "Scores")
        check_lengths(yt, score)
        return self._record(score, positive_mask(yt, self.pos_label))

    def _encode_one(self, y_true: Any, y_pred: Any) -> Record:
        if y_true is None or (isinstance(y_true, float) and y_true != y_true):
            raise SchemaError("The true label is missing; score a record only once its label is known.")
        s = float(y_pred.get(self.pos_label, 0.0)) if isinstance(y_pred, Mapping) else float(y_pred)
        return self._record(np.array([s]), np.array([y_true == self.pos_label], dtype=bool))

    # -- pairs ----------------------------------------------------------------------
    def _cross(self, sp: np.ndarray, sn: np.ndarray) -> int:
        """Twice the pair count of new positives vs stored negatives plus stored
        positives vs new negatives."""
        total = 0
        if len(sp) and self.n_neg_:
            total += int(self._neg.count_less(sp).sum()) + int(self._neg.count_le(sp).sum())
        if len(sn) and self.n_pos_:
            total += 2 * self.n_pos_ * len(sn)
            total -= int(self._pos.count_le(sn).sum()) + int(self._pos.count_less(sn).sum())
        return total

    @staticmethod
    def _split(rec: Record) -> tuple[np.ndarray, np.ndarray]:
        """Sorted positive and negative scores (sorted queries make binary searches cache-friendly)."""
        score, pos = rec
        return np.sort(score[pos]), np.sort(score[~pos])

    def _add(self, rec: Record) -> None:
        sp, sn = self._split(rec)
        within = _pairs2(sp, sn)
        self.u2_ += self._cross(sp, sn) + within
        self._pos.add(sp)
        self._neg.add(sn)
        self.n_pos_ += len(sp)
        self.n_neg_ += len(sn)

    def _remove(self, rec: Record) -> None:
        sp, sn = self._split(rec)
        within = _pairs2(sp, sn)
        self.u2_ -= self._cross(sp, sn) - within
        self._pos.remove(sp)
        self._neg.remove(sn)
        self.n_pos_ -= len(sp)
        self.n_neg_ -= len(sn)

    def get(self) -> float:
        pairs = self.n_pos_ * self.n_neg_
        if pairs == 0:
            return 0.5
        return self.u2_ / (2.0 * pairs)
