"""Split criteria and the Hoeffding bound (compiled).

A *distribution* is a 1-D array of class weights; a split's outcome is a 2-D
array ``post`` with one row per branch. Both criteria are written as a
*gain* (the impurity of the node minus the weighted impurity of the
branches), so the no-split candidate scores 0 unless a rule says otherwise:

* information gain (Quinlan, 1986), in bits. As in MOA's
  ``InfoGainSplitCriterion`` a split that sends more than ``min_frac`` of the
  weight to fewer than two branches is worthless (``-inf``); this also gives
  the no-split candidate ``-inf``. Range of the merit: ``log2(k)`` for ``k``
  classes present at the node (at least 2).
* Gini gain (Breiman et al., 1984): ``gini(pre) - sum_b w_b / w * gini(b)``.
  MOA and River score ``1 - sum_b w_b / w * gini(b)`` instead; the two
  differ by ``1 - gini(pre)``, the same for every candidate of a node, so
  the decisions are the same. Range: 1.

The Hoeffding bound (Hoeffding, 1963; Domingos and Hulten, 2000):
``eps = sqrt(R^2 ln(1/delta) / (2 n))``.

>>> import numpy as np
>>> round(entropy(np.array([1.0, 1.0])), 6), round(gini(np.array([3.0, 1.0])), 6)
(1.0, 0.375)
>>> round(hoeffding_bound(1.0, 1e-7, 200.0), 6)
0.200737
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

INFO_GAIN = 0
GINI = 1

#: MOA's minimum fraction of the weight a branch needs to count for information gain.
MIN_BRANCH_FRACTION = 0.01


@njit(cache=True)
def entropy(dist: np.ndarray) -> float:
    """Shannon entropy in bits of a class distribution (0 when empty)."""
    s = 0.0
    for c in range(dist.shape[0]):
        if dist[c] > 0.0:
            s += dist[c]
    if s <= 0.0:
        return 0.0
    h = 0.0
    for c in range(dist.shape[0]):
        d = dist[c]
        if d > 0.0:
            p = d / s
            h -= p * math.log2(p)
    return h


@njit(cache=True)
def gini(dist: np.ndarray) -> float:
    """Gini impurity ``1 - sum p_c^2`` of a class distribution (0 when empty)."""
    s = 0.0
    for c in range(dist.shape[0]):
        if dist[c] > 0.0:
            s += dist[c]
    if s <= 0.0:
        return 0.0
    g = 1.0
    for c in range(dist.shape[0]):
        d = dist[c]
        if d > 0.0:
            p = d / s
            g -= p * p
    return g


@njit(cache=True)
def _impurity(dist: np.ndarray, criterion: int) -> float:
    return entropy(dist) if criterion == INFO_GAIN else gini(dist)


@njit(cache=True)
def merit(pre: np.ndarray, post: np.ndarray, n_branches: int, criterion: int, min_frac: float) -> float:
    """Gain of splitting distribution ``pre`` into ``post[:n_branches]``.

    The branch weights are the row sums of ``post``; they may total less
    than ``pre`` (rows with a missing value of the split feature are in
    ``pre`` only).
    """
    total = 0.0
    for b in range(n_branches):
        for c in range(post.shape[1]):
            if post[b, c] > 0.0:
                total += post[b, c]
    if total <= 0.0:
        return -np.inf
    if criterion == INFO_GAIN:
        big = 0
        for b in range(n_branches):
            w = 0.0
            for c in range(post.shape[1]):
                if post[b, c] > 0.0:
                    w += post[b, c]
            if w / total > min_frac:
                big += 1
        if big < 2:
            return -np.inf
    after = 0.0
    for b in range(n_branches):
        w = 0.0
        for c in range(post.shape[1]):
            if post[b, c] > 0.0:
                w += post[b, c]
        if w > 0.0:
            after += w / total * _impurity(post[b], criterion)
    return _impurity(pre, criterion) - after


@njit(cache=True)
def null_merit(criterion: int) -> float:
    """Merit of not splitting: ``-inf`` for information gain (one branch), 0 for Gini."""
    return -np.inf if criterion == INFO_GAIN else 0.0


@njit(cache=True)
def merit_range(pre: np.ndarray, criterion: int) -> float:
    """The range ``R`` of the merit for the Hoeffding bound."""
    if criterion != INFO_GAIN:
        return 1.0
    k = 0
    for c in range(pre.shape[0]):
        if pre[c] > 0.0:
            k += 1
    return math.log2(max(k, 2))


@njit(cache=True)
def hoeffding_bound(r: float, delta: float, n: float) -> float:
    """``sqrt(R^2 ln(1/delta) / (2 n))``: with probability ``1 - delta`` the
    mean of ``n`` draws in a range ``R`` is within this of its expectation."""
    return math.sqrt(r * r * math.log(1.0 / delta) / (2.0 * n))
