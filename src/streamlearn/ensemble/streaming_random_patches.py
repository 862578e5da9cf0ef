"""Streaming random patches (SRP) over any classifier."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier
from streamlearn.base.params import BOOL, NONE, SEED, InstanceOf, Interval, OneOf
from streamlearn.base.registry import register
from streamlearn.drift._rng import uniform
from streamlearn.ensemble import _bagging as B
from streamlearn.ensemble._forest import MAX_FEATURES, subspace_size
from streamlearn.ensemble._forest_kernels import combine
from streamlearn.tree import HoeffdingTreeClassifier
from streamlearn.tree._adaptive import (
    A_TICK,
    ADWIN_CLOCK,
    ADWIN_MAX_BUCKETS,
    ADWIN_ROWS,
    N_ASTATS,
    adwin_add,
    adwin_reset,
)

WARN, DRIFT = 0, 1


@njit(cache=True)
def draw_patch(state: np.ndarray, d: int, m: int, width: int) -> np.ndarray:
    """A mask over ``width`` columns with ``m`` of the first ``d`` set, drawn
    uniformly without replacement (a partial Fisher-Yates shuffle)."""
    mask = np.zeros(width, dtype=np.bool_)
    order = np.arange(d)
    for r in range(min(m, d)):
        pick = r + int(uniform(state) * (d - r))
        order[r], order[pick] = order[pick], order[r]
        mask[order[r]] = True
    return mask


@njit(cache=True)
def feed(errors, learned, st, sums, sqdev, lens, delta: float) -> bool:  # type: ignore[no-untyped-def]
    """Feed the errors of the rows learned (``learned[i]``) to an ADWIN; whether
    the last of them was a detected change."""
    change = False
    for i in range(errors.shape[0]):
        if learned[i]:
            change = adwin_add(errors[i], st, sums, sqdev, lens, delta)
    return change


def _default_base() -> Classifier:
    return HoeffdingTreeClassifier(grace_period=50, delta=0.01)


@register()
class StreamingRandomPatchesClassifier(Classifier):
    """Streaming random patches (Gomes, Read and Bifet, 2019): each member learns
    a random subset of the features (a *patch*) on online-bagging weights,
    with a drift detector and a background learner per member.

    Each member (a clone of ``model``, any streamlearn classifier) sees only
    its patch of ``subspace_size`` features: the other columns reach it as
    missing values, so it neither learns nor splits on them. Patches are
    drawn from the columns seen with a value so far, once per new learner.
    Per record and member, as in
    :class:`~streamlearn.ensemble.AdaptiveRandomForestClassifier`: the member
    votes (weighted by its accuracy), draws ``k ~ Poisson(lam)``
    (``training_method="patches"`` or ``"resampling"``; ``k = 1`` for
    ``"subspaces"``) and with ``k > 0`` learns the record ``k`` times, its
    background learner too; its error feeds a warning ADWIN (a warning starts
    a background learner on a new patch) and a drift ADWIN (a drift swaps
    the background learner in, or restarts the member on a new patch).
    ``"resampling"`` uses every feature.

    The members are independent, so a batch runs member by member, each in
    pieces cut where one of its detectors may fire (ADWIN tests every 32
    values), with a few calls of the base's own test-then-train per piece:
    exactly what one record at a time gives.

    Parameters
    ----------
    model
        The base classifier (default: a Hoeffding tree with grace period 50
        and split confidence 0.01, as MOA's and River's SRP).
    n_models
        Members.
    subspace_size
        Features per patch: an int, a fraction in ``(0, 1]``, ``"sqrt"``, or
        None (all).
    training_method
        ``"patches"`` (subsets and bagging), ``"subspaces"`` (subsets only)
        or ``"resampling"`` (bagging only).
    lam
        Mean of the Poisson weights.
    warning_delta, drift_delta
        Confidences of the members' ADWIN detectors (None: none).
    weighted_vote
        Weight each member's vote by its accuracy.
    seed
        Seed of the weights and patches (None: from the operating system).

    Examples
    --------
    >>> from streamlearn.ensemble import StreamingRandomPatchesClassifier
    >>> from streamlearn.datasets.synth import SEA
    >>> X, y, schema = SEA(n_rows=3000, drifts=[(1500, 3, 0)], seed=1).to_arrays()
    >>> model = StreamingRandomPatchesClassifier(n_models=5, seed=1)
    >>> pred = model.test_then_train_many(X, y, schema=schema)
    >>> print(f"{(pred == y).mean():.3f}")
    0.940
    >>> model.summary()["members"][0]["patch"]
    ['x1', 'x3']

    References
    ----------
    H. M. Gomes, J. Read and A. Bifet (2019). Streaming random patches for
    evolving data stream classification. ICDM, 240-249.
    """

    _param_rules = {  # noqa: RUF012
        "model": NONE | InstanceOf(Classifier, description="a streamlearn classifier"),
        "n_models": Interval(int, 1, None),
        "subspace_size": MAX_FEATURES,
        "training_method": OneOf("patches", "subspaces", "resampling"),
        "lam": Interval(float, 0, 100, open_low=True),
        "warning_delta": NONE | Interval(float, 0, 1, open_low=True, open_high=True),
        "drift_delta": NONE | Interval(float, 0, 1, open_low=True, open_high=True),
        "weighted_vote": BOOL,
        "seed": SEED,
    }

    def __init__(
        self,
        model: Classifier | None = None,
        n_models: int = 10,
        subspace_size: str | int | float | None = 0.6,
        training_method: str = "patches",
        lam: float = 6.0,
        warning_delta: float | None = 1e-4,
        drift_delta: float | None = 1e-5,
        weighted_vote: bool = True,
        seed: int | None = None,
    ):
        self.model = model
        self.n_models = n_models
        self.subspace_size = subspace_size
        self.training_method = training_method
        self.lam = lam
        self.warning_delta = warning_delta
        self.drift_delta = drift_delta
        self.weighted_vote = weighted_vote
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        from streamlearn.naive_bayes import GaussianNB

        yield {"n_models": 3, "seed": 1}
        # the check data has 120 rows: loose detectors warn, swap and restart members
        yield {"model": GaussianNB(), "n_models": 3, "warning_delta": 0.9, "drift_delta": 0.5, "seed": 2}
        yield {"n_models": 2, "training_method": "resampling", "weighted_vote": False, "seed": 3}

    @property
    def _base(self) -> Classifier:
        return self.model if self.model is not None else _default_base()

    @property
    def accepts_categorical(self) -> bool:  # type: ignore[override]
        return bool(self._base.accepts_categorical)

    # -- state --------------------------------------------------------------------------
    def _build(self, width: int) -> None:
        e = self.n_models
        self.members_ = B.new_members(self._base, e)
        self.backgrounds_: list[Any] = [None] * e
        self.patch_ = np.zeros((e, width), dtype=np.bool_)  # each member's patch
        self.bg_patch_ = np.zeros((e, width), dtype=np.bool_)
        self.started_ = np.zeros(e, dtype=np.bool_)
        self.rng_state_ = np.random.SeedSequence(self.seed).generate_state(e, dtype=np.uint64).reshape(-1, 1)
        self.acc_ = np.zeros((e, 2))  # votes counted, votes right, since the member's learner started
        self.events_ = np.zeros((e, 2), dtype=np.int64)  # warnings, drifts
        self.adwin_stats_ = np.zeros((e, 2, N_ASTATS))
        self.adwin_sum_ = np.zeros((e, 2, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1))
        self.adwin_sqdev_ = np.zeros((e, 2, ADWIN_ROWS, ADWIN_MAX_BUCKETS + 1))
        self.adwin_len_ = np.zeros((e, 2, ADWIN_ROWS), dtype=np.int64)
        self.width_seen_ = 0

    def _grow(self, width: int) -> None:
        if getattr(self, "patch_", None) is not None and width > self.patch_.shape[1]:
            pad = ((0, 0), (0, width - self.patch_.shape[1]))
            every = self._every_feature  # without patches, new columns are seen too
            self.patch_ = np.pad(self.patch_, pad, constant_values=every)
            self.bg_patch_ = np.pad(self.bg_patch_, pad, constant_values=every)
        for m in [
            *getattr(self, "members_", []),
            *(b for b in getattr(self, "backgrounds_", []) if b is not None),
        ]:
            if getattr(m, "schema_", None) is not None:
                m._grow(width)

    @property
    def _every_feature(self) -> bool:
        return self.training_method == "resampling" or self.subspace_size is None

    def _patch(self, e: int, pool: int) -> np.ndarray:
        """A new patch for member ``e``, from the first ``pool`` columns."""
        width = self.patch_.shape[1]
        if self._every_feature:
            mask = np.zeros(width, dtype=np.bool_)
            mask[:] = True
            return mask
        return draw_patch(self.rng_state_[e], pool, subspace_size(self.subspace_size, pool), width)

    def _learner(self) -> Any:
        m: Any = self._base.clone()
        B.sync(m, self)
        return m

    def _masked(self, X: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """``X`` with the columns outside ``mask`` missing (columns the mask does
        not know yet, i.e. newer than the patch, are missing too)."""
        out = X.copy()
        keep = np.zeros(X.shape[1], dtype=np.bool_)
        keep[: min(len(mask), X.shape[1])] = mask[: X.shape[1]]
        out[:, ~keep] = np.nan
        return out

    # -- one member over a batch ----------------------------------------------------------
    def _run_member(
        self,
        e: int,
        X_pred: np.ndarray,
        X_learn: np.ndarray,
        codes: np.ndarray,
        pool: np.ndarray,
        predict: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Member ``e`` over the batch: its votes and vote weights per row."""
        n, k = len(X_learn), len(self.classes_)
        same = X_pred is X_learn
        votes = np.zeros((n if predict else 0, k))
        weights = np.zeros(n if predict else 0)
        st = self.adwin_stats_[e]
        resample = self.training_method != "subspaces"
        i = 0
        while i < n:
            if not self.started_[e]:
                self.patch_[e] = self._patch(e, int(pool[i]))
                self.members_[e] = self._learner()
                self.started_[e] = True
            # the piece ends at the row where a detector's next test falls (counting learned rows only)
            probe = self.rng_state_[e : e + 1].copy()
            ahead = min(n - i, ADWIN_CLOCK)
            w = B.poisson_draws(probe, self.lam, ahead)[:, 0] if resample else np.ones(ahead, dtype=np.int64)
            to_test = int((ADWIN_CLOCK - st[:, A_TICK].astype(np.int64) % ADWIN_CLOCK).min())
            learned_so_far = np.cumsum(w > 0)
            hits = np.flatnonzero(learned_so_far >= to_test)
            j = i + (int(hits[0]) + 1 if len(hits) else ahead)
            w = w[: j - i]
            if resample:
                B.poisson_draws(self.rng_state_[e : e + 1], self.lam, j - i)  # consume exactly those draws
            fg, mask = self.members_[e], self.patch_[e]
            Xl = self._masked(X_learn[i:j], mask)
            if predict:
                seen, right = self.acc_[e]
                if not same:
                    votes[i:j] = B.member_test_then_train(
                        copy.deepcopy(fg), self._masked(X_pred[i:j], mask), Xl, codes[i:j], w, k
                    )
            own = B.member_test_then_train(fg, Xl, Xl, codes[i:j], w, k)
            right_now = B.top_classes(own) == codes[i:j]
            if predict:
                if same:
                    votes[i:j] = own
                counted = seen + np.arange(j - i)
                correct = right + np.concatenate([[0], np.cumsum(right_now)[:-1]])
                acc = np.where(counted > 0, correct / np.maximum(counted, 1), 0.0)
                weights[i:j] = np.where((acc > 0) & self.weighted_vote, acc, 1.0)
            self.acc_[e, 0] += j - i
            self.acc_[e, 1] += int(right_now.sum())
            bg = self.backgrounds_[e]
            if bg is not None:
                B.member_learn(bg, self._masked(X_learn[i:j], self.bg_patch_[e]), codes[i:j], w)
            self._detect(e, (~right_now).astype(np.float64), w > 0, int(pool[j - 1]))
            i = j
        return votes, weights

    def _detect(self, e: int, errors: np.ndarray, learned: np.ndarray, pool: int) -> None:
        st, sums, sq, lens = (
            self.adwin_stats_[e],
            self.adwin_sum_[e],
            self.adwin_sqdev_[e],
            self.adwin_len_[e],
        )
        if self.drift_delta is None:
            return
        if self.warning_delta is not None and feed(
            errors, learned, st[WARN], sums[WARN], sq[WARN], lens[WARN], self.warning_delta
        ):
            self.bg_patch_[e] = self._patch(e, pool)
            self.backgrounds_[e] = self._learner()
            adwin_reset(st[WARN], sums[WARN], sq[WARN], lens[WARN])
            self.events_[e, 0] += 1
        if feed(errors, learned, st[DRIFT], sums[DRIFT], sq[DRIFT], lens[DRIFT], self.drift_delta):
            if self.backgrounds_[e] is not None:
                self.members_[e], self.patch_[e] = self.backgrounds_[e], self.bg_patch_[e]
                self.backgrounds_[e] = None
            else:
                self.patch_[e] = self._patch(e, pool)
                self.members_[e] = self._learner()
            for d in (WARN, DRIFT):
                adwin_reset(st[d], sums[d], sq[d], lens[d])
            self.acc_[e] = 0.0
            self.events_[e, 1] += 1

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, predict: bool) -> np.ndarray:
        if getattr(self, "members_", None) is None:
            self._build(X_learn.shape[1])
        self._grow(X_learn.shape[1])
        for m in [*self.members_, *(b for b in self.backgrounds_ if b is not None)]:
            B.sync(m, self)
        present = ~np.isnan(X_learn)
        last = np.where(present.any(axis=1), X_learn.shape[1] - np.argmax(present[:, ::-1], axis=1), 0)
        pool = np.maximum.accumulate(np.maximum(last, self.width_seen_)).astype(np.int64)
        n, k = len(X_learn), len(self.classes_)
        votes = np.zeros((self.n_models, n if predict else 0, k))
        weights = np.zeros((self.n_models, n if predict else 0))
        for e in range(self.n_models):
            votes[e], weights[e] = self._run_member(e, X_pred, X_learn, codes, pool, predict)
        if n:
            self.width_seen_ = int(pool[-1])
        out = np.zeros((n if predict else 0, k))
        combine(votes, weights, out)
        return out

    # -- Classifier hooks -----------------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        self._run(X, X, codes, False)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        k = len(self.classes_)
        if getattr(self, "members_", None) is None:
            return np.zeros((len(X), 0))
        self._grow(X.shape[1])
        votes = np.stack(
            [B.member_proba(m, self._masked(X, p), k) for m, p in zip(self.members_, self.patch_)]
        )
        seen, right = self.acc_[:, 0], self.acc_[:, 1]
        acc = np.where(seen > 0, right / np.maximum(seen, 1), 0.0)
        w = np.where((acc > 0) & self.weighted_vote, acc, 1.0)
        out = np.zeros((len(X), k))
        combine(votes, np.repeat(w[:, None], len(X), axis=1), out)
        return out

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return self._run(X_pred, X_learn, codes, True)

    def summary(self) -> dict[str, Any]:
        """``n_models``, ``n_warnings``, ``n_drifts``, ``n_background`` and each
        member's ``patch`` (the column names it sees) and ``accuracy``."""
        if getattr(self, "members_", None) is None:
            return {
                "n_models": self.n_models,
                "n_warnings": 0,
                "n_drifts": 0,
                "n_background": 0,
                "members": [],
            }
        names = self.schema_.names
        members = [
            {
                "patch": [names[j] for j in np.flatnonzero(p) if j < len(names)],
                "accuracy": float(a[1] / a[0]) if a[0] else 0.0,
            }
            for p, a in zip(self.patch_, self.acc_)
        ]
        return {
            "n_models": self.n_models,
            "n_warnings": int(self.events_[:, 0].sum()),
            "n_drifts": int(self.events_[:, 1].sum()),
            "n_background": sum(b is not None for b in self.backgrounds_),
            "members": members,
        }
