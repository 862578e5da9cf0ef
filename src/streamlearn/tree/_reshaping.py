"""Storage of trees that discard subtrees: the adaptive tree and EFDT.

Their kernels (:mod:`streamlearn.tree._hat_kernels`) mark the nodes of a
discarded subtree ``DEAD``; :meth:`ReshapingTree._compact` renumbers the live
nodes (breadth first from the root, alternates after their node's children)
when the storage runs full and at least half of it is dead. The kernels
reserve room *between* rows only (``has_room``), so a row is never
interrupted, and compaction and growth happen at the same rows whatever the
batch sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.tree import _hat_kernels as H
from streamlearn.tree._adaptive import ADWIN_MAX_BUCKETS, ADWIN_ROWS, N_ASTATS
from streamlearn.tree._learner import TreeClassifierHooks, TreeLearner
from streamlearn.tree._nodes import LAYOUT, LEAF, N_NODES

#: Node arrays of a reshaping tree (no detectors).
RESHAPING_LAYOUT: dict[str, tuple[Any, tuple[Any, ...]]] = {
    **LAYOUT,
    "alt": (np.int64, ("node",)),  # the node's alternate leaf, or -1
    "det": (np.int64, ("node",)),  # the node's detector, or -1
    "hat_counters": (np.int64, (H.N_HC,)),
}

#: ... with a pool of ADWIN detectors (the adaptive tree).
DETECTOR_LAYOUT: dict[str, tuple[Any, tuple[Any, ...]]] = {
    **RESHAPING_LAYOUT,
    "adwin_stats": (np.float64, ("det", N_ASTATS)),
    "adwin_sum": (np.float64, ("det", ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1)),
    "adwin_sqdev": (np.float64, ("det", ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1)),
    "adwin_len": (np.int64, ("det", ADWIN_ROWS)),
    "free_dets": (np.int64, ("det",)),
}

_NO_DETECTORS = (
    np.zeros((0, N_ASTATS)),
    np.zeros((0, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1)),
    np.zeros((0, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1)),
    np.zeros((0, ADWIN_ROWS), dtype=np.int64),
    np.zeros(0, dtype=np.int64),
)


class ReshapingStore(TreeLearner):
    """Mixin: storage, room and compaction of a tree with dead nodes."""

    _layout = RESHAPING_LAYOUT
    alt_: np.ndarray
    det_: np.ndarray
    hat_counters_: np.ndarray

    def _build(self, width: int) -> None:
        self._build_store(width)
        self.alt_[:] = -1
        self.det_[:] = -1

    @property
    def _has_detectors(self) -> bool:
        return "adwin_stats" in self._layout

    def _reserve(self, nodes: int, slots: int, dets: int = 0) -> None:
        n = self._size("node")
        super()._reserve(nodes, slots)
        self.alt_[n:] = -1
        self.det_[n:] = -1
        if self._has_detectors:
            d = self._size("det")
            if dets > d:
                self._resize("det", max(2 * d, dets))

    def _hat(self) -> Any:
        """The reshaping arrays as the kernels take them."""
        if self._has_detectors:
            names = ("adwin_stats", "adwin_sum", "adwin_sqdev", "adwin_len", "free_dets")
            pool: tuple[np.ndarray, ...] = tuple(getattr(self, n + "_") for n in names)
        else:
            pool = _NO_DETECTORS
        return H.Hat._make([self.alt_, self.det_, *pool, self.hat_counters_])

    def _make_room(self, need: np.ndarray) -> None:
        """Compact when at least half the nodes are dead, then grow to ``need``
        (nodes, slots, detectors)."""
        dead = int(self.hat_counters_[H.N_DEAD])
        if dead and 2 * dead >= int(self.counters_[N_NODES]):
            self._compact()
            need[0] -= dead
        self._reserve(int(need[0]), int(need[1]), int(need[2]))

    def _compact(self) -> None:
        """Renumber the live nodes (the tree from its root, and the alternates)
        breadth first, dropping the dead ones; children stay contiguous."""
        kind, start, width, alt = self.kind_, self.child_start_, self.n_children_, self.alt_
        n_old = int(self.counters_[N_NODES])
        new_id = np.full(n_old, -1, dtype=np.int64)
        order = [0]
        new_id[0] = 0
        q = 0
        while q < len(order):
            n = order[q]
            q += 1
            if kind[n] != LEAF:
                s, m = int(start[n]), int(width[n])
                new_id[s : s + m] = np.arange(len(order), len(order) + m)
                order.extend(range(s, s + m))
            if alt[n] >= 0:
                new_id[alt[n]] = len(order)
                order.append(int(alt[n]))
        src = np.array(order, dtype=np.int64)
        live = len(src)
        node_arrays = [name for name, (_, roles) in self._layout.items() if roles[:1] == ("node",)]
        for name in node_arrays:
            a = getattr(self, name + "_")
            a[:live] = a[src]
        split = self.kind_[:live] != LEAF
        self.child_start_[:live][split] = new_id[self.child_start_[:live][split]]
        has_parent = self.parent_[:live] >= 0
        self.parent_[:live][has_parent] = new_id[self.parent_[:live][has_parent]]
        has_alt = self.alt_[:live] >= 0
        self.alt_[:live][has_alt] = new_id[self.alt_[:live][has_alt]]
        for name in node_arrays:  # the freed tail as never used
            getattr(self, name + "_")[live:n_old] = 0
        for name in ("slot", "feature", "alt", "det", "parent"):
            getattr(self, name + "_")[live:n_old] = -1
        self.counters_[N_NODES] = live
        self.hat_counters_[H.N_DEAD] = 0
        self.hat_counters_[H.N_COMPACTIONS] += 1


class ReshapingTree(ReshapingStore, TreeClassifierHooks):
    """A reshaping classification tree (the adaptive tree, EFDT)."""
