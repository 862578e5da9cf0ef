"""Streaming k-means with forgetting (the update rule of Spark MLlib's StreamingKMeans)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.learner import Clusterer
from streamlearn.base.params import NONE, SEED, Interval, OneOf
from streamlearn.base.registry import register

#: A cluster is dying when its weight is below this share of the largest (Spark's rule).
DYING = 1e-8
#: Relative offset that splits the largest centre in two (Spark's rule).
SPLIT = 1e-14


@njit(cache=True)
def _nearest(x, centers):  # pragma: no cover - compiled
    """Index of the centre nearest to ``x`` over its observed coordinates (-1 if none)."""
    best, arg = np.inf, -1
    observed = False
    for c in range(centers.shape[0]):
        s = 0.0
        for j in range(x.shape[0]):
            v = x[j]
            if v == v:
                observed = True
                t = v - centers[c, j]
                s += t * t
        if s < best:
            best, arg = s, c
    return arg if observed else -1


@njit(cache=True)
def _assign_kernel(X, centers, learned, out):  # pragma: no cover - compiled
    for i in range(X.shape[0]):
        out[i] = _nearest(X[i], centers) if learned else -1


@njit(cache=True)
def _batch_stats_kernel(X, centers, counts, sums, observed):  # pragma: no cover - compiled
    """Assign each row to its nearest centre and accumulate per-cluster statistics."""
    for i in range(X.shape[0]):
        c = _nearest(X[i], centers)
        if c < 0:
            continue
        counts[c] += 1.0
        for j in range(X.shape[1]):
            v = X[i, j]
            if v == v:
                sums[c, j] += v
                observed[c, j] += 1.0


@njit(cache=True)
def _split_dying(centers, weights):  # pragma: no cover - compiled
    """Spark's rule: if the lightest cluster is dying, split the heaviest in two."""
    big, small = 0, 0
    for c in range(weights.shape[0]):
        if weights[c] > weights[big]:
            big = c
        if weights[c] < weights[small]:
            small = c
    if weights[small] < DYING * weights[big]:
        w = 0.5 * (weights[big] + weights[small])
        weights[big] = w
        weights[small] = w
        for j in range(centers.shape[1]):
            x = centers[big, j]
            p = SPLIT * max(abs(x), 1.0)
            centers[big, j] = x + p
            centers[small, j] = x - p


@njit(cache=True)
def _learn_point(x, centers, weights, decay):  # pragma: no cover - compiled
    """One point as one update unit: discount, move the nearest centre, split a dying one."""
    c = _nearest(x, centers)
    if c < 0:
        return
    for q in range(weights.shape[0]):
        weights[q] *= decay
    w = weights[c]
    for j in range(x.shape[0]):
        v = x[j]
        if v == v:
            centers[c, j] = (centers[c, j] * w + v) / (w + 1.0)
    weights[c] = w + 1.0
    _split_dying(centers, weights)


@njit(cache=True)
def _points_kernel(X_pred, X_learn, centers, weights, decay, out):  # pragma: no cover - compiled
    """Per-record updates; ``out[i]`` is the cluster of ``X_pred[i]`` before learning row ``i``."""
    for i in range(X_learn.shape[0]):
        if out.shape[0]:
            learned = False
            for q in range(weights.shape[0]):
                if weights[q] > 0.0:
                    learned = True
            out[i] = _nearest(X_pred[i], centers) if learned else -1
        _learn_point(X_learn[i], centers, weights, decay)


@register()
class KMeans(Clusterer):
    """Streaming k-means with forgetting, as Spark MLlib's ``StreamingKMeans``.

    Each *update unit* (a whole batch with ``time_unit="batches"``, each
    record with ``time_unit="points"``) assigns its points to the nearest
    centre (squared Euclidean distance), discounts every cluster weight by
    the decay factor ``a`` and moves each centre that received points:

    ``c' = (c * n * a + sum of its m points) / (n * a + m)``,
    ``n' = n * a + m``.

    With ``a = 1`` every point counts forever (the running mean of each
    cluster); with ``a = 0`` only the latest unit counts. ``half_life = h``
    sets ``a = exp(ln(0.5) / h)``: after ``h`` units the weight of older
    data has halved. Spark discounts a batch of ``m`` points by ``a ** m``
    with ``time_unit="points"``; here that mode applies the rule to each
    point in turn, which gives the same discount ``a ** m`` over the batch.

    * ``time_unit="batches"``: ``learn_many`` is one update unit and
      ``test_then_train_many`` predicts the batch then learns it, so
      ``learns_per_record`` is False for this mode. ``learn_one`` is a
      batch of one.
    * ``time_unit="points"``: every record is an update unit; ``learn_many``
      equals a loop of ``learn_one`` and ``learns_per_record`` is True.
    * Initial centres: standard-normal coordinates drawn from ``seed``, with
      weight 0 (Spark's ``setRandomCenters(dim, 0.0, seed)``). A centre of
      weight 0 jumps onto the mean of the first points it receives, and the
      dying-cluster rule moves the others next to the heaviest one, so the
      scale of the data does not matter. A column that appears later gets
      its centre coordinates drawn the same way.
    * Dying clusters (Spark's rule): after each update unit, if the lightest
      weight is below ``1e-8`` times the heaviest, the heaviest cluster is
      split: both get the mean of the two weights, and the two centres sit
      at ``x + p`` and ``x - p`` with ``p = 1e-14 * max(|x|, 1)`` per
      coordinate ``x`` of the heaviest centre. This is deterministic, as in
      Spark: the seed only draws the initial centres.
    * Missing values (NaN): distances use the observed coordinates; a centre
      coordinate moves only with the points that observed it,
      ``c'_j = (c_j * n * a + S_j) / (n * a + M_j)`` with ``S_j``, ``M_j`` the
      sum and count of the observed values. A record with no observed value
      is not learned and is predicted ``-1``.
    * ``predict`` gives the index of the nearest centre, ``-1`` before any
      learning.

    Parameters
    ----------
    n_clusters
        Number of clusters ``k``.
    decay_factor
        ``a`` in ``[0, 1]``; 1 forgets nothing.
    half_life
        Alternative to ``decay_factor`` (leave that at 1.0): the number of
        update units after which past data weighs half.
    time_unit
        ``"batches"`` (each ``learn_many`` call is one unit) or
        ``"points"`` (each record is one unit).
    seed
        Seed of the initial centres.

    Examples
    --------
    >>> import numpy as np
    >>> from streamlearn.cluster import KMeans
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 0.1, (500, 2)), rng.normal(5, 0.1, (500, 2))])
    >>> model = KMeans(n_clusters=2, time_unit="points", seed=1)
    >>> _ = model.learn_many(rng.permutation(X))
    >>> np.sort(np.abs(model.centers_).round(1), axis=0)
    array([[0., 0.],
           [5., 5.]])
    >>> model.weights_
    array([500.5, 499.5])
    >>> model.predict_one({0: 4.8, 1: 5.1}) == model.predict_one({0: 5.0, 1: 5.0})
    True

    References
    ----------
    Spark MLlib, *Streaming k-means* (clustering guide) and
    ``StreamingKMeansModel.update`` (https://spark.apache.org/docs/latest/mllib-clustering.html).
    Sculley, D. (2010). Web-scale k-means clustering. WWW '10 (mini-batch
    k-means update).
    """

    _param_rules = {  # noqa: RUF012
        "n_clusters": Interval(int, 1, None),
        "decay_factor": Interval(float, 0, 1),
        "half_life": NONE | Interval(float, 0, None, open_low=True),
        "time_unit": OneOf("batches", "points"),
        "seed": SEED,
    }

    def __init__(
        self,
        n_clusters: int = 2,
        decay_factor: float = 1.0,
        half_life: float | None = None,
        time_unit: str = "batches",
        seed: int | None = None,
    ):
        self.n_clusters = n_clusters
        self.decay_factor = decay_factor
        self.half_life = half_life
        self.time_unit = time_unit
        self.seed = seed
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.half_life is not None and self.decay_factor != 1.0:
            raise InvalidParameterError(
                "Give KMeans either 'decay_factor' or 'half_life', not both "
                f"(got decay_factor={self.decay_factor!r}, half_life={self.half_life!r})."
            )

    @classmethod
    def _unit_test_params(cls) -> Iterable[dict[str, Any]]:
        yield {"n_clusters": 3, "seed": 42}
        yield {"n_clusters": 3, "time_unit": "points", "half_life": 40.0, "seed": 7}
        yield {"n_clusters": 2, "decay_factor": 0.5, "seed": 3}

    @property
    def learns_per_record(self) -> bool:  # type: ignore[override]
        """True with ``time_unit="points"``: then ``learn_many`` is a loop of ``learn_one``."""
        return self.time_unit == "points"

    @property
    def decay(self) -> float:
        """The decay factor ``a`` in use (from ``half_life`` when given)."""
        if self.half_life is not None:
            return math.exp(math.log(0.5) / self.half_life)
        return float(self.decay_factor)

    # -- state ---------------------------------------------------------------------
    def _grow(self, width: int) -> None:
        if getattr(self, "centers_", None) is None:
            self.rng_ = np.random.default_rng(self.seed)
            self.centers_ = np.zeros((self.n_clusters, 0))
            self.weights_ = np.zeros(self.n_clusters)
        d = self.centers_.shape[1]
        if width > d:
            # One column at a time, so the draws do not depend on how columns arrive.
            new = [self.rng_.standard_normal(self.n_clusters) for _ in range(width - d)]
            self.centers_ = np.ascontiguousarray(np.column_stack([self.centers_, *new]))

    @property
    def _learned(self) -> bool:
        return bool(self.weights_.max() > 0.0)

    # -- hooks ------------------------------------------------------------------------
    def _output(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        out = np.empty(len(X), dtype=np.int64)
        _assign_kernel(X, self.centers_, self._learned, out)
        return out

    def _learn(self, X: np.ndarray) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        if self.time_unit == "points":
            _points_kernel(X, X, self.centers_, self.weights_, self.decay, np.empty(0, dtype=np.int64))
        else:
            self._learn_batch(X)

    def _learn_batch(self, X: np.ndarray) -> None:
        """One update unit: assign with the current centres, then move them all at once."""
        k, d = self.centers_.shape
        counts, sums, observed = np.zeros(k), np.zeros((k, d)), np.zeros((k, d))
        _batch_stats_kernel(X, self.centers_, counts, sums, observed)
        if not counts.any():
            return  # no row had an observed value: nothing to learn
        w = self.weights_ * self.decay
        moved = observed > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            new = (self.centers_ * w[:, None] + sums) / (w[:, None] + observed)
        self.centers_ = np.where(moved, new, self.centers_)
        self.weights_ = w + counts
        _split_dying(self.centers_, self.weights_)

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray) -> np.ndarray:
        X_pred = np.ascontiguousarray(X_pred, dtype=np.float64)
        X_learn = np.ascontiguousarray(X_learn, dtype=np.float64)
        if self.time_unit == "batches":
            out = self._output(X_pred)
            self._learn_batch(X_learn)
            return out
        out = np.empty(len(X_pred), dtype=np.int64)
        _points_kernel(X_pred, X_learn, self.centers_, self.weights_, self.decay, out)
        return out
