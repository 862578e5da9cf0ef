"""Compiled pieces shared by the tree ensembles: a stack of trees, random
draws, per-member drift detectors and the weighted vote.

A forest keeps all its trees in one :class:`~streamlearn.tree._nodes.TreeStore`
whose arrays have a leading *member* axis (``Forest``: the stacked arrays,
the generator states and ``is_cat``). :func:`member` views one member as the
:data:`~streamlearn.tree._nodes.Tree` the tree kernels take, so a forest
runs exactly the Hoeffding tree's code on each of its trees.

Random numbers come from one SplitMix64 state per ensemble member
(``rng[i]``, shared by its foreground and background tree), consumed in a
fixed order per record, so a batch and a loop of single records draw the
same numbers.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from streamlearn.tree._adaptive import ADWIN_MAX_BUCKETS, ADWIN_ROWS, adwin_add, adwin_reset, poisson
from streamlearn.tree._kernels import take_slot
from streamlearn.tree._nodes import LAYOUT, N_ACTIVE, N_COUNTERS, N_NODES, Tree

#: The stacked arrays (``LAYOUT`` names, member axis first except the shared
#: category layout), ``rng`` ``(members_of_ensemble, 1)`` uint64 and ``is_cat``.
Forest = namedtuple("Forest", [*LAYOUT, "rng", "is_cat"])  # type: ignore[misc]

__all__ = [
    "ADWIN_MAX_BUCKETS", "ADWIN_ROWS", "Forest", "adwin_add", "adwin_reset", "combine", "member",
    "poisson", "reset_tree", "top_class", "vote_weight",
]  # fmt: skip


@njit(cache=True)
def member(f, m: int, r: int):  # type: ignore[no-untyped-def]
    """Member ``m`` of the stack as a :data:`Tree` (views, no copies), drawing
    from generator ``r``."""
    return Tree(
        f.feature[m], f.kind[m], f.threshold[m], f.child_start[m], f.n_children[m],
        f.missing_branch[m], f.depth[m], f.parent[m], f.slot[m], f.class_counts[m],
        f.last_eval[m], f.free_slots[m], f.num_stats[m], f.cat_counts[m], f.cat_offset,
        f.cat_width, f.n_values[m], f.nba[m], f.disabled[m], f.counters[m], f.cat_seen[m],
        f.rng[r], f.is_cat,
    )  # fmt: skip


@njit(cache=True)
def reset_tree(t, ip) -> None:  # type: ignore[no-untyped-def]
    """Make ``t`` a fresh tree: one active leaf (with a new random feature subset)
    and no learned sizes. Storage capacity is kept."""
    c = t.counters
    for n in range(c[N_NODES]):
        t.kind[n] = 0
        t.feature[n] = -1
        t.threshold[n] = 0.0
        t.child_start[n] = 0
        t.n_children[n] = 0
        t.missing_branch[n] = 0
        t.depth[n] = 0
        t.parent[n] = -1
        t.slot[n] = -1
        t.last_eval[n] = 0.0
        for k in range(t.class_counts.shape[1]):
            t.class_counts[n, k] = 0.0
    for i in range(N_COUNTERS):
        c[i] = 0
    for j in range(t.cat_seen.shape[0]):
        t.cat_seen[j] = 0
    c[N_NODES] = 1
    c[N_ACTIVE] = 1
    t.slot[0] = take_slot(t, ip)


# -- votes ----------------------------------------------------------------------------------
@njit(cache=True)
def top_class(p: np.ndarray) -> int:
    """The first most probable class of a vote, -1 when the vote is empty."""
    best = -1
    for c in range(p.shape[0]):
        if p[c] > 0.0 and (best < 0 or p[c] > p[best]):
            best = c
    return best


@njit(cache=True)
def vote_weight(seen: float, correct: float, weighted: bool) -> float:
    """A member's weight in the vote: its accuracy since it became the
    foreground (1 when unweighted or when that accuracy is 0, as MOA and River)."""
    if weighted and seen > 0.0:
        a = correct / seen
        if a > 0.0:
            return a
    return 1.0


@njit(cache=True)
def combine(votes: np.ndarray, weights: np.ndarray, out: np.ndarray) -> None:
    """``out[i]``: the members' votes ``votes[m, i]`` (each a distribution, or
    all zeros) summed with weights ``weights[m, i]``, then normalised."""
    n_members, n, k = votes.shape
    for i in range(n):
        for c in range(k):
            out[i, c] = 0.0
        for m in range(n_members):
            w = weights[m, i]
            for c in range(k):
                out[i, c] += votes[m, i, c] * w
        tot = 0.0
        for c in range(k):
            tot += out[i, c]
        if tot > 0.0:
            for c in range(k):
                out[i, c] /= tot
