"""Hoeffding tree regressor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from streamlearn.base.learner import Regressor
from streamlearn.base.params import BOOL, NONE, Interval, OneOf
from streamlearn.base.registry import register
from streamlearn.tree import _export
from streamlearn.tree import _regression_kernels as R
from streamlearn.tree._learner import TreeLearner, rows_pair
from streamlearn.tree._nodes import LAYOUT, N_ACTIVE, N_COUNTERS, N_NODES

_NODE = (
    "feature",
    "kind",
    "threshold",
    "child_start",
    "n_children",
    "missing_branch",
    "depth",
    "parent",
    "slot",
)

#: The regressor's arrays (name -> dtype, axis roles); node arrays as the classifier's.
REGRESSION_LAYOUT: dict[str, tuple[Any, tuple[Any, ...]]] = {
    **{name: LAYOUT[name] for name in _NODE},
    "target": (np.float64, ("node", 3)),  # weight, mean, M2 of the target
    "last_eval": (np.float64, ("node",)),
    "free_slots": (np.int64, ("slot",)),
    "grid": (np.float64, ("slot", "feature", 2)),  # each histogram's low end and bin width
    "hist": (np.float64, ("slot", "feature", R.N_BINS, 3)),  # target moments per bin
    "cat_target": (np.float64, ("slot", "cat", 3)),  # target moments per category
    "cat_offset": (np.int64, ("feature",)),
    "cat_width": (np.int64, ("feature",)),
    "n_values": (np.int64, ("slot", "feature")),
    "lin": (np.float64, ("slot", "feature")),  # the leaf model's weights
    "leaf": (np.float64, ("slot", R.N_LEAF)),  # its bias; faded errors of mean and model
    "disabled": (np.bool_, ("slot", "feature")),
    "counters": (np.int64, (N_COUNTERS,)),
    "cat_seen": (np.int64, ("feature",)),
    "xnorm": (np.float64, ("feature", 3)),  # moments of each feature, over the whole tree
    "ynorm": (np.float64, (3,)),  # moments of the target, over the whole tree
}

_LEAF_PREDICTIONS = {"mean": R.MEAN_PRED, "model": R.MODEL_PRED, "adaptive": R.ADAPTIVE}


class RegressionTreeStore(TreeLearner):
    """Mixin: the regressor's storage, kernel parameters and views."""

    _layout = REGRESSION_LAYOUT
    target_: np.ndarray

    def _rtree(self, is_cat: np.ndarray, rng: np.ndarray | None = None) -> Any:
        if rng is None:
            rng = np.zeros(1, dtype=np.uint64)
        arrays = [getattr(self, name + "_") for name in R.RTree._fields[:-2]]
        return R.RTree._make([*arrays, rng, is_cat])

    def _rparams(self) -> tuple[np.ndarray, np.ndarray]:
        g = self.__dict__.get
        fp = np.zeros(R.N_FP)
        fp[R.GRACE] = g("grace_period", 200)
        fp[R.DELTA] = g("delta", 1e-7)
        fp[R.TAU] = g("tau", 0.05)
        fp[R.MIN_SPLIT] = g("min_samples_split", 5)
        fp[R.LR] = g("learning_rate", 0.01)
        fp[R.DECAY] = g("model_selector_decay", 0.95)
        ip = np.zeros(R.N_IP, dtype=np.int64)
        ip[R.LEAF_PRED] = _LEAF_PREDICTIONS[g("leaf_prediction", "adaptive")]
        ip[R.BINARY] = int(g("binary_split", False))
        max_depth = g("max_depth")
        ip[R.MAX_DEPTH] = -1 if max_depth is None else max_depth
        return fp, ip

    def _estimated_bytes(self) -> float:
        """Bytes of the statistics of the active leaves and of the nodes."""
        d = self._size("feature")
        per_slot = 8 * (d * (2 + 3 * R.N_BINS + 1 + 1) + 3 * self._size("cat") + R.N_LEAF) + d
        return float(int(self.counters_[N_ACTIVE]) * per_slot + int(self.counters_[N_NODES]) * 8 * 13)

    def _leaf_text(self, n: int) -> str:
        w, mean, m2 = (float(v) for v in self.target_[n])
        sd = (m2 / (w - 1)) ** 0.5 if w > 1 else 0.0
        state = "" if self.slot_[n] >= 0 else " (inactive)"
        return f"y = {_export._fmt(mean)} (sd {_export._fmt(sd)}, weight {_export._fmt(w)}){state}"


class RegressionTree(RegressionTreeStore):
    """Mixin: the Regressor hooks and inspection shared by the two regression trees
    (each supplies ``_drive``, its compiled loop)."""

    def _drive(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray, out: np.ndarray | None) -> None:
        """Run the tree's compiled loop over the rows (predicting into ``out`` when given)."""
        raise NotImplementedError

    def _learn(self, X: np.ndarray, y: np.ndarray) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        self._prepare(X, None)
        self._drive(X, X, np.ascontiguousarray(y, dtype=np.float64), None)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros(len(X))
        if not self._built or not len(X):
            return out
        X = np.ascontiguousarray(X, dtype=np.float64)
        self._fit_features(X.shape[1])
        fp, ip = self._rparams()
        R.predict(self._rtree(self._is_cat()), X, out, fp, ip)
        return out

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray) -> np.ndarray:
        X_pred, X_learn, _ = rows_pair(X_pred, X_learn)
        self._prepare(X_learn, None)
        out = np.zeros(len(X_learn))
        if len(X_learn):
            self._drive(X_pred, X_learn, np.ascontiguousarray(y, dtype=np.float64), out)
        return out

    # -- inspection ---------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Size of the tree: ``depth``, ``n_nodes``, ``n_leaves``, ``n_active_leaves``,
        ``n_inactive_leaves``, ``bytes`` (arrays held) and ``estimated_bytes``
        (the statistics in use)."""
        return _export.summary(self)

    def to_text(self) -> str:
        """The tree as indented text; leaves show their mean, spread and weight."""
        return _export.to_text(self)

    def to_dot(self) -> str:
        """The tree in Graphviz dot format."""
        return _export.to_dot(self)


@register()
class HoeffdingTreeRegressor(RegressionTree, Regressor):
    """Hoeffding tree regressor: an incremental regression tree that splits by
    variance reduction, with linear models at its leaves (FIMT-DD's ideas,
    Ikonomovska et al. 2011; River's ``HoeffdingTreeRegressor``).

    Each leaf keeps the target's moments, per numeric feature a histogram of
    the target's moments over 32 equal-width bins whose range grows with the
    data (split thresholds are bin edges), per category the target's
    moments, and a linear model. Every ``grace_period`` weight at a leaf the
    candidates are scored by variance reduction ``var(y) - sum_b w_b / w
    var_b(y)`` (0 when a branch weighs less than ``min_samples_split``); the
    leaf splits when ``second / best < 1 - eps`` or ``eps < tau``, with
    ``eps = sqrt(ln(1/delta) / (2 n))`` (FIMT-DD's ratio test). New leaves
    start from their branch's moments and a copy of their parent's model.

    Leaves predict their mean (``"mean"``), their linear model (``"model"``)
    or, adaptively, whichever has the lower exponentially faded absolute
    error (``"adaptive"``, decay ``model_selector_decay``). The model is
    ``y = m_y + s_y (w . z + b)`` on the numeric features standardised by
    the moments of all the rows the tree learned (``m_y``, ``s_y``: the
    target's), learned by SGD (``learning_rate``) on the standardised target,
    as FIMT-DD's leaf perceptrons.

    * **Missing values** (NaN) are skipped in the leaf statistics (``z = 0``
      in the model); at a split node they follow the heaviest branch.
    * **Categorical columns** are split on (multiway, or ``x == v``) but not
      used by the linear models. **New features** grow the statistics.
    * Deterministic. No memory bound.

    Parameters
    ----------
    grace_period
        Weight a leaf must see between split attempts.
    delta
        Confidence of the split test.
    tau
        Tie threshold: split anyway once the bound is below it.
    leaf_prediction
        ``"mean"``, ``"model"`` or ``"adaptive"``.
    learning_rate
        Step size of the leaf models' SGD.
    model_selector_decay
        Decay of the faded errors of the adaptive choice.
    min_samples_split
        Weight each branch of a candidate needs.
    binary_split
        Split categorical features only as ``x == v`` vs the rest.
    max_depth
        Leaves at this depth no longer split; None: unlimited.

    Examples
    --------
    >>> import numpy as np
    >>> from streamlearn.tree import HoeffdingTreeRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((4000, 2))
    >>> from streamlearn.base.schema import Schema
    >>> y = np.where(X[:, 0] > 0.5, 3.0 * X[:, 1], -2.0) + 0.05 * rng.standard_normal(4000)
    >>> model = HoeffdingTreeRegressor(grace_period=100)
    >>> pred = model.test_then_train_many(X, y, schema=Schema(["x0", "x1"]))
    >>> print(f"{np.abs(pred[2000:] - y[2000:]).mean():.3f}")
    0.100
    >>> model.summary()["n_nodes"], model.to_text().splitlines()[0]
    (33, 'x0 <= 0.487965')

    References
    ----------
    E. Ikonomovska, J. Gama and S. Džeroski (2011). Learning model trees from
    evolving data streams. Data Mining and Knowledge Discovery 23, 128-168.
    P. Domingos and G. Hulten (2000). Mining high-speed data streams. KDD.
    """

    accepts_categorical = True
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
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        # the check data has 120 rows: these settings split (numeric and nominal, storage growth)
        yield {"grace_period": 10, "delta": 0.1, "tau": 0.5, "leaf_prediction": "model"}
        yield {"grace_period": 10, "delta": 0.2, "tau": 0.5, "leaf_prediction": "mean", "binary_split": True}

    def _drive(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray, out: np.ndarray | None) -> None:
        fp, ip = self._rparams()
        is_cat = self._is_cat()
        predict = out is not None
        if out is None:
            out = np.empty(0)
        start, phase = 0, 0
        while True:
            row, phase, nodes, slots = R.run(
                self._rtree(is_cat), X_pred, X_learn, y, out, predict, start, phase, fp, ip
            )
            if row >= len(X_learn):
                return
            self._reserve(int(nodes), int(slots))
            start = row
