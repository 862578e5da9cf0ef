"""A growing confusion matrix, and the base of every metric computed from one.

Accuracy, balanced accuracy, precision, recall, F1 and Cohen's kappa are all
functions of the confusion matrix, so they share this base: labels are coded
by a growing vocabulary (order of first appearance, the true label of a row
before its prediction), and each batch adds a ``np.bincount`` of
``true * (k + 1) + pred + 1`` to integer counts. Removing records (rolling
windows, ``revert``) subtracts the same counts, so windows are exact.

A ``None`` prediction (the model had learned nothing yet) is counted in a
separate column ``unpredicted``: it is wrong for every metric (it adds to the
true class's support but to no class's predictions).

Inputs: ``update(y_true, y_pred)`` with a label or a ``{label: probability}``
dict; ``update_many(y_true, y_pred)`` with arrays of labels, or
``update_many(y_true, proba=P, classes=labels)`` where the prediction of a row
is its most probable class (the first on ties; none if all are zero).

>>> cm = ConfusionMatrix()
>>> _ = cm.update_many(["cat", "dog", "dog", "cat"], ["cat", "dog", "cat", None])
>>> cm.labels
['cat', 'dog']
>>> cm.matrix.tolist(), cm.unpredicted.tolist()
([[1, 0], [1, 1]], [1, 0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.metrics._labels import ScoredBatch, Vocab, argmax_labels, as_labels, best_label, factorize
from streamlearn.metrics.base import Metric, Record, check_lengths


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and v != v)


def _scalar(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


class LabelMetric(Metric):
    """Base of the metrics computed from a confusion matrix (rows true, columns predicted)."""

    input = "labels"

    def _init_state(self) -> None:
        self.labels_: list[Any] = []
        self._vocab = Vocab(self.labels_)
        self.matrix_ = np.zeros((0, 0), dtype=np.int64)
        self.unpredicted_ = np.zeros(0, dtype=np.int64)
        self.n_ = 0

    def _after_load(self) -> None:
        self._vocab = Vocab(self.labels_)

    def _clear(self) -> None:
        self.matrix_ = np.zeros_like(self.matrix_)
        self.unpredicted_ = np.zeros_like(self.unpredicted_)
        self.n_ = 0

    # -- encoding -------------------------------------------------------------
    def _encode(
        self,
        y_true: Any,
        y_pred: Any = None,
        *,
        proba: np.ndarray | None = None,
        classes: Any = None,
    ) -> Record:
        true = factorize(as_labels(y_true))
        if proba is not None:
            if classes is None:
                raise SchemaError("Pass the class labels of the proba columns: classes=model.classes_.")
            pred = argmax_labels(proba, list(classes))
        elif y_pred is None:
            raise SchemaError("Pass the predictions: y_pred (labels) or proba with classes.")
        else:
            pred = factorize(as_labels(y_pred))
        return self._encode_factorized(true, pred)

    def _encode_batch(self, batch: ScoredBatch) -> Record:
        """Codes of a classifier's batch. Metrics whose vocabularies hold the same
        labels get the same codes: the first one computes them, the others reuse
        them and learn the same new labels (a prequential run's label metrics)."""
        key = (type(self)._encode_factorized, tuple((type(v), v) for v in self.labels_))
        hit = batch.memo.get(key)
        if hit is not None:
            rec, new = hit
            for v in new:
                self._vocab.add(v)
            return rec  # type: ignore[no-any-return]
        known = len(self.labels_)
        rec = self._encode_factorized(batch.true(), batch.pred())
        batch.memo[key] = (rec, self.labels_[known:])
        return rec

    def _encode_factorized(
        self, true: tuple[list[Any], np.ndarray], pred: tuple[list[Any], np.ndarray]
    ) -> Record:
        """Codes of factorised true and predicted labels (the vocabulary grows)."""
        check_lengths(true[1], pred[1])
        t, p = self._vocab.encode_factorized([true, pred])
        if len(t) and t.min() < 0:
            raise SchemaError(
                f"Row {int(np.argmax(t < 0))} has a missing true label; drop rows without a label "
                "before scoring them."
            )
        return t, p

    def _encode_one(self, y_true: Any, y_pred: Any) -> Record:
        if isinstance(y_pred, dict):
            y_pred = best_label(y_pred)
        if _is_missing(y_true):
            raise SchemaError("The true label is missing; score a record only once its label is known.")
        vocab = self._vocab
        try:
            t = vocab.add(_scalar(y_true))
            p = -1 if _is_missing(y_pred) else vocab.add(_scalar(y_pred))
        except TypeError:
            raise SchemaError("Labels must be hashable scalars (bool, int, str, float).") from None
        return np.array([t], dtype=np.int64), np.array([p], dtype=np.int64)

    # -- counts -----------------------------------------------------------------
    def _grow(self) -> int:
        k = len(self.labels_)
        old = self.matrix_.shape[0]
        if k > old:
            m = np.zeros((k, k), dtype=np.int64)
            m[:old, :old] = self.matrix_
            u = np.zeros(k, dtype=np.int64)
            u[:old] = self.unpredicted_
            self.matrix_, self.unpredicted_ = m, u
        return k

    def _counts(self, t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self._grow()
        if k * (k + 1) <= 4 * len(t) + 64:
            c = np.bincount(t * (k + 1) + (p + 1), minlength=k * (k + 1)).reshape(k, k + 1)
            return c[:, 1:], c[:, 0]
        m = np.zeros((k, k), dtype=np.int64)
        ok = p >= 0
        np.add.at(m, (t[ok], p[ok]), 1)
        return m, np.bincount(t[~ok], minlength=k)

    def _add(self, rec: Record) -> None:
        m, u = self._counts(*rec)
        self.matrix_ += m
        self.unpredicted_ += u
        self.n_ += len(rec[0])

    def update_batch(self, batch: ScoredBatch) -> LabelMetric:
        rec = self._encode_batch(batch)
        if not len(rec[0]):
            return self
        if type(self)._add is not LabelMetric._add:
            self._add(rec)
            return self
        # metrics that got the same codes (see _encode_batch) share the counts too
        key = ("counts", id(rec), self._grow())
        hit = batch.memo.get(key)
        if hit is None or hit[0] is not rec:
            hit = batch.memo[key] = (rec, self._counts(*rec))
        m, u = hit[1]
        self.matrix_ += m
        self.unpredicted_ += u
        self.n_ += len(rec[0])
        return self

    def _remove(self, rec: Record) -> None:
        m, u = self._counts(*rec)
        self.matrix_ -= m
        self.unpredicted_ -= u
        self.n_ -= len(rec[0])

    def _stats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per class: true positives, predicted count, true count (support), and
        whether the class occurs in the counted records at all."""
        self._grow()
        m = self.matrix_
        tp = np.diag(m)
        pred = m.sum(axis=0)
        true = m.sum(axis=1) + self.unpredicted_
        return tp, pred, true, (pred + true) > 0

    def _code(self, label: Any) -> int | None:
        return self._vocab.index.get(label)


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


class ConfusionMatrix(LabelMetric):
    """The confusion matrix of a classifier: ``matrix[i, j]`` counts rows of true
    label ``labels[i]`` predicted as ``labels[j]``.

    ``labels`` are in order of first appearance (true labels and predictions).
    ``unpredicted[i]`` counts rows of true label ``labels[i]`` that got no
    prediction. ``get()`` returns a copy of the matrix.
    """

    _short = "confusion_matrix"

    def __init__(self) -> None:
        super().__init__()

    @property
    def labels(self) -> list[Any]:
        return list(self.labels_)

    @property
    def matrix(self) -> np.ndarray:
        self._grow()
        return self.matrix_.copy()

    @property
    def unpredicted(self) -> np.ndarray:
        self._grow()
        return self.unpredicted_.copy()

    @property
    def n(self) -> int:
        return int(self.n_)

    def get(self) -> np.ndarray:
        return self.matrix

    def __repr__(self) -> str:
        labels = [str(v) for v in self.labels_]
        m = self.matrix
        width = max([len(s) for s in labels] + [len(str(int(m.max()))) if m.size else 1, 4])
        lines = [" " * width + " " + " ".join(s.rjust(width) for s in labels)]
        for name, row in zip(labels, m, strict=True):
            lines.append(name.rjust(width) + " " + " ".join(str(int(v)).rjust(width) for v in row))
        if self.unpredicted_.any():
            lines.append(
                "no prediction: "
                + ", ".join(f"{s}={int(v)}" for s, v in zip(labels, self.unpredicted_, strict=True))
            )
        return "ConfusionMatrix (rows: truth, columns: prediction)\n" + "\n".join(lines)
