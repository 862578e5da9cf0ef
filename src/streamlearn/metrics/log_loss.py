"""Log loss (cross-entropy) of probabilistic predictions, binary or multiclass.

Each row contributes ``-log(clip(p, eps, 1 - eps))`` where ``p`` is the
probability the model gave to the true label (0 for a label the model did not
know, so a row without prediction costs ``-log(eps)``). The value is the mean
over rows.

Inputs: ``update(y_true, y_pred)`` with ``y_pred`` a ``{label: probability}``
dict (``predict_proba_one``) or, for binary problems, a float: the
probability of ``pos_label``. ``update_many(y_true, proba=P, classes=labels)``
with the ``(n, k)`` probabilities of ``predict_proba_many``, or
``update_many(y_true, y_pred)`` with the 1-D probabilities of ``pos_label``.

>>> from streamlearn.metrics import LogLoss
>>> m = LogLoss()
>>> _ = m.update(True, 0.8).update(False, {True: 0.4, False: 0.6})
>>> round(m.get(), 6)  # (-log 0.8 - log 0.6) / 2
0.366985
>>> LogLoss().update_many(["a", "b"], proba=[[0.5, 0.5], [0.25, 0.75]], classes=["a", "b"]).get()
0.490414...
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.params import Interval, Rule, Satisfies
from streamlearn.metrics._averaging import _is_label
from streamlearn.metrics._labels import as_labels, factorize
from streamlearn.metrics.base import MeanMetric, Record, as_float_array, check_lengths


def true_class_proba(y_true: np.ndarray, proba: Any, classes: Any) -> np.ndarray:
    """``proba[i, column of y_true[i]]`` (0 where the label is not a class)."""
    P = np.asarray(proba, dtype=np.float64)
    classes = list(classes)
    if P.ndim != 2 or P.shape[1] != len(classes):
        raise SchemaError(f"proba must be (rows x {len(classes)} classes). Got shape {P.shape}.")
    uniq, codes = factorize(y_true)
    if len(codes) and codes.min() < 0:
        raise SchemaError("A true label is missing; drop rows without a label before scoring them.")
    check_lengths(codes, P)
    column = {c: j for j, c in reversed(list(enumerate(classes)))}
    table = np.array([column.get(u, -1) for u in uniq] + [-1], dtype=np.int64)
    cols = table[codes]
    ok = cols >= 0
    out = np.zeros(len(codes))
    out[ok] = P[np.flatnonzero(ok), cols[ok]]
    return out


def positive_mask(y_true: np.ndarray, pos_label: Any) -> np.ndarray:
    """Whether each true label equals ``pos_label`` (vectorised over distinct labels)."""
    uniq, codes = factorize(y_true)
    if len(codes) and codes.min() < 0:
        raise SchemaError("A true label is missing; drop rows without a label before scoring them.")
    table = np.array([u == pos_label for u in uniq] + [False], dtype=bool)
    return table[codes]


class LogLoss(MeanMetric):
    """Mean negative log-probability of the true label.

    Parameters
    ----------
    eps
        Probabilities are clipped to ``[eps, 1 - eps]``.
    pos_label
        The positive label when predictions are given as one float per row.
    """

    _param_rules: ClassVar[dict[str, Rule]] = {
        "eps": Interval(float, 0, 0.5, open_low=True, open_high=True),
        "pos_label": Satisfies(_is_label, "a label (bool, int, str or float)"),
    }
    input = "proba"
    bigger_is_better = False
    _short = "log_loss"

    def __init__(self, eps: float = 1e-15, pos_label: Any = True) -> None:
        self.eps = eps
        self.pos_label = pos_label
        super().__init__()

    def _losses(self, p: np.ndarray) -> Record:
        loss = -np.log(np.clip(p, self.eps, 1.0 - self.eps))
        return loss, np.ones(len(loss))

    def _encode(self, y_true: Any, y_pred: Any = None, *, proba: Any = None, classes: Any = None) -> Record:
        yt = as_labels(y_true)
        if proba is not None:
            if classes is None:
                raise SchemaError("Pass the class labels of the proba columns: classes=model.classes_.")
            return self._losses(true_class_proba(yt, proba, classes))
        if y_pred is None:
            raise SchemaError("Pass the predictions: proba with classes, or y_pred.")
        seq = y_pred.tolist() if isinstance(y_pred, np.ndarray) and y_pred.dtype.kind == "O" else y_pred
        if isinstance(seq, (list, tuple)) and seq and isinstance(seq[0], Mapping):
            check_lengths(yt, np.asarray(seq, dtype=object))
            p = np.array([float(d.get(t, 0.0)) for t, d in zip(yt.tolist(), seq, strict=True)])
            return self._losses(p)
        score = as_float_array(y_pred, "Predicted probabilities")
        check_lengths(yt, score)
        pos = positive_mask(yt, self.pos_label)
        return self._losses(np.where(pos, score, 1.0 - score))

    def _encode_one(self, y_true: Any, y_pred: Any) -> Record:
        if y_true is None or (isinstance(y_true, float) and math.isnan(y_true)):
            raise SchemaError("The true label is missing; score a record only once its label is known.")
        if isinstance(y_pred, Mapping):
            p = float(y_pred.get(y_true, 0.0))
        else:
            s = float(y_pred)
            p = s if y_true == self.pos_label else 1.0 - s
        return self._losses(np.array([p]))
