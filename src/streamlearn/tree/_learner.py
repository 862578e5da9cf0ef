"""Python plumbing shared by the tree learners: kernel parameters and sizing.

:class:`TreeLearner` packs a learner's tree parameters into the two small
arrays the kernels take (``fp`` floats, ``ip`` ints; see
:mod:`streamlearn.tree._kernels`) and sizes the class, feature and category
axes of its :class:`~streamlearn.tree._nodes.TreeStore` before each kernel
call (kernels never grow those axes). Learners without some parameter (no
``remove_poor_attributes`` in a forest, say) get its neutral value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.base.schema import CAT
from streamlearn.tree import _kernels as K
from streamlearn.tree._criteria import GINI, INFO_GAIN, MIN_BRANCH_FRACTION
from streamlearn.tree._nodes import TreeStore

CRITERIA = {"info_gain": INFO_GAIN, "gini": GINI}
LEAF_PREDICTIONS = {"mc": K.MC, "nb": K.NB, "nba": K.NBA}


def rows_pair(X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """The rows to predict and to learn as contiguous float64 arrays, and whether they are the same
    array. Predicted rows narrower than the learned ones (a column that appeared while learning)
    get NaN (missing) in the new columns."""
    same = X_pred is X_learn
    X_learn = np.ascontiguousarray(X_learn, dtype=np.float64)
    X_pred = X_learn if same else np.ascontiguousarray(X_pred, dtype=np.float64)
    if X_pred.shape[1] < X_learn.shape[1]:
        X_pred = np.hstack([X_pred, np.full((len(X_pred), X_learn.shape[1] - X_pred.shape[1]), np.nan)])
    return X_pred, X_learn, same


class TreeLearner(TreeStore):
    """Mixin for learners built on a :class:`TreeStore` (one tree or a stack)."""

    schema_: Any

    def _subspace(self) -> int:
        """Features each new leaf observes (0: all). Forests override this."""
        return 0

    def _params(self) -> tuple[np.ndarray, np.ndarray]:
        """``(fp, ip)``: the tree parameters as the kernels take them."""
        g = self.__dict__.get
        fp = np.zeros(K.N_FP)
        fp[K.GRACE] = g("grace_period", 200)
        fp[K.DELTA] = g("delta", 1e-7)
        fp[K.TAU] = g("tau", 0.05)
        fp[K.NB_THRESHOLD] = g("nb_threshold", 0)
        max_size = g("max_size")
        fp[K.MAX_BYTES] = np.inf if max_size is None else max_size * 2**20
        fp[K.MIN_FRAC] = MIN_BRANCH_FRACTION
        ip = np.zeros(K.N_IP, dtype=np.int64)
        ip[K.CRITERION] = CRITERIA[g("split_criterion", "info_gain")]
        ip[K.LEAF_PRED] = LEAF_PREDICTIONS[g("leaf_prediction", "nba")]
        ip[K.N_CANDIDATES] = g("n_split_candidates", 10)
        ip[K.BINARY] = int(g("binary_split", False))
        max_depth = g("max_depth")
        ip[K.MAX_DEPTH] = -1 if max_depth is None else max_depth
        ip[K.REMOVE_POOR] = int(g("remove_poor_attributes", False))
        ip[K.SUBSPACE] = self._subspace()
        return fp, ip

    def _is_cat(self) -> np.ndarray:
        kinds = self.schema_.kinds
        return np.array([k == CAT for k in kinds], dtype=np.bool_)[: self._size("feature")]

    # -- growth ---------------------------------------------------------------------
    def _build(self, width: int) -> None:
        """Build the store on first data (forests override this)."""
        self._build_store(width)

    def _grow(self, width: int) -> None:
        if self._built:
            self._fit_features(width)

    def _prepare(self, X: np.ndarray, codes: np.ndarray | None) -> None:
        """Size class (unless ``codes`` is None: a regressor), feature and category
        axes for learning ``X`` (kernels never grow them)."""
        if not self._built:
            self._build(X.shape[1])
        self._fit_features(X.shape[1])
        if codes is not None and len(codes):
            self._fit_classes(int(codes.max()) + 1)
        is_cat = self._is_cat()
        if is_cat.any() and len(X):
            sub = X[:, : len(is_cat)][:, is_cat]
            top = np.where(np.isnan(sub), -1.0, sub).max(axis=0)
            widths = np.zeros(len(is_cat), dtype=np.int64)
            widths[is_cat] = top.astype(np.int64) + 1
            self._fit_categories(widths)


class TreeClassifierHooks(TreeLearner):
    """The classifier hooks of a single-tree learner whose ``_drive(X_pred,
    X_learn, codes, out, same)`` runs its learning kernel over a batch."""

    def _drive(
        self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, out: np.ndarray | None, same: bool
    ) -> None:
        raise NotImplementedError

    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        self._prepare(X, codes)
        self._drive(X, X, codes, None, False)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        if not self._built:
            return np.zeros((len(X), 0))
        X = np.ascontiguousarray(X, dtype=np.float64)
        self._fit_features(X.shape[1])
        out = np.zeros((len(X), self._size("class")))
        if len(X):
            fp, ip = self._params()
            K.predict(self._tree(self._is_cat()), X, out, fp, ip)
        return out

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        X_pred, X_learn, same = rows_pair(X_pred, X_learn)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        self._prepare(X_learn, codes)
        out = np.zeros((len(X_learn), self._size("class")))
        if len(X_learn):
            self._drive(X_pred, X_learn, codes, out, same)
        full = np.zeros((len(X_learn), len(self.classes_)))  # type: ignore[attr-defined]
        full[:, : out.shape[1]] = out
        return full
