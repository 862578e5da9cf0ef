"""Online bagging (OzaBag) over any classifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from streamlearn.base.learner import Classifier
from streamlearn.base.params import NONE, SEED, InstanceOf, Interval
from streamlearn.base.registry import register
from streamlearn.ensemble import _bagging as B
from streamlearn.ensemble._forest_kernels import combine
from streamlearn.tree import HoeffdingTreeClassifier

#: HoeffdingTreeClassifier parameters an adaptive random forest takes too.
_TREE_PARAMS = (
    "grace_period", "delta", "tau", "split_criterion", "leaf_prediction", "nb_threshold",
    "n_split_candidates", "binary_split", "max_depth", "max_size",
)  # fmt: skip


@register()
class OnlineBaggingClassifier(Classifier):
    """Online bagging (Oza and Russell, 2001): each member learns each record
    ``k ~ Poisson(1)`` times, approximating bootstrap samples on a stream.

    The members are clones of ``model`` (any streamlearn classifier). They
    predict each record before learning it; the ensemble's prediction is
    the sum of the members' class distributions, normalised (MOA's OzaBag).
    Weights come from one generator per member (``seed``), so a batch gives
    exactly what one record at a time gives.

    Two paths, with the same semantics:

    * a :class:`~streamlearn.tree.HoeffdingTreeClassifier` base runs as one
      compiled forest (the adaptive random forest's loop without feature
      subsets or detectors): a tree learns a record with weight ``k``;
    * any other base learns a record ``k`` times; each member runs over a
      batch in a few calls of its own test-then-train (one per run of rows
      with ``k >= 1``, one ``predict`` per run with ``k = 0``).

    Parameters
    ----------
    model
        The base classifier (default: a Hoeffding tree).
    n_models
        Members.
    seed
        Seed of the members' weights (None: from the operating system).

    Examples
    --------
    >>> from streamlearn.ensemble import OnlineBaggingClassifier
    >>> from streamlearn.naive_bayes import GaussianNB
    >>> from streamlearn.datasets.synth import SEA
    >>> X, y, schema = SEA(n_rows=2000, seed=1).to_arrays()
    >>> model = OnlineBaggingClassifier(GaussianNB(), n_models=5, seed=1)
    >>> pred = model.test_then_train_many(X, y, schema=schema)
    >>> print(f"{(pred == y).mean():.3f}")
    0.939

    References
    ----------
    N. C. Oza and S. Russell (2001). Online bagging and boosting. AISTATS.
    """

    _param_rules = {  # noqa: RUF012
        "model": NONE | InstanceOf(Classifier, description="a streamlearn classifier"),
        "n_models": Interval(int, 1, None),
        "seed": SEED,
    }
    #: Mean of the Poisson weights.
    lambda_value: float = 1.0

    def __init__(self, model: Classifier | None = None, n_models: int = 10, seed: int | None = None):
        self.model = model
        self.n_models = n_models
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        from streamlearn.naive_bayes import GaussianNB

        yield {"model": HoeffdingTreeClassifier(grace_period=10, delta=0.1), "n_models": 3, "seed": 1}
        yield {"model": GaussianNB(), "n_models": 3, "seed": 2}

    @property
    def _base(self) -> Classifier:
        """The base classifier (a Hoeffding tree when ``model`` is None)."""
        return self.model if self.model is not None else HoeffdingTreeClassifier()

    @property
    def accepts_categorical(self) -> bool:  # type: ignore[override]
        return bool(self._base.accepts_categorical)

    @property
    def _compiled(self) -> bool:
        m = self._base
        return type(m) is HoeffdingTreeClassifier and not m.remove_poor_attributes

    # -- state --------------------------------------------------------------------------
    def _build(self) -> None:
        if self._compiled:
            from streamlearn.ensemble.adaptive_random_forest import AdaptiveRandomForestClassifier

            tree = {p: getattr(self._base, p) for p in _TREE_PARAMS}
            self.forest_ = AdaptiveRandomForestClassifier(
                n_models=self.n_models, max_features=None, lambda_value=self.lambda_value,
                warning_delta=None, drift_delta=None, weighted_vote=False, seed=self.seed, **tree,
            )  # fmt: skip
        else:
            self.members_ = B.new_members(self._base, self.n_models)
            self.rng_state_ = (
                np.random.SeedSequence(self.seed)
                .generate_state(self.n_models, dtype=np.uint64)
                .reshape(-1, 1)
            )

    def _inner(self) -> list[Any]:
        if getattr(self, "forest_", None) is None and getattr(self, "members_", None) is None:
            self._build()
        inner = [self.forest_] if self._compiled else self.members_
        for m in inner:
            B.sync(m, self)
        return inner

    # -- Classifier hooks -----------------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        inner = self._inner()
        if self._compiled:
            inner[0]._learn(X, codes)
            return
        weights = B.poisson_draws(self.rng_state_, self.lambda_value, len(X))
        for e, m in enumerate(inner):
            B.member_learn(m, X, codes, weights[:, e])

    def _proba(self, X: np.ndarray) -> np.ndarray:
        k = len(self.classes_)
        if getattr(self, "forest_", None) is None and getattr(self, "members_", None) is None:
            return np.zeros((len(X), 0))
        inner = self._inner()
        if self._compiled:
            return B.member_proba(inner[0], X, k)
        votes = np.stack([B.member_proba(m, X, k) for m in inner])
        out = np.zeros((len(X), k))
        combine(votes, np.ones(votes.shape[:2]), out)
        return out

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        inner = self._inner()
        k = len(self.classes_)
        if self._compiled:
            return inner[0]._test_then_train(X_pred, X_learn, codes)
        weights = B.poisson_draws(self.rng_state_, self.lambda_value, len(X_learn))
        votes = np.stack(
            [
                B.member_test_then_train(m, X_pred, X_learn, codes, weights[:, e], k)
                for e, m in enumerate(inner)
            ]
        )
        out = np.zeros((len(X_learn), k))
        combine(votes, np.ones(votes.shape[:2]), out)
        return out
