"""Bernoulli naive Bayes for streams of binary (or binarised) features."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.params import Interval
from streamlearn.base.registry import register
from streamlearn.naive_bayes._base import BaseNB, softmax_present

# Kernel state tuple: st = (class_counts, n, ones)


@njit(cache=True)
def _score_row(x, st, threshold, alpha, jll, ruled_out, out):  # pragma: no cover - compiled
    class_counts, n, ones = st
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
        for j in range(x.shape[0]):
            v = x[j]
            if v != v:
                continue
            denominator = n[c, j] + 2.0 * alpha
            if v > threshold:
                s += np.log((ones[c, j] + alpha) / denominator)
            else:
                s += np.log((n[c, j] - ones[c, j] + alpha) / denominator)
        jll[c] = s
    softmax_present(jll, ruled_out, class_counts, out)


@njit(cache=True)
def _learn_row(x, c, st, threshold):  # pragma: no cover - compiled
    class_counts, n, ones = st
    class_counts[c] += 1.0
    for j in range(x.shape[0]):
        v = x[j]
        if v != v:
            continue
        n[c, j] += 1.0
        if v > threshold:
            ones[c, j] += 1.0


@njit(cache=True)
def _proba_kernel(X, st, threshold, alpha, out):  # pragma: no cover - compiled
    k = st[0].shape[0]
    jll, ruled_out = np.empty(k), np.empty(k, dtype=np.int64)
    for i in range(X.shape[0]):
        _score_row(X[i], st, threshold, alpha, jll, ruled_out, out[i])


@njit(cache=True)
def _learn_kernel(X, codes, st, threshold):  # pragma: no cover - compiled
    for i in range(X.shape[0]):
        _learn_row(X[i], codes[i], st, threshold)


@njit(cache=True)
def _ttt_kernel(X_pred, X_learn, codes, st, threshold, alpha, out):  # pragma: no cover - compiled
    k = st[0].shape[0]
    jll, ruled_out = np.empty(k), np.empty(k, dtype=np.int64)
    for i in range(X_pred.shape[0]):
        _score_row(X_pred[i], st, threshold, alpha, jll, ruled_out, out[i])
        _learn_row(X_learn[i], codes[i], st, threshold)


@register()
class BernoulliNB(BaseNB):
    """Bernoulli naive Bayes: each feature is present (``x > binarize``) or absent.

    Per (class, feature) the learner counts the records where the feature
    was observed and those where it was present, and estimates

    ``p[c, j] = (present[c, j] + alpha) / (observed[c, j] + 2 * alpha)``.

    A record scores ``log P(c) + sum_j log(p[c, j] if x_j > binarize else
    1 - p[c, j])`` over its observed features, turned into probabilities
    with a softmax (the event model of McCallum and Nigam; scikit-learn's
    and River's ``BernoulliNB`` use the same estimate).

    * Missing values (NaN) are skipped in learning and scoring: a missing
      feature is not taken as absent. Give 0 explicitly for "absent".
    * A feature a class never observed has ``p = 1/2`` for that class; a
      feature no class observed adds the same term to every class.
    * Classes not yet learned have probability 0.

    Parameters
    ----------
    binarize
        Threshold: a value ``> binarize`` counts as present.
    alpha
        Additive (Laplace) smoothing; ``> 0``.

    Examples
    --------
    >>> from streamlearn.naive_bayes import BernoulliNB
    >>> model = BernoulliNB()
    >>> flows = [
    ...     ({"syn": 1, "ack": 0, "payload": 0}, "scan"),
    ...     ({"syn": 1, "ack": 1, "payload": 1}, "normal"),
    ...     ({"syn": 1, "ack": 0, "payload": 0}, "scan"),
    ...     ({"syn": 0, "ack": 1, "payload": 1}, "normal"),
    ... ]
    >>> for x, y in flows:
    ...     _ = model.learn_one(x, y)
    >>> print(model.predict_one({"syn": 1, "ack": 0, "payload": 0}))
    scan
    >>> round(model.predict_proba_one({"syn": 1, "ack": 1, "payload": 0})["normal"], 4)
    0.5

    References
    ----------
    McCallum, A. and Nigam, K. (1998). A comparison of event models for
    naive Bayes text classification. AAAI Workshop on Learning for Text
    Categorization.
    Manning, C. D., Raghavan, P. and Schütze, H. (2008). Introduction to
    Information Retrieval, chapter 13.
    """

    _param_rules = {  # noqa: RUF012
        "binarize": Interval(float),
        "alpha": Interval(float, 0, None, open_low=True),
    }
    _class_arrays = ("class_counts_",)
    _feature_arrays = ("n_", "ones_")
    n_: np.ndarray
    ones_: np.ndarray

    def __init__(self, binarize: float = 0.0, alpha: float = 1.0):
        self.binarize = binarize
        self.alpha = alpha
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        yield {"binarize": 5.0, "alpha": 0.5}

    def _st(self) -> tuple[np.ndarray, ...]:
        return (self.class_counts_, self.n_, self.ones_)

    def _kernel_proba(self, X: np.ndarray, out: np.ndarray) -> None:
        _proba_kernel(X, self._st(), float(self.binarize), float(self.alpha), out)

    def _kernel_learn(self, X: np.ndarray, codes: np.ndarray, ctx: object) -> None:
        _learn_kernel(X, codes, self._st(), float(self.binarize))

    def _kernel_test_then_train(
        self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, ctx: object, out: np.ndarray
    ) -> None:
        _ttt_kernel(X_pred, X_learn, codes, self._st(), float(self.binarize), float(self.alpha), out)
