"""Hoeffding adaptive tree (HAT) classifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from streamlearn.base.learner import Classifier
from streamlearn.base.params import BOOL, NONE, SEED, Interval, OneOf
from streamlearn.base.registry import register
from streamlearn.tree import _export
from streamlearn.tree import _hat_kernels as H
from streamlearn.tree._nodes import N_NODES
from streamlearn.tree._reshaping import DETECTOR_LAYOUT, ReshapingTree


@register("hoeffding_adaptive_tree")
class HoeffdingAdaptiveTreeClassifier(ReshapingTree, Classifier):
    """Hoeffding adaptive tree (HAT-ADWIN): a Hoeffding tree whose split nodes
    watch their error with ADWIN and grow alternates where it rises
    (Bifet and Gavaldà, 2009).

    The tree learns as :class:`~streamlearn.tree.HoeffdingTreeClassifier`
    (same splits, leaves and parameters); in addition, for each record, each
    split node on its path, from the root down:

    1. feeds its ADWIN detector the 0/1 error of the tree's prediction for
       the record (made before learning it, by the leaf below the node);
    2. when ADWIN detects a change and the error went up, starts an
       *alternate*: a new leaf learning the records that reach the node
       (replacing any previous alternate);
    3. else, once both detectors hold more than ``drift_window_threshold``
       values, compares the node's error ``e`` with its alternate's ``e_a``:
       with ``b = sqrt(2 e (1 - e) ln(2 / switch_significance) (1/n_a + 1/n))``
       the alternate replaces the node's subtree when ``e - e_a > b``, and is
       dropped when ``e_a - e > b``;
    4. the alternate (if any) learns the record; when it splits, it takes the
       node's place at once (as in MOA and River, whose alternates are leaves
       until then).

    With ``bootstrap_sampling`` each leaf learns a record with a weight
    ``k ~ Poisson(1)`` (1 when ``k = 0``), as MOA and River do; the draws come
    from the tree's generator (``seed``). Predictions come from the leaf the
    record reaches in the main tree. Nodes of discarded subtrees are
    reclaimed when the storage runs full.

    * **Missing values**, **categorical columns**, **new features**, **new
      classes** and the **memory bound**: as in the Hoeffding tree (the
      alternates' leaves count toward the bound).
    * ``summary()`` reports the main tree, the alternates now held and how
      many were created, switched in, dropped or took a node's place when
      they split.

    Parameters
    ----------
    grace_period, delta, tau, split_criterion, leaf_prediction, nb_threshold
        As in :class:`~streamlearn.tree.HoeffdingTreeClassifier`; the
        defaults are CapyMOA's (split confidence ``1e-3``).
    n_split_candidates, binary_split, max_depth, max_size, remove_poor_attributes
        As in :class:`~streamlearn.tree.HoeffdingTreeClassifier`.
    adwin_delta
        Confidence of the nodes' ADWIN detectors.
    switch_significance
        Significance of the test that switches in or drops an alternate.
    drift_window_threshold
        Values both detectors must hold before that test.
    bootstrap_sampling
        Weight each leaf's records by Poisson(1) draws.
    seed
        Seed of those draws (None: from the operating system).

    Examples
    --------
    In the Agrawal stream the label depends on age, then, from row 10,000, on
    education level; alternates rebuild the tree:

    >>> from streamlearn.tree import HoeffdingAdaptiveTreeClassifier
    >>> from streamlearn.datasets.synth import Agrawal
    >>> X, y, schema = Agrawal(n_rows=20_000, function=0, drifts=[(10_000, 2, 0)], seed=7).to_arrays()
    >>> model = HoeffdingAdaptiveTreeClassifier(seed=1)
    >>> pred = model.test_then_train_many(X, y, schema=schema)
    >>> print(f"{(pred[12_000:] == y[12_000:]).mean():.3f}")
    1.000
    >>> model.summary()["n_alternates_created"]
    8

    References
    ----------
    A. Bifet and R. Gavaldà (2009). Adaptive learning from evolving data
    streams. IDA (Advances in Intelligent Data Analysis VIII), 249-260.
    A. Bifet and R. Gavaldà (2007). Learning from time-changing data with
    adaptive windowing. SDM.
    """

    accepts_categorical = True
    _layout = DETECTOR_LAYOUT
    _param_rules = {  # noqa: RUF012
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
        "remove_poor_attributes": BOOL,
        "adwin_delta": Interval(float, 0, 1, open_low=True, open_high=True),
        "switch_significance": Interval(float, 0, 1, open_low=True, open_high=True),
        "drift_window_threshold": Interval(int, 0, None),
        "bootstrap_sampling": BOOL,
        "seed": SEED,
    }

    def __init__(
        self,
        grace_period: int = 200,
        delta: float = 1e-3,
        tau: float = 0.05,
        split_criterion: str = "info_gain",
        leaf_prediction: str = "nba",
        nb_threshold: int = 0,
        n_split_candidates: int = 10,
        binary_split: bool = False,
        max_depth: int | None = None,
        max_size: float | None = 100.0,
        remove_poor_attributes: bool = False,
        adwin_delta: float = 0.002,
        switch_significance: float = 0.05,
        drift_window_threshold: int = 300,
        bootstrap_sampling: bool = True,
        seed: int | None = None,
    ):
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
        self.remove_poor_attributes = remove_poor_attributes
        self.adwin_delta = adwin_delta
        self.switch_significance = switch_significance
        self.drift_window_threshold = drift_window_threshold
        self.bootstrap_sampling = bootstrap_sampling
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"seed": 1}
        # the check data has 120 rows: these settings split, start alternates and switch them in
        yield {
            "grace_period": 10,
            "delta": 0.1,
            "tau": 0.6,
            "adwin_delta": 0.9,
            "drift_window_threshold": 5,
            "seed": 2,
        }
        yield {
            "grace_period": 10,
            "delta": 0.05,
            "tau": 0.3,
            "split_criterion": "gini",
            "leaf_prediction": "mc",
            "binary_split": True,
            "max_size": 0.003,
            "adwin_delta": 0.9,
            "drift_window_threshold": 5,
            "bootstrap_sampling": False,
        }

    # -- storage ----------------------------------------------------------------------
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

    def _drive(
        self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, out: np.ndarray | None, same: bool
    ) -> None:
        """Run the kernel over the batch; between rows, make room when it asks."""
        fp, ip = self._params()
        hp = self._hat_params()
        is_cat = self._is_cat()
        predict = out is not None
        if out is None:
            out = np.empty((0, self._size("class")))
        need = np.zeros(3, dtype=np.int64)
        start, n = 0, len(X_learn)
        while True:
            row = H.run(
                self._tree(is_cat, self.rng_state_), self._hat(), X_pred, X_learn, codes, out, predict, same,
                start, need, fp, ip, hp,
            )  # fmt: skip
            if row >= n:
                return
            self._make_room(need)
            start = row

    # -- inspection ---------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The main tree's size (as the Hoeffding tree's ``summary``, with
        ``estimated_bytes`` over every node held), ``n_alternates`` (held now),
        ``n_alternates_created``, ``n_switched`` (alternates that replaced a
        subtree), ``n_pruned`` (alternates dropped) and ``n_replaced``
        (alternates that took their node's place when they split)."""
        s = _export.summary(self)
        hc = self.hat_counters_ if self._built else np.zeros(H.N_HC, dtype=np.int64)
        n = int(self.counters_[N_NODES]) if self._built else 0
        s["n_alternates"] = int((self.alt_[:n] >= 0).sum() if n else 0)
        s["n_alternates_created"] = int(hc[H.N_ALTS])
        s["n_switched"] = int(hc[H.N_SWITCHED])
        s["n_pruned"] = int(hc[H.N_PRUNED])
        s["n_replaced"] = int(hc[H.N_REPLACED])
        return s

    def to_text(self) -> str:
        """The main tree as indented text (alternates are not shown)."""
        return _export.to_text(self)

    def to_dot(self) -> str:
        """The main tree in Graphviz dot format."""
        return _export.to_dot(self)
