"""Adaptive random forest regressor (ARF-Reg)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from streamlearn.base.learner import Regressor
from streamlearn.base.params import BOOL, NONE, SEED, Interval, OneOf
from streamlearn.base.registry import register
from streamlearn.ensemble import _arf_kernels as K
from streamlearn.ensemble import _arfr_kernels as KR
from streamlearn.ensemble._forest import MAX_FEATURES, ForestMixin
from streamlearn.tree import _export
from streamlearn.tree._export import TreeView
from streamlearn.tree._learner import rows_pair
from streamlearn.tree._nodes import stacked
from streamlearn.tree.hoeffding_tree_regressor import REGRESSION_LAYOUT, RegressionTreeStore


class RegressionTreeView(TreeView, RegressionTreeStore):
    """One member's regression tree, viewed as a single tree."""


@register()
class AdaptiveRandomForestRegressor(ForestMixin, RegressionTreeStore, Regressor):
    """Adaptive random forest for regression: Hoeffding tree regressors on
    random feature subsets, with online bagging and drift detection per tree
    (Gomes et al., 2018).

    The members work as in
    :class:`~streamlearn.ensemble.AdaptiveRandomForestClassifier`, with
    :class:`~streamlearn.tree.HoeffdingTreeRegressor` trees (variance
    reduction; mean, linear-model or adaptive leaves): each member predicts
    the record before learning it, draws ``k ~ Poisson(lambda_value)`` and,
    with ``k > 0``, learns it with weight ``k``; its signed error on the
    record, min-max normalised into ``[0, 1]`` with the running standard
    deviation of its errors (``(e + 3 sd) / (6 sd)``, as River), feeds a
    warning ADWIN (starts a background tree) and a drift ADWIN (swaps it in,
    or resets the tree). The forest predicts the median (default, River's)
    or the mean of its members' predictions. Exact batch vs one record at a
    time, as the classifier.

    Parameters
    ----------
    n_models
        Members (trees).
    max_features
        Features each new leaf observes (as the classifier's).
    lambda_value
        Mean of the Poisson weights (``<= 100``).
    aggregation_method
        ``"median"`` or ``"mean"`` of the members' predictions.
    grace_period, delta, tau, leaf_prediction, learning_rate, model_selector_decay
        The trees' parameters (see :class:`~streamlearn.tree.HoeffdingTreeRegressor`).
    min_samples_split, binary_split, max_depth
        The trees' parameters; the defaults are River's ``ARFRegressor``'s.
    warning_delta
        Confidence of the warning ADWINs; None: no background trees.
    drift_delta
        Confidence of the drift ADWINs; None: no drift detection.
    seed
        Seed of the members' generators (None: from the operating system).

    Examples
    --------
    >>> import numpy as np
    >>> from streamlearn.ensemble import AdaptiveRandomForestRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((3000, 4))
    >>> y = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 5 * X[:, 2] + rng.standard_normal(3000)
    >>> model = AdaptiveRandomForestRegressor(n_models=5, seed=1)
    >>> pred = model.test_then_train_many(X, y)
    >>> print(f"{np.abs(pred[1500:] - y[1500:]).mean():.2f}")
    1.00

    References
    ----------
    H. M. Gomes, J. P. Barddal, L. E. B. Ferreira and A. Bifet (2018). Adaptive
    random forests for data stream regression. ESANN.
    H. M. Gomes et al. (2017). Adaptive random forests for evolving data stream
    classification. Machine Learning 106, 1469-1495.
    """

    accepts_categorical = True
    _layout = stacked(REGRESSION_LAYOUT)
    _forest_type = KR.RForest
    _view = RegressionTreeView
    _acc_width = 3  # moments of the member's signed errors
    _param_rules = {  # noqa: RUF012
        "n_models": Interval(int, 1, None),
        "max_features": MAX_FEATURES,
        "lambda_value": Interval(float, 0, 100, open_low=True),
        "aggregation_method": OneOf("median", "mean"),
        "grace_period": Interval(int, 1, None),
        "delta": Interval(float, 0, 1, open_low=True, open_high=True),
        "tau": Interval(float, 0, None),
        "leaf_prediction": OneOf("mean", "model", "adaptive"),
        "learning_rate": Interval(float, 0, 1, open_low=True),
        "model_selector_decay": Interval(float, 0, 1),
        "min_samples_split": Interval(int, 1, None),
        "binary_split": BOOL,
        "max_depth": NONE | Interval(int, 0, None),
        "warning_delta": NONE | Interval(float, 0, 1, open_low=True, open_high=True),
        "drift_delta": NONE | Interval(float, 0, 1, open_low=True, open_high=True),
        "seed": SEED,
    }

    def __init__(
        self,
        n_models: int = 10,
        max_features: str | int | float | None = "sqrt",
        lambda_value: float = 6.0,
        aggregation_method: str = "median",
        grace_period: int = 50,
        delta: float = 0.01,
        tau: float = 0.05,
        leaf_prediction: str = "adaptive",
        learning_rate: float = 0.01,
        model_selector_decay: float = 0.95,
        min_samples_split: int = 5,
        binary_split: bool = False,
        max_depth: int | None = None,
        warning_delta: float | None = 0.01,
        drift_delta: float | None = 0.001,
        seed: int | None = None,
    ):
        self.n_models = n_models
        self.max_features = max_features
        self.lambda_value = lambda_value
        self.aggregation_method = aggregation_method
        self.grace_period = grace_period
        self.delta = delta
        self.tau = tau
        self.leaf_prediction = leaf_prediction
        self.learning_rate = learning_rate
        self.model_selector_decay = model_selector_decay
        self.min_samples_split = min_samples_split
        self.binary_split = binary_split
        self.max_depth = max_depth
        self.warning_delta = warning_delta
        self.drift_delta = drift_delta
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"n_models": 3, "seed": 1}
        # the check data has 120 rows: these settings split, warn and swap trees
        yield {
            "n_models": 3,
            "grace_period": 5,
            "delta": 0.2,
            "tau": 0.5,
            "warning_delta": 0.99,
            "drift_delta": 0.9,
            "max_features": 0.5,
            "aggregation_method": "mean",
            "leaf_prediction": "model",
            "seed": 2,
        }

    def _combine(self, votes: np.ndarray) -> np.ndarray:
        if self.aggregation_method == "mean":
            return votes.mean(axis=0) if len(votes) else votes.sum(axis=0)
        return np.median(votes, axis=0)

    def _drive(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray, predict: bool) -> np.ndarray:
        fp, ip = self._rparams()
        ap, aip = self._forest_params()
        is_cat = self._is_cat()
        n = len(X_learn)
        votes = np.zeros((self.n_models, n if predict else 0))
        resume = np.zeros(K.N_RESUME, dtype=np.int64)
        rf = np.zeros(1)
        same = X_pred is X_learn
        pool, sizes = self._pool(X_learn)
        while not KR.run(
            self._forest(is_cat), self.fg_, self.bg_, self.acc_, self.events_, self.started_,
            self.adwin_stats_, self.adwin_sum_, self.adwin_sqdev_, self.adwin_len_,
            X_pred, X_learn, y, pool, sizes, votes, predict, same, resume, rf, fp, ip, ap, aip,
        ):  # fmt: skip
            self._reserve(int(resume[K.R_NODES]), int(resume[K.R_SLOTS]))
        if n:
            self.width_seen_ = int(pool[-1])
        return self._combine(votes) if predict else np.zeros(n)

    # -- Regressor hooks -----------------------------------------------------------------
    def _learn(self, X: np.ndarray, y: np.ndarray) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        self._prepare(X, None)
        self._drive(X, X, np.ascontiguousarray(y, dtype=np.float64), False)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        if not self._built or not len(X):
            return np.zeros(len(X))
        X = np.ascontiguousarray(X, dtype=np.float64)
        self._fit_features(X.shape[1])
        fp, ip = self._rparams()
        votes = np.zeros((self.n_models, len(X)))
        KR.predict(self._forest(self._is_cat()), self.fg_, X, votes, fp, ip)
        return self._combine(votes)

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray) -> np.ndarray:
        X_pred, X_learn, _ = rows_pair(X_pred, X_learn)
        self._prepare(X_learn, None)
        if not len(X_learn):
            return np.zeros(0)
        return self._drive(X_pred, X_learn, np.ascontiguousarray(y, dtype=np.float64), True)

    # -- inspection -----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Size and state of the forest (as the classifier's ``summary``; per member
        ``error_sd``, the standard deviation of its errors since its last drift)."""
        if not self._built:
            return self._forest_summary([], 0.0)
        trees, estimated = self._tree_summaries()
        for i, t in enumerate(trees):
            w, _, m2 = self.acc_[i]
            t["error_sd"] = float((m2 / (w - 1)) ** 0.5) if w > 1 else 0.0
        return self._forest_summary(trees, estimated)

    def to_text(self, tree: int = 0) -> str:
        """Member ``tree``'s foreground tree as indented text."""
        return _export.to_text(self.tree(tree)) if self._built else "(empty forest)"

    def to_dot(self, tree: int = 0) -> str:
        """Member ``tree``'s foreground tree in Graphviz dot format."""
        return _export.to_dot(self.tree(tree)) if self._built else _export.to_dot(self)
