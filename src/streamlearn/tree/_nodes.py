"""Struct-of-arrays storage of a Hoeffding tree, and its growth.

Every array lives on the learner as a public attribute ending in ``_`` (so
``save``/``load``/``digest`` see it); the compiled kernels receive them all
at once as a :data:`Tree` named tuple. Each axis of an array has a *role*:

``node``     one entry per node (capacity; ``counters_[N_NODES]`` are in use)
``slot``     one entry per *leaf-statistics slot*: only active leaves own a
             slot; slots of split or deactivated leaves are recycled
``class``    one entry per class code seen (exactly ``max code + 1``)
``feature``  one entry per input column (the width of ``schema_``)
``cat``      the categories of all categorical columns, one block per column
             (``cat_offset_[j]``, ``cat_width_[j]``; width = highest code
             learned + 1)
an int       a fixed size

Growth happens in Python between kernel calls: node and slot capacities
double when a kernel reports that it ran out of room; class, feature and
category axes grow to exactly what the learned data needs. Because every
size is a function of the learned data only, learning a batch at once and
one row at a time give arrays of identical shapes (the check suite compares
them).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

# Node kinds (``kind_``).
LEAF = 0
NUMERIC = 1  # x[feature] <= threshold -> branch 0, else branch 1
MULTIWAY = 2  # branch = category code (codes >= n_children -> missing_branch)
EQUALS = 3  # x[feature] == threshold (a category code) -> branch 0, else branch 1

# Fields of ``num_stats_[slot, feature, class]``: a Gaussian estimator plus
# the range seen. Categorical columns use only ``WEIGHT`` (rows of that class
# with the column present).
WEIGHT, MEAN, M2, MIN, MAX = 0, 1, 2, 3, 4
N_STATS = 5

# ``counters_``: the sizes in use and what the learned data has shown.
N_NODES, S_USED, N_FREE, N_ACTIVE, N_INACTIVE, K_SEEN, D_SEEN, C_SEEN, N_COUNTERS = range(9)

INITIAL_NODES = 16
INITIAL_SLOTS = 8

#: The arrays a kernel sees (the learner's ``<name>_`` attributes, plus ``is_cat``).
Tree = namedtuple(
    "Tree",
    [
        "feature",  # (node,) int64: split feature, -1 for a leaf
        "kind",  # (node,) int64: LEAF, NUMERIC, MULTIWAY or EQUALS
        "threshold",  # (node,) float64: NUMERIC threshold or EQUALS category code
        "child_start",  # (node,) int64: children are child_start .. child_start + n_children - 1
        "n_children",  # (node,) int64
        "missing_branch",  # (node,) int64: branch for missing values / unseen categories
        "depth",  # (node,) int64: root 0
        "parent",  # (node,) int64: -1 for the root
        "slot",  # (node,) int64: statistics slot of an active leaf, else -1
        "class_counts",  # (node, class) float64: class weights seen (kept after a split)
        "last_eval",  # (node,) float64: weight at the last split attempt
        "free_slots",  # (slot,) int64: stack of recycled slots
        "num_stats",  # (slot, feature, class, N_STATS) float64
        "cat_counts",  # (slot, cat, class) float64
        "cat_offset",  # (feature,) int64
        "cat_width",  # (feature,) int64
        "n_values",  # (slot, feature) int64: distinct categories seen at the leaf
        "nba",  # (slot, 2) float64: weight predicted right by majority class / naive Bayes
        "disabled",  # (slot, feature) bool: attributes dropped by remove_poor_attributes
        "counters",  # (N_COUNTERS,) int64
        "cat_seen",  # (feature,) int64: highest category code learned + 1
        "rng",  # (1,) uint64: SplitMix64 state for random feature subsets (unused when none)
        "is_cat",  # (feature,) bool: from the schema (not state)
    ],
)

#: Fields of :data:`Tree` that are not stored under their own name on the learner.
_EXTRA_FIELDS = ("rng", "is_cat")

#: name -> (dtype, axis roles) of every stored array (attribute ``name + "_"``).
LAYOUT: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "feature": (np.int64, ("node",)),
    "kind": (np.int64, ("node",)),
    "threshold": (np.float64, ("node",)),
    "child_start": (np.int64, ("node",)),
    "n_children": (np.int64, ("node",)),
    "missing_branch": (np.int64, ("node",)),
    "depth": (np.int64, ("node",)),
    "parent": (np.int64, ("node",)),
    "slot": (np.int64, ("node",)),
    "class_counts": (np.float64, ("node", "class")),
    "last_eval": (np.float64, ("node",)),
    "free_slots": (np.int64, ("slot",)),
    "num_stats": (np.float64, ("slot", "feature", "class", N_STATS)),
    "cat_counts": (np.float64, ("slot", "cat", "class")),
    "cat_offset": (np.int64, ("feature",)),
    "cat_width": (np.int64, ("feature",)),
    "n_values": (np.int64, ("slot", "feature")),
    "nba": (np.float64, ("slot", 2)),
    "disabled": (np.bool_, ("slot", "feature")),
    "counters": (np.int64, (N_COUNTERS,)),
    "cat_seen": (np.int64, ("feature",)),
}

#: Arrays that describe the category axis itself: one copy shared by the trees of a stack.
SHARED = ("cat_offset", "cat_width")


def stacked(layout: dict[str, tuple[Any, tuple[Any, ...]]]) -> dict[str, tuple[Any, tuple[Any, ...]]]:
    """``layout`` with a leading ``member`` axis on every per-tree array: many trees
    (the members of a forest) in one set of arrays, all of one capacity."""
    return {
        name: (dt, roles if name in SHARED else ("member", *roles)) for name, (dt, roles) in layout.items()
    }


def _pad(a: np.ndarray, axis: int, size: int) -> np.ndarray:
    """``a`` with zeros appended along ``axis`` up to ``size``."""
    if a.shape[axis] >= size:
        return a
    shape = list(a.shape)
    shape[axis] = size
    out = np.zeros(shape, dtype=a.dtype)
    out[tuple(slice(0, n) for n in a.shape)] = a
    return out


class TreeStore:
    """Mixin: builds, grows and packs the arrays of :data:`LAYOUT`.

    Subclasses (the tree learners) call :meth:`_build_store` on first data
    and the ``_reserve_*``/``_fit_*`` methods before each kernel call. With
    ``_layout = stacked(LAYOUT)`` every per-tree array has a leading
    ``member`` axis (a forest): the methods below index with ``...`` so they
    serve both.
    """

    _layout: dict[str, tuple[Any, tuple[Any, ...]]] = LAYOUT
    feature_: np.ndarray
    kind_: np.ndarray
    threshold_: np.ndarray
    child_start_: np.ndarray
    n_children_: np.ndarray
    missing_branch_: np.ndarray
    depth_: np.ndarray
    parent_: np.ndarray
    slot_: np.ndarray
    class_counts_: np.ndarray
    last_eval_: np.ndarray
    free_slots_: np.ndarray
    num_stats_: np.ndarray
    cat_counts_: np.ndarray
    cat_offset_: np.ndarray
    cat_width_: np.ndarray
    n_values_: np.ndarray
    nba_: np.ndarray
    disabled_: np.ndarray
    counters_: np.ndarray
    cat_seen_: np.ndarray

    @property
    def _built(self) -> bool:
        return getattr(self, "counters_", None) is not None

    def _arr(self, name: str) -> np.ndarray:
        return getattr(self, name + "_")  # type: ignore[no-any-return]

    def _size(self, role: str) -> int:
        """The current size of an axis role."""
        for name, (_, roles) in self._layout.items():
            if role in roles:
                return int(self._arr(name).shape[roles.index(role)])
        raise KeyError(role)

    def _build_store(self, width: int, members: int = 0) -> None:
        """Zeroed arrays holding one leaf (per member, for a stack of ``members`` trees)."""
        sizes: dict[Any, int] = {
            "member": members,
            "node": INITIAL_NODES,
            "slot": INITIAL_SLOTS,
            "class": 0,
            "feature": width,
            "cat": 0,
            "det": INITIAL_SLOTS,  # detectors of the adaptive trees
        }
        for name, (dtype, roles) in self._layout.items():
            shape = tuple(r if isinstance(r, int) else sizes[r] for r in roles)
            setattr(self, name + "_", np.zeros(shape, dtype=dtype))
        self.slot_[...] = -1
        self.feature_[...] = -1
        self.parent_[..., 0] = -1
        self.slot_[..., 0] = 0
        c = self.counters_
        c[..., N_NODES], c[..., S_USED], c[..., N_ACTIVE] = 1, 1, 1

    def _resize(self, role: str, size: int) -> None:
        """Grow every axis with this role to ``size`` (zeros appended)."""
        for name, (_, roles) in self._layout.items():
            a = self._arr(name)
            for axis, r in enumerate(roles):
                if r == role:
                    a = _pad(a, axis, size)
            setattr(self, name + "_", a)

    # -- capacities requested by a kernel -----------------------------------------
    def _reserve(self, nodes: int, slots: int) -> None:
        """Make room for ``nodes`` nodes and ``slots`` slots in total (capacity doubles)."""
        n = self._size("node")
        if nodes > n:
            self._resize("node", max(2 * n, nodes))
            self.slot_[..., n:] = -1
            self.feature_[..., n:] = -1
        s = self._size("slot")
        if slots > s:
            self._resize("slot", max(2 * s, slots))

    # -- sizes set by the data ---------------------------------------------------
    def _fit_classes(self, k: int) -> None:
        if k > self._size("class"):
            self._resize("class", k)

    def _fit_features(self, width: int) -> None:
        d = self._size("feature")
        if width > d:
            self._resize("feature", width)
            self.cat_offset_[d:] = self._size("cat")

    def _fit_categories(self, widths: np.ndarray) -> None:
        """Grow the category block of each column ``j`` to ``widths[j]`` codes."""
        old_w = self.cat_width_
        new_w = np.maximum(old_w, widths.astype(np.int64))
        if np.array_equal(new_w, old_w):
            return
        new_off = np.concatenate([[0], np.cumsum(new_w)[:-1]]).astype(np.int64) if len(new_w) else new_w
        for name, (_, roles) in self._layout.items():
            if "cat" not in roles:
                continue
            old = self._arr(name)
            axis = roles.index("cat")
            shape = list(old.shape)
            shape[axis] = int(new_w.sum())
            out = np.zeros(shape, dtype=old.dtype)
            for j in np.flatnonzero(old_w).tolist():
                o, w, n = int(self.cat_offset_[j]), int(old_w[j]), int(new_off[j])
                src = [slice(None)] * old.ndim
                dst = [slice(None)] * old.ndim
                src[axis], dst[axis] = slice(o, o + w), slice(n, n + w)
                out[tuple(dst)] = old[tuple(src)]
            setattr(self, name + "_", out)
        self.cat_width_, self.cat_offset_ = new_w, new_off

    def _tree(self, is_cat: np.ndarray, rng: np.ndarray | None = None) -> Tree:
        """The arrays packed for a kernel call (no copies); ``rng`` is the generator
        state of a tree that draws random feature subsets (else a dummy)."""
        if rng is None:
            rng = np.zeros(1, dtype=np.uint64)
        arrays = [self._arr(name) for name in Tree._fields if name not in _EXTRA_FIELDS]
        return Tree._make([*arrays, rng, is_cat])
