"""Per-record logic of the extremely fast decision tree (compiled).

EFDT (Manapragada, Webb and Salehi, 2018) is a Hoeffding tree whose split
nodes keep their statistics slot and keep learning. A leaf splits as soon
as its best split beats *not splitting* (gain 0) by the Hoeffding bound
(``ip[ANYTIME]`` in :func:`~streamlearn.tree._kernels.attempt_split`); a
split node re-evaluates its split every ``min_samples_reevaluate`` weight
(:func:`reevaluate`). Discarded subtrees become DEAD nodes, reclaimed by
compaction, and room is reserved between rows, as in the adaptive tree
(:mod:`streamlearn.tree._hat_kernels`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from streamlearn.tree._criteria import hoeffding_bound, merit_range
from streamlearn.tree._hat_kernels import has_room, kill, route_step
from streamlearn.tree._kernels import (
    CRITERION,
    DELTA,
    LEAF,
    TAU,
    attempt_split,
    best_splits,
    leaf_votes,
    learn_leaf,
    node_weight,
    route,
    split_dists,
    split_leaf,
    split_width,
    wants_split,
)
from streamlearn.tree._nodes import N_ACTIVE

# ``ep`` (floats)
REEVAL, N_EP = range(2)
# ``hc`` entries of EFDT (same array as the adaptive tree's; only these are used)
N_RESPLIT, N_COLLAPSED = 3, 4


@njit(cache=True)
def _prune(t, h, n: int) -> None:
    """Discard split node ``n``'s children; ``n`` becomes an active leaf with its statistics."""
    for b in range(t.n_children[n]):
        kill(t, h, t.child_start[n] + b, -1)
    t.kind[n] = LEAF
    t.feature[n] = -1
    t.threshold[n] = 0.0
    t.child_start[n] = 0
    t.n_children[n] = 0
    t.missing_branch[n] = 0
    t.counters[N_ACTIVE] += 1


@njit(cache=True)
def reevaluate(t, h, n: int, fp, ip) -> bool:  # type: ignore[no-untyped-def]
    """Re-evaluate split node ``n`` from the statistics it kept; whether it changed.

    With ``eps`` the Hoeffding bound at the node's weight: when no attribute
    offers a valid split any more (information gain's minimum-branch rule),
    the subtree collapses into a leaf; when the best attribute is another
    one than the node splits on and beats the current attribute's best
    split by more than ``eps`` (or ``eps < tau``), the subtree is replaced
    by a split on it with fresh leaves. A better threshold on the same
    attribute changes nothing.
    """
    s = t.slot[n]
    pre = t.class_counts[n]
    w = node_weight(t, n)
    t.last_eval[n] = w
    present = 0
    for c in range(pre.shape[0]):
        if pre[c] > 0.0:
            present += 1
    if present < 2 or s < 0:
        return False
    k = pre.shape[0]
    post = np.empty((2, k))
    merits = np.empty(t.num_stats.shape[1])
    _, best_m, _, best_j, best_kind, best_val = best_splits(t, s, pre, fp, ip, post, merits)
    if best_j < 0 or best_m == -np.inf:
        _prune(t, h, n)
        h.hc[N_COLLAPSED] += 1
        return True
    cur = t.feature[n]
    current = merits[cur] if merits[cur] == merits[cur] else -np.inf
    eps = hoeffding_bound(merit_range(pre, ip[CRITERION]), fp[DELTA], w)
    if best_j != cur and best_m > 1e-10 and (best_m - current > eps or eps < fp[TAU]):
        _prune(t, h, n)
        m = split_width(t, s, best_j, best_kind)
        split_leaf(t, n, best_j, best_kind, best_val, split_dists(t, s, best_j, best_kind, best_val, m), ip)
        h.hc[N_RESPLIT] += 1
        return True
    return False


@njit(cache=True)
def learn(t, h, x, c: int, mc: int, nb: int, fp, ip, ep) -> None:  # type: ignore[no-untyped-def]
    """Learn row ``x`` (class ``c``): every split node on its path learns it and,
    when due, re-evaluates (a node that changes ends the row there: its new
    subtree starts afresh); then the leaf learns and may split."""
    n = 0
    while t.kind[n] != LEAF:
        learn_leaf(t, n, x, c, 1.0, -1, -1, ip)
        if node_weight(t, n) - t.last_eval[n] >= ep[REEVAL] and reevaluate(t, h, n, fp, ip):
            return
        j = t.feature[n]
        n = route_step(t, n, x[j] if j < x.shape[0] else np.nan)
    learn_leaf(t, n, x, c, 1.0, mc, nb, ip)
    if wants_split(t, n, fp, ip):
        attempt_split(t, n, fp, ip)
        t.last_eval[n] = node_weight(t, n)


@njit(cache=True)
def run(t, h, X_pred, X_learn, codes, out, predict: bool, same: bool, start: int, need, fp, ip, ep) -> int:  # type: ignore[no-untyped-def]
    """Learn rows ``start..`` of ``X_learn`` (test-then-train when ``predict``).
    Returns ``len(X_learn)`` when done, else the row to resume at once the
    storage holds ``need`` (nodes, slots)."""
    n = X_learn.shape[0]
    k = t.class_counts.shape[1]
    lv = np.empty(k)
    own = np.empty(k)
    for i in range(start, n):
        x = X_learn[i]
        if not has_room(t, h, x, need, False):
            return i
        if predict:
            leaf = route(t, X_pred[i])
            mc, nb = leaf_votes(t, leaf, X_pred[i], fp, ip, lv, out[i], True)
        if not (predict and same):
            leaf = route(t, x)
            mc, nb = leaf_votes(t, leaf, x, fp, ip, lv, own, False)
        learn(t, h, x, codes[i], mc, nb, fp, ip, ep)
    return n
