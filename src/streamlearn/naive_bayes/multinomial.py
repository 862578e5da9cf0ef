"""Multinomial naive Bayes for streams of counts or frequencies."""

from __future__ import annotations

import numpy as np
from numba import njit

from streamlearn.base.errors import SchemaError
from streamlearn.base.params import Interval
from streamlearn.base.registry import register
from streamlearn.naive_bayes._base import BaseNB, softmax_present

# Kernel state tuple: st = (class_counts, totals, feature_counts, column_counts)


@njit(cache=True)
def _vocabulary_size(column_counts):  # pragma: no cover - compiled
    size = 0
    for j in range(column_counts.shape[0]):
        if column_counts[j] > 0.0:
            size += 1
    return size


@njit(cache=True)
def _score_row(x, st, vocab, alpha, jll, ruled_out, out):  # pragma: no cover - compiled
    class_counts, totals, feature_counts, column_counts = st
    k = class_counts.shape[0]
    total = 0.0
    for c in range(k):
        total += class_counts[c]
    for c in range(k):
        ruled_out[c] = 0
        if class_counts[c] <= 0.0:
            jll[c] = -np.inf
            continue
        s = np.log(class_counts[c] / total)
        log_denominator = np.log(totals[c] + alpha * vocab)
        for j in range(x.shape[0]):
            v = x[j]
            if v != v or v == 0.0 or column_counts[j] <= 0.0:
                continue
            s += v * (np.log(feature_counts[c, j] + alpha) - log_denominator)
        jll[c] = s
    softmax_present(jll, ruled_out, class_counts, out)


@njit(cache=True)
def _learn_row(x, c, st, vocab):  # pragma: no cover - compiled
    class_counts, totals, feature_counts, column_counts = st
    class_counts[c] += 1.0
    for j in range(x.shape[0]):
        v = x[j]
        if v != v:
            continue
        if column_counts[j] <= 0.0:
            vocab += 1
        column_counts[j] += 1.0
        feature_counts[c, j] += v
        totals[c] += v
    return vocab


@njit(cache=True)
def _proba_kernel(X, st, alpha, out):  # pragma: no cover - compiled
    k = st[0].shape[0]
    jll, ruled_out = np.empty(k), np.empty(k, dtype=np.int64)
    vocab = _vocabulary_size(st[3])
    for i in range(X.shape[0]):
        _score_row(X[i], st, vocab, alpha, jll, ruled_out, out[i])


@njit(cache=True)
def _learn_kernel(X, codes, st):  # pragma: no cover - compiled
    vocab = _vocabulary_size(st[3])
    for i in range(X.shape[0]):
        vocab = _learn_row(X[i], codes[i], st, vocab)


@njit(cache=True)
def _ttt_kernel(X_pred, X_learn, codes, st, alpha, out):  # pragma: no cover - compiled
    k = st[0].shape[0]
    jll, ruled_out = np.empty(k), np.empty(k, dtype=np.int64)
    vocab = _vocabulary_size(st[3])
    for i in range(X_pred.shape[0]):
        _score_row(X_pred[i], st, vocab, alpha, jll, ruled_out, out[i])
        vocab = _learn_row(X_learn[i], codes[i], st, vocab)


def check_non_negative(model: BaseNB, X: np.ndarray) -> None:
    """Raise ``SchemaError`` naming the first column with a negative value."""
    bad = (X < 0).any(axis=0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        name = model.schema_.names[j]
        raise SchemaError(
            f"{type(model).__name__} learns non-negative counts or frequencies, but column {name!r} "
            f"holds {float(X[:, j].min())!r}. Shift or scale it first (e.g. MinMaxScaler() | "
            f"{type(model).__name__}()), or use GaussianNB."
        )


@register()
class MultinomialNB(BaseNB):
    """Multinomial naive Bayes: features are non-negative counts or frequencies.

    Per class the learner keeps a count, the sum of every feature and the
    total of all features. The likelihood of feature ``j`` in class ``c``
    is the additively smoothed share

    ``theta[c, j] = (N[c, j] + alpha) / (N[c] + alpha * D)``

    where ``N[c, j]`` sums feature ``j`` over the class's records, ``N[c]``
    sums all features, and ``D`` is the vocabulary: the columns learned so
    far. A record scores ``log P(c) + sum_j x_j log theta[c, j]``, turned
    into probabilities with a softmax (as scikit-learn's and River's
    ``MultinomialNB``).

    * Negative values: learning them is an error (``SchemaError``, raised
      before any state changes), since counts cannot be negative and
      clipping would hide a pipeline bug; scale first. When scoring they
      count as 0: a streaming scaler (``MinMaxScaler() | MultinomialNB()``)
      maps a value below the minimum seen so far slightly below 0 before it
      learns it.
    * Missing values (NaN) are skipped; a value of 0 adds nothing.
    * Columns never learned (outside the vocabulary) are ignored when
      scoring, like out-of-vocabulary words.
    * Classes not yet learned have probability 0.

    Parameters
    ----------
    alpha
        Additive (Laplace/Lidstone) smoothing; ``> 0``.

    Examples
    --------
    >>> from streamlearn.naive_bayes import MultinomialNB
    >>> model = MultinomialNB()
    >>> docs = [
    ...     ({"syn": 8, "ack": 0, "fin": 0}, "scan"),
    ...     ({"syn": 1, "ack": 6, "fin": 1}, "normal"),
    ...     ({"syn": 9, "ack": 1, "fin": 0}, "scan"),
    ...     ({"syn": 1, "ack": 5, "fin": 2}, "normal"),
    ... ]
    >>> for x, y in docs:
    ...     _ = model.learn_one(x, y)
    >>> print(model.predict_one({"syn": 6, "ack": 1}))
    scan
    >>> round(model.predict_proba_one({"ack": 3, "fin": 1})["normal"], 4)
    0.9992

    References
    ----------
    McCallum, A. and Nigam, K. (1998). A comparison of event models for
    naive Bayes text classification. AAAI Workshop on Learning for Text
    Categorization.
    Manning, C. D., Raghavan, P. and Schütze, H. (2008). Introduction to
    Information Retrieval, chapter 13.
    """

    _param_rules = {"alpha": Interval(float, 0, None, open_low=True)}  # noqa: RUF012
    _class_arrays = ("class_counts_", "totals_")
    _feature_arrays = ("feature_counts_",)
    _column_arrays = ("column_counts_",)
    totals_: np.ndarray
    feature_counts_: np.ndarray
    column_counts_: np.ndarray

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha
        self._validate_params()

    def _check_input(self, X: np.ndarray) -> None:
        check_non_negative(self, X)

    def _pred_input(self, X: np.ndarray) -> np.ndarray:
        # A scaler that has not yet seen a new minimum maps it slightly below 0: count it as 0.
        return np.maximum(X, 0.0) if (X < 0).any() else X

    def _st(self) -> tuple[np.ndarray, ...]:
        return (self.class_counts_, self.totals_, self.feature_counts_, self.column_counts_)

    def _kernel_proba(self, X: np.ndarray, out: np.ndarray) -> None:
        _proba_kernel(X, self._st(), float(self.alpha), out)

    def _kernel_learn(self, X: np.ndarray, codes: np.ndarray, ctx: object) -> None:
        _learn_kernel(X, codes, self._st())

    def _kernel_test_then_train(
        self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, ctx: object, out: np.ndarray
    ) -> None:
        _ttt_kernel(X_pred, X_learn, codes, self._st(), float(self.alpha), out)
