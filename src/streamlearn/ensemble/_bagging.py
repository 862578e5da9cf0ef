"""Plumbing of the bagging ensembles over any streamlearn classifier.

Members are clones of a base classifier (``members_``); the ensemble codes
labels and aligns columns once and hands each member the aligned arrays
and the shared schema and labels. Learning a row with weight ``k`` means
learning it ``k`` times (so any classifier can be a base; a weight of 0
skips the row).

Weights come from one SplitMix64 stream per member
(:func:`poisson_draws`), drawn row by row, so a batch and a loop of single
records draw the same numbers. :func:`member_test_then_train` runs one
member over a batch with those weights, exactly as one record at a time:
each run of rows with ``k >= 1`` is one call of the member's own
(compiled) ``_test_then_train`` over the repeated rows, whose prediction
for the first copy of a row is the prediction before learning it; each run
of rows with ``k = 0`` is one ``_proba`` call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier
from streamlearn.tree._adaptive import poisson


@njit(cache=True)
def poisson_draws(state: np.ndarray, lam: float, n: int) -> np.ndarray:
    """``(n, members)`` weights: row ``i`` of member ``e`` is the ``i``-th draw of
    member ``e``'s generator ``state[e]``."""
    out = np.empty((n, state.shape[0]), dtype=np.int64)
    for e in range(state.shape[0]):
        for i in range(n):
            out[i, e] = poisson(lam, state[e])
    return out


def sync(member: Classifier, owner: Classifier) -> None:
    """Give a member the ensemble's schema and labels (it never aligns inputs itself)."""
    member.schema_ = owner.schema_  # type: ignore[attr-defined]
    member.__dict__["labels_"] = owner.classes_
    member._grow(owner.schema_.width)  # type: ignore[attr-defined]


def member_proba(member: Classifier, X: np.ndarray, k: int) -> np.ndarray:
    """``(n, k)`` probabilities of a member (zeros before it learned anything)."""
    out = np.zeros((len(X), k))
    if getattr(member, "schema_", None) is None or not len(X):
        return out
    P = member._proba(X)
    out[:, : P.shape[1]] = P
    return out


def member_learn(member: Classifier, X: np.ndarray, codes: np.ndarray, weights: np.ndarray) -> None:
    """Learn each row ``weights[i]`` times, in order."""
    idx = np.repeat(np.arange(len(X)), weights)
    if len(idx):
        member._learn(X[idx], codes[idx])


def member_test_then_train(
    member: Classifier,
    X_pred: np.ndarray,
    X_learn: np.ndarray,
    codes: np.ndarray,
    weights: np.ndarray,
    k: int,
) -> np.ndarray:
    """The member's prediction for each row before learning it ``weights[i]`` times."""
    n = len(X_learn)
    same = X_pred is X_learn
    out = np.zeros((n, k))
    i = 0
    while i < n:
        learned = weights[i] > 0
        j = i + 1
        while j < n and (weights[j] > 0) == learned:
            j += 1
        if not learned:
            out[i:j] = member_proba(member, X_pred[i:j], k)
        else:
            reps = weights[i:j]
            idx = np.repeat(np.arange(i, j), reps)
            rows = X_learn[idx]
            P = member._test_then_train(rows if same else X_pred[idx], rows, codes[idx])
            first = np.cumsum(reps) - reps
            out[i:j, : P.shape[1]] = P[first]
        i = j
    return out


def top_classes(P: np.ndarray) -> np.ndarray:
    """Each row's first most probable class, -1 where the row is all zeros."""
    if P.shape[1] == 0:
        return np.full(len(P), -1, dtype=np.int64)
    top = P.argmax(axis=1)
    top[P.max(axis=1) <= 0.0] = -1
    return top


def new_members(model: Any, n: int) -> list[Any]:
    return [model.clone() for _ in range(n)]
