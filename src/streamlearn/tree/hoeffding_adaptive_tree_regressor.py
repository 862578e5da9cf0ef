"""Hoeffding adaptive tree regressor (HAT for regression)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from streamlearn.base.learner import Regressor
from streamlearn.base.params import BOOL, NONE, SEED, Interval, OneOf
from streamlearn.base.registry import register
from streamlearn.tree import _export
from streamlearn.tree import _hat_kernels as H
from streamlearn.tree import _hatr_kernels as HR
from streamlearn.tree._nodes import LAYOUT
from streamlearn.tree._reshaping import DETECTOR_LAYOUT, ReshapingStore
from streamlearn.tree.hoeffding_tree_regressor import REGRESSION_LAYOUT, RegressionTree

#: The regressor's arrays plus the adaptive tree's (alternates, detectors, counters).
_LAYOUT = {**REGRESSION_LAYOUT, **{k: v for k, v in DETECTOR_LAYOUT.items() if k not in LAYOUT}}


@register()
class HoeffdingAdaptiveTreeRegressor(ReshapingStore, RegressionTree, Regressor):
    """Hoeffding adaptive tree regressor: a Hoeffding tree regressor whose split
    nodes watch their error with ADWIN and grow alternates where it rises
    (Bifet and Gavaldà, 2009; River's ``HoeffdingAdaptiveTreeRegressor``).

    The tree learns as :class:`~streamlearn.tree.HoeffdingTreeRegressor`
    (same splits, leaf models and parameters) and adapts as
    :class:`~streamlearn.tree.HoeffdingAdaptiveTreeClassifier`: each split
    node on a record's path feeds its ADWIN the error of the tree's
    prediction, starts an alternate leaf when that error rises, switches the
    alternate in (or drops it) by the same test, and an alternate that
    splits takes its node's place. The error is the absolute error scaled by
    three standard deviations of the target and capped at 1, so it lies in
    ``[0, 1]`` as the test assumes (River feeds raw absolute errors and
    compares alternates by a z-test instead). With ``bootstrap_sampling``
    leaves learn with Poisson(1) weights (1 for a 0).

    Parameters
    ----------
    grace_period, delta, tau, leaf_prediction, learning_rate, model_selector_decay
        As in :class:`~streamlearn.tree.HoeffdingTreeRegressor`.
    min_samples_split, binary_split, max_depth
        As in :class:`~streamlearn.tree.HoeffdingTreeRegressor`.
    adwin_delta, switch_significance, drift_window_threshold, bootstrap_sampling, seed
        As in :class:`~streamlearn.tree.HoeffdingAdaptiveTreeClassifier`.

    Examples
    --------
    The target's formula changes at row 3,000 (the Hoeffding tree regressor
    keeps an error of 0.239 after row 5,000):

    >>> import numpy as np
    >>> from streamlearn.tree import HoeffdingAdaptiveTreeRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((6000, 3))
    >>> y = np.where(np.arange(6000) < 3000, 5 * (X[:, 0] > 0.5), 5 * (X[:, 1] > 0.5))
    >>> model = HoeffdingAdaptiveTreeRegressor(grace_period=100, seed=1)
    >>> pred = model.test_then_train_many(X, y.astype(float))
    >>> print(f"{np.abs(pred[5000:] - y[5000:]).mean():.3f}")
    0.038
    >>> model.summary()["n_alternates_created"] > 0
    True

    References
    ----------
    A. Bifet and R. Gavaldà (2009). Adaptive learning from evolving data
    streams. IDA, 249-260.
    E. Ikonomovska, J. Gama and S. Džeroski (2011). Learning model trees from
    evolving data streams. Data Mining and Knowledge Discovery 23.
    """

    accepts_categorical = True
    _layout = _LAYOUT
    _param_rules = {  # noqa: RUF012
        "grace_period": Interval(int, 1, None),
        "delta": Interval(float, 0, 1, open_low=True, open_high=True),
        "tau": Interval(float, 0, None),
        "leaf_prediction": OneOf("mean", "model", "adaptive"),
        "learning_rate": Interval(float, 0, 1, open_low=True),
        "model_selector_decay": Interval(float, 0, 1),
        "min_samples_split": Interval(int, 1, None),
        "binary_split": BOOL,
        "max_depth": NONE | Interval(int, 0, None),
        "adwin_delta": Interval(float, 0, 1, open_low=True, open_high=True),
        "switch_significance": Interval(float, 0, 1, open_low=True, open_high=True),
        "drift_window_threshold": Interval(int, 0, None),
        "bootstrap_sampling": BOOL,
        "seed": SEED,
    }

    def __init__(
        self,
        grace_period: int = 200,
        delta: float = 1e-7,
        tau: float = 0.05,
        leaf_prediction: str = "adaptive",
        learning_rate: float = 0.01,
        model_selector_decay: float = 0.95,
        min_samples_split: int = 5,
        binary_split: bool = False,
        max_depth: int | None = None,
        adwin_delta: float = 0.002,
        switch_significance: float = 0.05,
        drift_window_threshold: int = 300,
        bootstrap_sampling: bool = True,
        seed: int | None = None,
    ):
        self.grace_period = grace_period
        self.delta = delta
        self.tau = tau
        self.leaf_prediction = leaf_prediction
        self.learning_rate = learning_rate
        self.model_selector_decay = model_selector_decay
        self.min_samples_split = min_samples_split
        self.binary_split = binary_split
        self.max_depth = max_depth
        self.adwin_delta = adwin_delta
        self.switch_significance = switch_significance
        self.drift_window_threshold = drift_window_threshold
        self.bootstrap_sampling = bootstrap_sampling
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"seed": 1}
        yield {
            "grace_period": 10,
            "delta": 0.1,
            "tau": 0.5,
            "adwin_delta": 0.9,
            "drift_window_threshold": 5,
            "seed": 2,
        }
        yield {"grace_period": 10, "delta": 0.2, "leaf_prediction": "mean", "bootstrap_sampling": False}

    def _build(self, width: int) -> None:
        super()._build(width)
        self.rng_state_ = (
            np.random.SeedSequence(self.seed).generate_state(1, dtype=np.uint64)
            if self.bootstrap_sampling
            else np.zeros(1, dtype=np.uint64)  # unused
        )

    def _hat_params(self) -> np.ndarray:
        hp = np.zeros(H.N_HP)
        hp[H.ADWIN_DELTA] = self.adwin_delta
        hp[H.SWITCH_DELTA] = self.switch_significance
        hp[H.MIN_WIDTH] = self.drift_window_threshold
        hp[H.BOOTSTRAP] = float(self.bootstrap_sampling)
        return hp

    def _drive(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray, out: np.ndarray | None) -> None:
        fp, ip = self._rparams()
        hp = self._hat_params()
        is_cat = self._is_cat()
        predict = out is not None
        if out is None:
            out = np.empty(0)
        need = np.zeros(3, dtype=np.int64)
        same = X_pred is X_learn
        start, n = 0, len(X_learn)
        while True:
            t = self._rtree(is_cat, self.rng_state_)
            row = HR.run(t, self._hat(), X_pred, X_learn, y, out, predict, same, start, need, fp, ip, hp)
            if row >= n:
                return
            self._make_room(need)
            start = row

    # -- inspection ---------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The main tree's size (as the regressor's ``summary``) and the alternates'
        counts (as the adaptive classifier's)."""
        s = _export.summary(self)
        hc = self.hat_counters_ if self._built else np.zeros(H.N_HC, dtype=np.int64)
        n = int(self.counters_[0]) if self._built else 0
        s["n_alternates"] = int((self.alt_[:n] >= 0).sum() if n else 0)
        s["n_alternates_created"] = int(hc[H.N_ALTS])
        s["n_switched"] = int(hc[H.N_SWITCHED])
        s["n_pruned"] = int(hc[H.N_PRUNED])
        s["n_replaced"] = int(hc[H.N_REPLACED])
        return s
