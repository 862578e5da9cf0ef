"""Leveraging bagging over any classifier."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier
from streamlearn.base.params import NONE, SEED, InstanceOf, Interval
from streamlearn.base.registry import register
from streamlearn.ensemble import _bagging as B
from streamlearn.ensemble._forest_kernels import combine
from streamlearn.tree import HoeffdingTreeClassifier
from streamlearn.tree._adaptive import (
    A_TICK,
    ADWIN_CLOCK,
    ADWIN_MAX_BUCKETS,
    ADWIN_ROWS,
    N_ASTATS,
    adwin_add,
    adwin_mean,
    adwin_reset,
)


@njit(cache=True)
def feed(errors, st, sums, sqdev, lens, delta: float, rising) -> None:  # type: ignore[no-untyped-def]
    """Feed a member's 0/1 errors to its ADWIN; ``rising[i]``: a change was
    detected at value ``i`` and the error estimate went up (MOA's rule)."""
    for i in range(errors.shape[0]):
        old = adwin_mean(st)
        rising[i] = adwin_add(errors[i], st, sums, sqdev, lens, delta) and adwin_mean(st) > old


@register()
class LeveragingBaggingClassifier(Classifier):
    """Leveraging bagging (Bifet, Holmes and Pfahringer, 2010): online bagging with
    heavier resampling and a change detector per member.

    Each member (a clone of ``model``, any streamlearn classifier) learns
    each record ``k ~ Poisson(w)`` times (``w = 6``: more diversity than
    online bagging's 1). Each member's 0/1 errors feed its own ADWIN; when
    one detects a change *and* its error estimate went up, the member with
    the highest error estimate is replaced by a fresh clone (and a fresh
    detector). The prediction is the sum of the members' class
    distributions, normalised.

    Exact batch vs one record at a time: ADWIN only tests every 32 values,
    so the batch is cut at the rows where some detector may fire; between
    them the members are independent and each runs over its piece in a few
    calls of its own test-then-train (as
    :class:`~streamlearn.ensemble.OnlineBaggingClassifier`'s generic path).

    Differences from MOA's ``LeveragingBag``, by design: a member's error is
    that of its prediction made before learning the record (MOA and River
    score its prediction after learning it); no output codes; members learn
    a record ``k`` times rather than once with weight ``k``.

    Parameters
    ----------
    model
        The base classifier (default: a Hoeffding tree).
    n_models
        Members.
    w
        Mean of the Poisson weights.
    adwin_delta
        Confidence of the members' ADWIN detectors.
    seed
        Seed of the members' weights (None: from the operating system).

    Examples
    --------
    >>> from streamlearn.ensemble import LeveragingBaggingClassifier
    >>> from streamlearn.datasets.synth import SEA
    >>> X, y, schema = SEA(n_rows=3000, drifts=[(1500, 3, 0)], seed=1).to_arrays()
    >>> model = LeveragingBaggingClassifier(n_models=3, seed=1)
    >>> pred = model.test_then_train_many(X, y, schema=schema)
    >>> print(f"{(pred == y).mean():.3f}")
    0.946

    References
    ----------
    A. Bifet, G. Holmes and B. Pfahringer (2010). Leveraging bagging for
    evolving data streams. ECML PKDD, 135-150.
    """

    _param_rules = {  # noqa: RUF012
        "model": NONE | InstanceOf(Classifier, description="a streamlearn classifier"),
        "n_models": Interval(int, 1, None),
        "w": Interval(float, 0, 100, open_low=True),
        "adwin_delta": Interval(float, 0, 1, open_low=True, open_high=True),
        "seed": SEED,
    }

    def __init__(
        self,
        model: Classifier | None = None,
        n_models: int = 10,
        w: float = 6.0,
        adwin_delta: float = 0.002,
        seed: int | None = None,
    ):
        self.model = model
        self.n_models = n_models
        self.w = w
        self.adwin_delta = adwin_delta
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        from streamlearn.naive_bayes import GaussianNB

        yield {"model": HoeffdingTreeClassifier(grace_period=10, delta=0.1), "n_models": 3, "seed": 1}
        # the check data has 120 rows: a loose detector resets members
        yield {"model": GaussianNB(), "n_models": 3, "adwin_delta": 0.9, "seed": 2}

    @property
    def _base(self) -> Classifier:
        return self.model if self.model is not None else HoeffdingTreeClassifier()

    @property
    def accepts_categorical(self) -> bool:  # type: ignore[override]
        return bool(self._base.accepts_categorical)

    # -- state --------------------------------------------------------------------------
    def _members(self) -> list[Any]:
        if getattr(self, "members_", None) is None:
            e = self.n_models
            self.members_ = B.new_members(self._base, e)
            self.rng_state_ = (
                np.random.SeedSequence(self.seed).generate_state(e, dtype=np.uint64).reshape(-1, 1)
            )
            self.adwin_stats_ = np.zeros((e, N_ASTATS))
            self.adwin_sum_ = np.zeros((e, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1))
            self.adwin_sqdev_ = np.zeros((e, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1))
            self.adwin_len_ = np.zeros((e, ADWIN_ROWS), dtype=np.int64)
            self.n_resets_ = 0
        for m in self.members_:
            B.sync(m, self)
        return self.members_  # type: ignore[no-any-return]

    def _reset_worst(self) -> None:
        """Replace the member with the highest error estimate (none when all are 0)."""
        est = np.where(
            self.adwin_stats_[:, 0] > 0, self.adwin_stats_[:, 1] / np.maximum(self.adwin_stats_[:, 0], 1), 0
        )
        if not (est > 0).any():
            return
        e = int(np.argmax(est))
        self.members_[e] = self._base.clone()
        B.sync(self.members_[e], self)
        adwin_reset(self.adwin_stats_[e], self.adwin_sum_[e], self.adwin_sqdev_[e], self.adwin_len_[e])
        self.n_resets_ += 1

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, predict: bool) -> np.ndarray:
        """Test-then-train (or learn) the batch piece by piece; the members' votes."""
        members = self._members()
        n, k, e = len(X_learn), len(self.classes_), self.n_models
        same = X_pred is X_learn
        weights = B.poisson_draws(self.rng_state_, self.w, n)
        votes = np.zeros((e, n if predict else 0, k))
        rising = np.zeros(n, dtype=np.bool_)
        i = 0
        while i < n:
            ticks = self.adwin_stats_[:, A_TICK].astype(np.int64)
            j = min(n, i + int((ADWIN_CLOCK - ticks % ADWIN_CLOCK).min()))  # the next row a detector may fire
            change = False
            for m in range(e):
                member = members[m]
                if predict and not same:  # the prediction rows' votes, from a copy that then is dropped
                    votes[m, i:j] = B.member_test_then_train(
                        copy.deepcopy(member), X_pred[i:j], X_learn[i:j], codes[i:j], weights[i:j, m], k
                    )
                own = B.member_test_then_train(
                    member, X_learn[i:j], X_learn[i:j], codes[i:j], weights[i:j, m], k
                )
                if predict and same:
                    votes[m, i:j] = own
                errors = (B.top_classes(own) != codes[i:j]).astype(np.float64)
                st, sums, sq, lens = (
                    self.adwin_stats_[m],
                    self.adwin_sum_[m],
                    self.adwin_sqdev_[m],
                    self.adwin_len_[m],
                )
                feed(errors, st, sums, sq, lens, self.adwin_delta, rising[i:j])
                change = change or bool(rising[j - 1])
            if change:
                self._reset_worst()
                members = self.members_
            i = j
        return votes

    # -- Classifier hooks -----------------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        self._run(X, X, codes, False)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        k = len(self.classes_)
        if getattr(self, "members_", None) is None:
            return np.zeros((len(X), 0))
        votes = np.stack([B.member_proba(m, X, k) for m in self._members()])
        out = np.zeros((len(X), k))
        combine(votes, np.ones(votes.shape[:2]), out)
        return out

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        votes = self._run(X_pred, X_learn, codes, True)
        out = np.zeros((len(X_learn), len(self.classes_)))
        combine(votes, np.ones(votes.shape[:2]), out)
        return out

    def summary(self) -> dict[str, Any]:
        """``n_models``, ``n_resets`` (members replaced after a change) and each
        member's ``error`` (its detector's estimate)."""
        if getattr(self, "members_", None) is None:
            return {"n_models": self.n_models, "n_resets": 0, "errors": []}
        st = self.adwin_stats_
        errors = [float(s[1] / s[0]) if s[0] > 0 else 0.0 for s in st]
        return {"n_models": self.n_models, "n_resets": int(self.n_resets_), "errors": errors}
