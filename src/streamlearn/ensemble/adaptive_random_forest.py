"""Adaptive random forest classifier (ARF)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from streamlearn.base.learner import Classifier
from streamlearn.base.params import BOOL, NONE, SEED, Interval, OneOf
from streamlearn.base.registry import register
from streamlearn.ensemble import _arf_kernels as K
from streamlearn.ensemble._forest import MAX_FEATURES, ForestMixin, subspace_size
from streamlearn.ensemble._forest_kernels import Forest, combine
from streamlearn.tree import _export
from streamlearn.tree._learner import rows_pair
from streamlearn.tree._nodes import LAYOUT, stacked

__all__ = ["AdaptiveRandomForestClassifier", "subspace_size"]


@register("adaptive_random_forest")
class AdaptiveRandomForestClassifier(ForestMixin, Classifier):
    """Adaptive random forest: Hoeffding trees on random feature subsets, with
    online bagging and a drift detector per tree (Gomes et al., 2017).

    Each of the ``n_models`` members holds a Hoeffding tree (the semantics of
    :class:`~streamlearn.tree.HoeffdingTreeClassifier`) whose every new leaf
    observes only ``max_features`` features drawn at random, so the trees
    differ in the splits they can make. For each record, each member:

    1. votes with its tree (the record is not learned yet); the forest's
       prediction is the sum of the members' class distributions, each
       weighted by its member's accuracy since its tree became the
       foreground one (``weighted_vote``), normalised;
    2. draws a weight ``k ~ Poisson(lambda_value)`` (online bagging,
       ``lambda_value = 6`` as in leveraging bagging); with ``k = 0`` it
       skips the record; else its tree (and its background tree, if any)
       learns the record with weight ``k``;
    3. feeds its vote's 0/1 error to two ADWIN detectors: a *warning*
       (``warning_delta``) starts a fresh background tree, which learns
       alongside; a *drift* (``drift_delta``) replaces the tree by its
       background tree (or, without one, by a fresh tree), and resets the
       detectors and the accuracy.

    Each member draws its Poisson weights and its feature subsets from its
    own generator (SplitMix64, seeded from ``seed``), so a test-then-train
    batch runs the members one after the other through the whole batch in
    one compiled loop and gives exactly the results of one record at a time.

    * **Missing values** (NaN) and **categorical columns**: as in the
      Hoeffding tree. A leaf draws its subset from the columns seen with a
      value so far (its size from their number); **new features** (columns
      first seen later) are observed by the leaves that exist then and are
      candidates for the subsets of leaves created afterwards. So the draws
      depend on the data only, never on how the stream is cut into batches.
      **New classes** grow every tree.
    * Detectors: ADWIN (clock 32, 5 buckets per row, minimum window 5; see
      :class:`~streamlearn.drift.ADWIN`) on the member's errors of the
      records it learned (``k > 0``), as River.
    * Memory: ``max_size`` bounds each tree (MiB), as in the Hoeffding tree;
      ``summary()`` reports the forest's arrays and each tree's size.

    Differences from MOA's ``AdaptiveRandomForest``, by design: a background
    tree learns with the member's weight ``k`` (MOA: weight 1), the detectors
    see the vote made before learning the record (MOA: the tree's prediction
    after learning it), and a drift without a background tree also resets
    the warning detector. These follow River's ``ARFClassifier``.

    Parameters
    ----------
    n_models
        Members (trees) in the forest.
    max_features
        Features each new leaf observes: ``"sqrt"`` (``round(sqrt(M)) + 1`` of
        the ``M`` features seen so far, as MOA), an int, a fraction in
        ``(0, 1]`` (rounded), or None (all: no random subspaces).
    lambda_value
        Mean of the Poisson weights (``<= 100``).
    grace_period, delta, tau, split_criterion, leaf_prediction, nb_threshold
        The trees' parameters (see :class:`~streamlearn.tree.HoeffdingTreeClassifier`).
    n_split_candidates, binary_split, max_depth, max_size
        The trees' parameters (see :class:`~streamlearn.tree.HoeffdingTreeClassifier`);
        the defaults are those of MOA's and River's ARF (``max_size`` in MiB per tree).
    warning_delta
        Confidence of the warning ADWINs; None: no background trees.
    drift_delta
        Confidence of the drift ADWINs; None: no drift detection (nor warnings).
    weighted_vote
        Weight each member's vote by its accuracy (else equal weights).
    seed
        Seed of the members' generators (None: from the operating system).

    Examples
    --------
    The SEA stream switches concept at row 2,000:

    >>> from streamlearn.ensemble import AdaptiveRandomForestClassifier
    >>> from streamlearn.datasets.synth import SEA
    >>> X, y, schema = SEA(n_rows=4000, drifts=[(2000, 3, 0)], seed=1).to_arrays()
    >>> model = AdaptiveRandomForestClassifier(n_models=5, seed=42)
    >>> pred = model.test_then_train_many(X, y, schema=schema)
    >>> print(f"{(pred == y).mean():.3f}")
    0.957
    >>> model.summary()["n_drifts"]
    2

    References
    ----------
    H. M. Gomes, A. Bifet, J. Read, J. P. Barddal, F. Enembreck, B. Pfahringer,
    G. Holmes and T. Abdessalem (2017). Adaptive random forests for evolving
    data stream classification. Machine Learning 106, 1469-1495.
    N. C. Oza and S. Russell (2001). Online bagging and boosting. AISTATS.
    A. Bifet and R. Gavaldà (2007). Learning from time-changing data with
    adaptive windowing. SDM.
    """

    accepts_categorical = True
    _layout = stacked(LAYOUT)
    _forest_type = Forest
    _param_rules = {  # noqa: RUF012
        "n_models": Interval(int, 1, None),
        "max_features": MAX_FEATURES,
        "lambda_value": Interval(float, 0, 100, open_low=True),
        "grace_period": Interval(int, 1, None),
        "delta": Interval(float, 0, 1, open_low=True, open_high=True),
        "tau": Interval(float, 0, None),
        "split_criterion": OneOf("info_gain", "gini"),
        "leaf_prediction": OneOf("mc", "nb", "nba"),
        "nb_threshold": Interval(int, 0, None),
        "n_split_candidates": Interval(int, 1, None),
        "binary_split": BOOL,
        "max_depth": NONE | Interval(int, 0, None),
        "max_size": NONE | Interval(float, 0, None, open_low=True),
        "warning_delta": NONE | Interval(float, 0, 1, open_low=True, open_high=True),
        "drift_delta": NONE | Interval(float, 0, 1, open_low=True, open_high=True),
        "weighted_vote": BOOL,
        "seed": SEED,
    }

    def __init__(
        self,
        n_models: int = 10,
        max_features: str | int | float | None = "sqrt",
        lambda_value: float = 6.0,
        grace_period: int = 50,
        delta: float = 0.01,
        tau: float = 0.05,
        split_criterion: str = "info_gain",
        leaf_prediction: str = "nba",
        nb_threshold: int = 0,
        n_split_candidates: int = 10,
        binary_split: bool = False,
        max_depth: int | None = None,
        max_size: float | None = 100.0,
        warning_delta: float | None = 0.01,
        drift_delta: float | None = 0.001,
        weighted_vote: bool = True,
        seed: int | None = None,
    ):
        self.n_models = n_models
        self.max_features = max_features
        self.lambda_value = lambda_value
        self.grace_period = grace_period
        self.delta = delta
        self.tau = tau
        self.split_criterion = split_criterion
        self.leaf_prediction = leaf_prediction
        self.nb_threshold = nb_threshold
        self.n_split_candidates = n_split_candidates
        self.binary_split = binary_split
        self.max_depth = max_depth
        self.max_size = max_size
        self.warning_delta = warning_delta
        self.drift_delta = drift_delta
        self.weighted_vote = weighted_vote
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"n_models": 3, "seed": 1}
        # the check data has 120 rows: these settings split, detect drifts and swap trees
        yield {
            "n_models": 4,
            "grace_period": 5,
            "delta": 0.2,
            "tau": 0.5,
            "warning_delta": 0.99,
            "drift_delta": 0.9,
            "max_features": 0.5,
            "seed": 2,
        }
        yield {
            "n_models": 2,
            "grace_period": 5,
            "delta": 0.2,
            "tau": 0.5,
            "leaf_prediction": "mc",
            "binary_split": True,
            "max_size": 0.002,
            "warning_delta": None,
            "drift_delta": 0.5,
            "weighted_vote": False,
            "max_features": 2,
            "seed": 3,
        }

    def _drive(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, predict: bool) -> np.ndarray:
        """Run the forest over the batch (growing storage when a tree asks);
        the members' votes ``(n_models, n, k)`` and weights ``(n_models, n)``."""
        fp, ip = self._params()
        ap, aip = self._forest_params()
        is_cat = self._is_cat()
        e, n, k = self.n_models, len(X_learn), self._size("class")
        votes = np.zeros((e, n if predict else 0, k))
        weights = np.zeros((e, n if predict else 0))
        resume = np.zeros(K.N_RESUME, dtype=np.int64)
        same = X_pred is X_learn
        pool, sizes = self._pool(X_learn)
        while not K.run(
            self._forest(is_cat), self.fg_, self.bg_, self.acc_, self.events_, self.started_,
            self.adwin_stats_, self.adwin_sum_, self.adwin_sqdev_, self.adwin_len_,
            X_pred, X_learn, codes, pool, sizes, votes, weights, predict, same, resume, fp, ip, ap, aip,
        ):  # fmt: skip
            self._reserve(int(resume[K.R_NODES]), int(resume[K.R_SLOTS]))
        if n:
            self.width_seen_ = int(pool[-1])
        out = np.zeros((n, k))
        if predict:
            combine(votes, weights, out)
        return out

    # -- Classifier hooks ---------------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        self._prepare(X, codes)
        self._drive(X, X, codes, False)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        if not self._built:
            return np.zeros((len(X), 0))
        X = np.ascontiguousarray(X, dtype=np.float64)
        self._fit_features(X.shape[1])
        e, n, k = self.n_models, len(X), self._size("class")
        out = np.zeros((n, k))
        if n:
            fp, ip = self._params()
            _, aip = self._forest_params()
            votes, weights = np.zeros((e, n, k)), np.zeros((e, n))
            K.predict(self._forest(self._is_cat()), self.fg_, self.acc_, X, votes, weights, fp, ip, aip)
            combine(votes, weights, out)
        return out

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        X_pred, X_learn, _ = rows_pair(X_pred, X_learn)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        self._prepare(X_learn, codes)
        out = self._drive(X_pred, X_learn, codes, True) if len(X_learn) else np.zeros((0, 0))
        full = np.zeros((len(X_learn), len(self.classes_)))
        full[:, : out.shape[1]] = out
        return full

    # -- inspection -----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Size and state of the forest: ``n_models``, ``n_nodes`` and ``n_leaves``
        (foreground trees), ``n_background``, ``n_warnings``, ``n_drifts``,
        ``bytes`` (all arrays held, capacity included), ``estimated_bytes``
        (the trees' size estimates, background trees included) and ``trees``
        (per member: its tree's summary, ``accuracy``, ``background_nodes``,
        ``n_warnings``, ``n_drifts``)."""
        if not self._built:
            return {
                "n_models": self.n_models, "n_nodes": 0, "n_leaves": 0, "n_background": 0,
                "n_warnings": 0, "n_drifts": 0, "bytes": 0, "estimated_bytes": 0.0, "trees": [],
            }  # fmt: skip
        trees, estimated = self._tree_summaries()
        for i, t in enumerate(trees):
            seen, right = self.acc_[i]
            t["accuracy"] = float(right / seen) if seen else 0.0
        return self._forest_summary(trees, estimated)

    def to_text(self, tree: int = 0) -> str:
        """Member ``tree``'s foreground tree as indented text."""
        return _export.to_text(self.tree(tree)) if self._built else "(empty forest)"

    def to_dot(self, tree: int = 0) -> str:
        """Member ``tree``'s foreground tree in Graphviz dot format."""
        return _export.to_dot(self.tree(tree)) if self._built else _export.to_dot(self)
