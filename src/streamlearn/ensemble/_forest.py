"""Python plumbing shared by the adaptive random forests (classifier and regressor).

A forest keeps its trees in one stacked store (a foreground and a
background tree per member, see :mod:`streamlearn.ensemble._forest_kernels`)
plus, per member, a generator state, two ADWIN detectors (warning, drift)
and counters. This mixin builds that state, computes the per-row pool of
columns random subsets are drawn from, and packs the parameters.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import NONE, Interval, OneOf
from streamlearn.ensemble import _arf_kernels as K
from streamlearn.ensemble._forest_kernels import ADWIN_MAX_BUCKETS, ADWIN_ROWS
from streamlearn.tree import _export
from streamlearn.tree._learner import TreeLearner

MAX_FEATURES = OneOf("sqrt") | NONE | Interval(int, 1, None) | Interval(float, 0, 1, open_low=True)


def subspace_size(max_features: Any, d: int) -> int:
    """Features a leaf observes out of ``d``: ``"sqrt"`` gives
    ``round(sqrt(d)) + 1`` (MOA's ``sqrt(M)+1``), an int that many, a float
    that fraction (rounded), None all; always between 1 and ``d``."""
    if max_features is None:
        m = d
    elif max_features == "sqrt":
        m = round(math.sqrt(d)) + 1
    elif isinstance(max_features, int):
        m = max_features
    else:
        m = round(max_features * d)
    return max(1, min(int(m), d))


def held_bytes(model: Any) -> int:
    """Bytes of the arrays in a learner's state (attributes ending in ``_``)."""
    arrays = (a for k, a in vars(model).items() if k.endswith("_") and not k.startswith("_"))
    return int(sum(a.nbytes for a in arrays if isinstance(a, np.ndarray)))


class ForestMixin(TreeLearner):
    """Mixin: the state and parameters of a forest of stacked trees."""

    #: The namedtuple the forest's kernels take, and the view of one member's tree.
    _forest_type: ClassVar[Any]
    _view: ClassVar[type] = _export.TreeView
    #: Columns of ``acc_`` (per-member running statistics of its predictions).
    _acc_width: ClassVar[int] = 2

    n_models: int
    max_features: Any
    lambda_value: float
    warning_delta: float | None
    drift_delta: float | None
    seed: int | None

    def _build(self, width: int) -> None:
        e = self.n_models
        self._build_store(width, 2 * e)  # a foreground and a background tree per member
        self.width_seen_ = 0  # columns seen with a value in the rows learned (the subsets' pool)
        self.started_ = np.zeros(e, dtype=np.int64)  # whether each member drew its first root
        self.rng_state_ = np.random.SeedSequence(self.seed).generate_state(e, dtype=np.uint64).reshape(e, 1)
        self.fg_ = np.arange(e, dtype=np.int64)
        self.bg_ = np.full(e, -1, dtype=np.int64)
        self.acc_ = np.zeros((e, self._acc_width))
        self.events_ = np.zeros((e, 2), dtype=np.int64)  # warnings, drifts
        self.adwin_stats_ = np.zeros((e, 2, 5))  # [member, warning/drift, ADWIN stats]
        self.adwin_sum_ = np.zeros((e, 2, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1))
        self.adwin_sqdev_ = np.zeros((e, 2, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1))
        self.adwin_len_ = np.zeros((e, 2, ADWIN_ROWS), dtype=np.int64)

    def _pool(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the columns seen with a value so far (that row included), and
        the subset size for each pool width."""
        present = ~np.isnan(X)
        width = X.shape[1]
        last = np.where(present.any(axis=1), width - np.argmax(present[:, ::-1], axis=1), 0)
        pool = np.maximum.accumulate(np.maximum(last, self.width_seen_)).astype(np.int64)
        sizes = np.array([subspace_size(self.max_features, d) for d in range(width + 1)], dtype=np.int64)
        if self.max_features is None:
            sizes[:] = 0
        return pool, sizes

    def _forest(self, is_cat: np.ndarray) -> Any:
        fields = self._forest_type._fields[:-2]
        return self._forest_type._make([*(getattr(self, n + "_") for n in fields), self.rng_state_, is_cat])

    def _forest_params(self) -> tuple[np.ndarray, np.ndarray]:
        ap = np.zeros(K.N_AP)
        ap[K.LAMBDA] = self.lambda_value
        ap[K.WARN_DELTA] = self.warning_delta or 0.5
        ap[K.DRIFT_DELTA] = self.drift_delta or 0.5
        aip = np.zeros(K.N_AIP, dtype=np.int64)
        aip[K.WEIGHTED] = int(getattr(self, "weighted_vote", False))
        aip[K.DRIFT_ON] = int(self.drift_delta is not None)
        aip[K.WARN_ON] = int(self.drift_delta is not None and self.warning_delta is not None)
        return ap, aip

    def tree(self, i: int = 0, background: bool = False) -> Any:
        """Member ``i``'s foreground (or background) tree, as a read-only view."""
        if not self._built:
            raise ValueError("The forest has not learned anything yet.")
        m = int(self.bg_[i] if background else self.fg_[i])
        if m < 0:
            raise ValueError(f"Member {i} has no background tree now.")
        return self._view(self, m)

    def _tree_summaries(self) -> tuple[list[dict[str, Any]], float]:
        """Each member's tree summary (with its background tree's size and its
        warnings and drifts) and the estimated bytes of all trees."""
        trees, estimated = [], 0.0
        for i in range(self.n_models):
            s = _export.summary(self.tree(i))
            bg = int(self.bg_[i])
            estimated += s.pop("estimated_bytes")
            s.pop("bytes")
            s["background_nodes"] = 0
            if bg >= 0:
                b = _export.summary(self.tree(i, background=True))
                s["background_nodes"] = b["n_nodes"]
                estimated += b["estimated_bytes"]
            s["n_warnings"], s["n_drifts"] = (int(v) for v in self.events_[i])
            trees.append(s)
        return trees, estimated

    def _forest_summary(self, trees: list[dict[str, Any]], estimated: float) -> dict[str, Any]:
        return {
            "n_models": self.n_models,
            "n_nodes": sum(t["n_nodes"] for t in trees),
            "n_leaves": sum(t["n_leaves"] for t in trees),
            "n_background": int((self.bg_ >= 0).sum()) if self._built else 0,
            "n_warnings": int(self.events_[:, 0].sum()) if self._built else 0,
            "n_drifts": int(self.events_[:, 1].sum()) if self._built else 0,
            "bytes": held_bytes(self),
            "estimated_bytes": estimated,
            "trees": trees,
        }
