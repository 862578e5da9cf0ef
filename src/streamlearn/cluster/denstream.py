"""DenStream: faded potential and outlier micro-clusters online, DBSCAN over them on request.

Cao, Ester, Qian and Zhou (2006): each micro-cluster keeps faded cluster
features ``(w, CF1, CF2)`` (weight, weighted linear and squared sums, every
term discounted by ``2^(-lambda * age)``). Dense ones are *potential*
micro-clusters (p-micro-clusters), sparse ones *outlier* micro-clusters
(o-micro-clusters); a DBSCAN over the p-micro-clusters gives the clusters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.learner import Clusterer
from streamlearn.base.params import NONE, Interval
from streamlearn.base.registry import register

#: Slot kinds.
FREE, POTENTIAL, OUTLIER = 0, 1, 2
#: Micro-cluster slots allocated at first (the arrays double when full).
START_CAPACITY = 32
#: Counters shared with the kernel.
_TIME, _NBUF, _NSKIP, _INIT, _NACT, _NMACRO, _NEED = 0, 1, 2, 3, 4, 5, 6
_LN2 = math.log(2.0)


# -- compiled helpers ------------------------------------------------------------------
@njit(cache=True)
def _fade(lam, dt):  # pragma: no cover - compiled
    """``2^(-lambda * dt)``."""
    return math.exp(-lam * _LN2 * dt)


@njit(cache=True)
def _dist2(a, b):  # pragma: no cover - compiled
    s = 0.0
    for j in range(a.shape[0]):
        t = a[j] - b[j]
        s += t * t
    return s


@njit(cache=True)
def _nearest(x, kind, C, want):  # pragma: no cover - compiled
    """Slot of kind ``want`` (0: any live kind) nearest to ``x`` over its observed coordinates, or -1."""
    observed = False
    for j in range(x.shape[0]):
        if x[j] == x[j]:
            observed = True
            break
    if not observed:
        return -1
    best, arg = np.inf, -1
    for s in range(kind.shape[0]):
        if kind[s] == FREE or (want != FREE and kind[s] != want):
            continue
        d = 0.0
        for j in range(x.shape[0]):
            v = x[j]
            if v == v:
                t = v - C[s, j]
                d += t * t
        if d < best:
            best, arg = d, s
    return arg


@njit(cache=True)
def _radius_with(s, x, f, w, ls, ss):  # pragma: no cover - compiled
    """RMS radius ``sqrt(sum_j CF2_j/w - (CF1_j/w)^2)`` of micro-cluster ``s`` faded by ``f``, ``x`` added."""
    wn = w[s] * f + 1.0
    var = 0.0
    for j in range(x.shape[0]):
        m = (ls[s, j] * f + x[j]) / wn
        var += (ss[s, j] * f + x[j] * x[j]) / wn - m * m
    return math.sqrt(max(var, 0.0))


@njit(cache=True)
def _insert(s, x, f, t, w, ls, ss, t_upd, C):  # pragma: no cover - compiled
    """Fade micro-cluster ``s`` by ``f`` (to time ``t``) and add ``x`` with weight 1."""
    w[s] = w[s] * f + 1.0
    t_upd[s] = t
    for j in range(x.shape[0]):
        ls[s, j] = ls[s, j] * f + x[j]
        ss[s, j] = ss[s, j] * f + x[j] * x[j]
        C[s, j] = ls[s, j] / w[s]


@njit(cache=True)
def _free(s, kind, w, ls, ss, t_upd, t0):  # pragma: no cover - compiled
    kind[s] = FREE
    w[s] = 0.0
    t_upd[s] = 0.0
    t0[s] = 0.0
    ls[s, :] = 0.0
    ss[s, :] = 0.0


@njit(cache=True)
def _centres(kind, w, ls, C):  # pragma: no cover - compiled
    for s in range(kind.shape[0]):
        if kind[s] != FREE:
            for j in range(ls.shape[1]):
                C[s, j] = ls[s, j] / w[s]


# -- offline phase: DBSCAN over the p-micro-clusters -------------------------------------
@njit(cache=True)
def _dbscan(kind, w, t_upd, t0, C, t, lam, mu, eps, P, labels):  # pragma: no cover - compiled
    """DBSCAN over the p-micro-clusters as virtual points (centre, faded weight) at time ``t``.

    A p-micro-cluster is *core* when its weight is at least ``mu``; two are
    neighbours when their centres lie within ``2 * eps``. Clusters grow from
    cores through neighbours; a non-core one next to a core joins its
    cluster; the rest are noise (-1). ``P[:m]`` receives the centres (in slot
    order) and ``labels[:m]`` their clusters, numbered by the creation time
    of their oldest member. Returns ``m``.
    """
    d = C.shape[1]
    slots = np.empty(kind.shape[0], dtype=np.int64)
    m = 0
    for s in range(kind.shape[0]):
        if kind[s] == POTENTIAL:
            slots[m] = s
            m += 1
    wt = np.empty(m)
    for a in range(m):
        s = slots[a]
        wt[a] = w[s] * _fade(lam, t - t_upd[s])
        for j in range(d):
            P[a, j] = C[s, j]
        labels[a] = -2
    reach = 4.0 * eps * eps
    queue = np.empty(m, dtype=np.int64)
    n_clusters = 0
    for a in range(m):
        if labels[a] != -2 or wt[a] < mu:
            continue
        labels[a] = n_clusters
        head, tail = 0, 1
        queue[0] = a
        while head < tail:
            u = queue[head]
            head += 1
            for v in range(m):
                if labels[v] == -2 and _dist2(P[u], P[v]) <= reach:
                    labels[v] = n_clusters
                    if wt[v] >= mu:
                        queue[tail] = v
                        tail += 1
        n_clusters += 1
    # number the clusters by the creation time of their oldest member (slot order on ties)
    age = np.full(n_clusters, np.inf)
    for a in range(m):
        if labels[a] == -2:
            labels[a] = -1
        elif t0[slots[a]] < age[labels[a]]:
            age[labels[a]] = t0[slots[a]]
    rank = np.empty(n_clusters, dtype=np.int64)
    order = np.argsort(age, kind="mergesort")
    for r in range(n_clusters):
        rank[order[r]] = r
    for a in range(m):
        if labels[a] >= 0:
            labels[a] = rank[labels[a]]
    return m


@njit(cache=True)
def _predict_row(x, kind, C, P, labels, m):  # pragma: no cover - compiled
    """Cluster of the p-micro-cluster nearest to ``x``: the label of the snapshot point nearest its centre."""
    s = _nearest(x, kind, C, POTENTIAL)
    if s < 0 or m == 0:
        return -1
    best, arg = np.inf, 0
    for a in range(m):
        dd = _dist2(C[s], P[a])
        if dd < best:
            best, arg = dd, a
    return labels[arg]


# -- online phase ------------------------------------------------------------------------
@njit(cache=True)
def _initial_dbscan(B, bt, t, lam, bmu, eps, Tmp):  # pragma: no cover - compiled
    """The paper's initialisation: each point whose uncovered ``eps``-neighbourhood weighs ``bmu`` or
    more becomes a p-micro-cluster with that neighbourhood. Rows of ``Tmp``: ``[w, first arrival,
    CF1..., CF2...]``; returns their count."""
    nb, d = B.shape
    covered = np.zeros(nb, dtype=np.bool_)
    eps2 = eps * eps
    made = 0
    for i in range(nb):
        if covered[i]:
            continue
        total = 0.0
        for j in range(nb):
            if not covered[j] and _dist2(B[i], B[j]) <= eps2:
                total += _fade(lam, t - bt[j])
        if total < bmu:
            continue
        Tmp[made, :] = 0.0
        Tmp[made, 1] = np.inf
        for j in range(nb):
            if not covered[j] and _dist2(B[i], B[j]) <= eps2:
                covered[j] = True
                f = _fade(lam, t - bt[j])
                Tmp[made, 0] += f
                Tmp[made, 1] = min(Tmp[made, 1], bt[j])
                for k in range(d):
                    Tmp[made, 2 + k] += f * B[j, k]
                    Tmp[made, 2 + d + k] += f * B[j, k] * B[j, k]
        made += 1
    return made


@njit(cache=True)
def _imputed_buffer(buf, nb):  # pragma: no cover - compiled
    B = buf[:nb].copy()
    for j in range(B.shape[1]):
        tot, cnt = 0.0, 0
        for i in range(nb):
            if B[i, j] == B[i, j]:
                tot += B[i, j]
                cnt += 1
        fill = tot / cnt if cnt > 0 else 0.0
        for i in range(nb):
            if B[i, j] != B[i, j]:
                B[i, j] = fill
    return B


@njit(cache=True)
def _first_free(kind):  # pragma: no cover - compiled
    for s in range(kind.shape[0]):
        if kind[s] == FREE:
            return s
    return -1


@njit(cache=True)
def _learn_row(x, t, kind, w, ls, ss, t_upd, t0, C, xi, cnt, lam, bmu, eps):  # pragma: no cover - compiled
    """Merge ``x`` into its nearest p-, else o-micro-cluster if the radius stays within ``eps``; else start
    an o-micro-cluster."""
    d = x.shape[0]
    s = _nearest(x, kind, C, FREE)
    missing = False
    for j in range(d):
        if x[j] != x[j]:
            missing = True
    if missing and s < 0:  # nothing to impute from
        cnt[_NSKIP] += 1
        return
    for j in range(d):  # missing values: the nearest micro-cluster's centre
        xi[j] = x[j] if x[j] == x[j] else C[s, j]
    p = _nearest(xi, kind, C, POTENTIAL)
    if p >= 0:
        f = _fade(lam, t - t_upd[p])
        if _radius_with(p, xi, f, w, ls, ss) <= eps:
            _insert(p, xi, f, t, w, ls, ss, t_upd, C)
            return
    o = _nearest(xi, kind, C, OUTLIER)
    if o >= 0:
        f = _fade(lam, t - t_upd[o])
        if _radius_with(o, xi, f, w, ls, ss) <= eps:
            _insert(o, xi, f, t, w, ls, ss, t_upd, C)
            if w[o] > bmu:
                kind[o] = POTENTIAL
            return
    s = _first_free(kind)
    kind[s] = OUTLIER
    w[s] = 1.0
    t_upd[s] = t
    t0[s] = t
    for j in range(d):
        ls[s, j] = xi[j]
        ss[s, j] = xi[j] * xi[j]
        C[s, j] = xi[j]
    cnt[_NACT] += 1


@njit(cache=True)
def _prune(t, kind, w, ls, ss, t_upd, t0, cnt, lam, bmu, tp):  # pragma: no cover - compiled
    """Every ``T_p``: drop p-micro-clusters whose weight fell below ``beta*mu`` and o-micro-clusters below
    ``xi = (2^(-lambda (t - t0 + T_p)) - 1) / (2^(-lambda T_p) - 1)``."""
    for s in range(kind.shape[0]):
        if kind[s] == FREE:
            continue
        wd = w[s] * _fade(lam, t - t_upd[s])
        if kind[s] == POTENTIAL:
            drop = wd < bmu
        else:
            drop = wd < (_fade(lam, t - t0[s] + tp) - 1.0) / (_fade(lam, tp) - 1.0)
        if drop:
            _free(s, kind, w, ls, ss, t_upd, t0)
            cnt[_NACT] -= 1


@njit(cache=True)
def _run(
    X_pred, X_learn, out, start, kind, w, ls, ss, t_upd, t0, buf, buf_t, Pst, Lst, cnt, fpar, ipar
):  # pragma: no cover
    """Per-record loop from row ``start``; returns the row where it stopped (``len(X_learn)`` when done).

    It stops before learning a row that might need more micro-cluster slots
    than are free (``cnt[_NEED]`` says how many in all); the caller grows
    the arrays and calls again from that row, which gives the same result.
    ``fpar``: lambda, beta*mu, mu, epsilon, T_p. ``ipar``: n_samples_init,
    macro_every (0: DBSCAN of the current state before each prediction).
    """
    lam, bmu, mu, eps, tp = fpar[0], fpar[1], fpar[2], fpar[3], fpar[4]
    n_init, every = ipar[0], ipar[1]
    cap, d = ls.shape
    C = np.zeros((cap, d))
    _centres(kind, w, ls, C)
    xi = np.empty(d)
    Pnow = np.empty((cap, d))
    Lnow = np.empty(cap, dtype=np.int64)
    m_now = -1  # snapshot of the current state (macro_every = 0): -1 = stale
    for i in range(start, X_learn.shape[0]):
        if out.shape[0]:
            if every == 0:
                if m_now < 0:
                    m_now = _dbscan(kind, w, t_upd, t0, C, float(cnt[_TIME]), lam, mu, eps, Pnow, Lnow)
                out[i] = _predict_row(X_pred[i], kind, C, Pnow, Lnow, m_now)
            else:
                out[i] = _predict_row(X_pred[i], kind, C, Pst, Lst, max(cnt[_NMACRO], 0))
        x = X_learn[i]
        t = float(cnt[_TIME] + 1)
        observed = False
        for j in range(d):
            if x[j] == x[j]:
                observed = True
                break
        if observed and cnt[_INIT] == 0:
            nb = cnt[_NBUF]
            buf[nb] = x
            buf_t[nb] = t
            if nb + 1 == n_init:  # the buffer is full: initialise, if the slots suffice
                Tmp = np.empty((n_init, 2 + 2 * d))
                made = _initial_dbscan(_imputed_buffer(buf, n_init), buf_t, t, lam, bmu, eps, Tmp)
                if made > cap:
                    cnt[_NEED] = made
                    return i
                for s in range(made):
                    kind[s] = POTENTIAL
                    w[s] = Tmp[s, 0]
                    t_upd[s] = t
                    t0[s] = Tmp[s, 1]  # used for numbering clusters only (pruning uses it for o-clusters)
                    for j in range(d):
                        ls[s, j] = Tmp[s, 2 + j]
                        ss[s, j] = Tmp[s, 2 + d + j]
                _centres(kind, w, ls, C)
                cnt[_NACT] = made
                cnt[_INIT] = 1
            cnt[_NBUF] = nb + 1
        elif observed:
            if cnt[_NACT] >= cap:
                cnt[_NEED] = cnt[_NACT] + 1
                return i
            _learn_row(x, t, kind, w, ls, ss, t_upd, t0, C, xi, cnt, lam, bmu, eps)
        if not observed:
            cnt[_NSKIP] += 1
        cnt[_TIME] += 1
        if cnt[_INIT]:
            if cnt[_TIME] % int(tp) == 0:
                _prune(t, kind, w, ls, ss, t_upd, t0, cnt, lam, bmu, tp)
            if every > 0 and (cnt[_NMACRO] < 0 or cnt[_TIME] % every == 0):
                cnt[_NMACRO] = _dbscan(kind, w, t_upd, t0, C, t, lam, mu, eps, Pst, Lst)
        m_now = -1
    return X_learn.shape[0]


@njit(cache=True)
def _predict_kernel(X, kind, w, ls, P, labels, m, out):  # pragma: no cover - compiled
    C = np.zeros(ls.shape)
    _centres(kind, w, ls, C)
    for i in range(X.shape[0]):
        out[i] = _predict_row(X[i], kind, C, P, labels, m)


@njit(cache=True)
def _macro_kernel(kind, w, ls, t_upd, t0, t, lam, mu, eps, P, labels):  # pragma: no cover - compiled
    C = np.zeros(ls.shape)
    _centres(kind, w, ls, C)
    return _dbscan(kind, w, t_upd, t0, C, t, lam, mu, eps, P, labels)


@register("denstream")
class DenStream(Clusterer):
    """DenStream (Cao et al. 2006): density-based clustering of an evolving stream with noise.

    **Micro-clusters.** Each keeps faded cluster features: the weight
    ``w = sum_i 2^(-lambda (t - T_i))`` of its points (arrival times ``T_i``),
    and ``CF1``, ``CF2``, the per-feature sums of ``2^(-lambda (t - T_i)) p_i``
    and ``... p_i^2``. Its centre is ``CF1 / w`` and its radius
    ``sqrt(sum_j CF2_j / w - (CF1_j / w)^2)`` (the RMS distance of its points
    from the centre). Time is the row count: every record given to ``learn``
    advances it by one, and ``lambda = decaying_factor`` is per row. A
    *p-micro-cluster* has ``w >= beta * mu``; lighter ones are
    *o-micro-clusters* (outliers, possibly the seed of a new cluster).

    **Online phase** (for a point ``p`` at time ``t``):

    * The first ``n_samples_init`` records are buffered; then, in arrival
      order, each not yet covered buffered point whose ``epsilon``-neighbourhood
      of uncovered points weighs at least ``beta * mu`` (faded to ``t``) becomes a
      p-micro-cluster holding that neighbourhood (the paper's DBSCAN start).
      Points covered by none are dropped.
    * ``p`` merges into its nearest p-micro-cluster if the radius after the
      merge is at most ``epsilon``; else into its nearest o-micro-cluster
      under the same test (which becomes a p-micro-cluster once its weight
      exceeds ``beta * mu``); else it starts a new o-micro-cluster (creation
      time ``t``).
    * Every ``T_p = ceil(log2(beta mu / (beta mu - 1)) / lambda)`` rows, the
      p-micro-clusters whose faded weight fell below ``beta * mu`` are deleted,
      and so are the o-micro-clusters lighter than
      ``xi = (2^(-lambda (t - t_0 + T_p)) - 1) / (2^(-lambda T_p) - 1)``.
      Fading and pruning are how old clusters disappear after a change.

    **Offline phase (clusters).** DBSCAN over the p-micro-clusters as
    virtual points (centre, faded weight): a p-micro-cluster with weight at
    least ``mu`` is a core; two are neighbours when their centres are within
    ``2 * epsilon``; non-core p-micro-clusters next to a core join its
    cluster, the others are noise. Clusters are numbered by the creation
    time of their oldest p-micro-cluster (for one made at initialisation:
    the arrival of its first point), so numbers stay while clusters do; they
    shift when a cluster's oldest p-micro-cluster is pruned. ``predict``
    returns the cluster of the record's nearest p-micro-cluster, ``-1`` for
    noise, before initialisation, or while no p-micro-cluster exists.

    * ``macro_every=None`` (default): the clustering is a function of the
      current state (micro-clusters and time). It is computed lazily when
      ``predict`` is called after learning and cached until the next learn;
      ``test_then_train_many`` recomputes it before each row, so the batch
      equals predicting and learning one record at a time exactly (at the
      cost of one DBSCAN per row).
    * ``macro_every=e``: a snapshot (p-micro-cluster centres and their
      clusters) is learned state, recomputed after every row whose time is a
      multiple of ``e`` and once at initialisation; a record gets the label
      of the snapshot point nearest to its nearest current p-micro-cluster.

    Missing values (NaN): a record with no observed value is not learned
    (``n_skipped_`` counts it; time still advances) and is predicted ``-1``.
    Otherwise the nearest micro-cluster (of either kind) is found over the
    observed features and the missing ones take its centre's values before
    learning (the record is skipped and counted when no micro-cluster exists
    yet); predictions use the observed features only. Buffered records are
    imputed with the buffer's column means at initialisation. A feature that
    appears mid-stream counts as 0 in the micro-clusters built before it.

    Parameters
    ----------
    decaying_factor
        ``lambda`` > 0, per row: a point's weight halves every
        ``1 / lambda`` rows.
    beta
        In ``(0, 1]``: p-micro-clusters need weight ``beta * mu``.
    mu
        Core weight; ``beta * mu`` must exceed 1.
    epsilon
        Largest micro-cluster radius, in the units of the features (scale
        them first); the offline neighbourhood is ``2 * epsilon``.
    n_samples_init
        Records buffered for the initial DBSCAN.
    macro_every
        ``None``: cluster the current state at each prediction; an int ``e``:
        recompute the snapshot every ``e`` rows while learning.

    Examples
    --------
    >>> import numpy as np
    >>> from streamlearn.cluster import DenStream
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    >>> X = centres[rng.integers(0, 3, 3000)] + rng.normal(0.0, 0.3, (3000, 2))
    >>> model = DenStream(decaying_factor=0.01, beta=0.5, mu=4.0, epsilon=0.6, n_samples_init=200)
    >>> _ = model.learn_many(X)
    >>> model.n_clusters, model.n_potential
    (3, 7)
    >>> model.predict_many(np.array([[0.1, 0.2], [0.2, 5.9], [6.1, -0.2]]))
    array([2, 0, 1])

    References
    ----------
    Cao, F., Ester, M., Qian, W., Zhou, A. (2006). Density-based clustering
    over an evolving data stream with noise. SIAM SDM 2006, 328-339.
    Ester, M., Kriegel, H.-P., Sander, J., Xu, X. (1996). A density-based
    algorithm for discovering clusters in large spatial databases with noise.
    KDD-96.
    Semantics compared with MOA's ``denstream.WithDBSCAN`` and River's
    ``cluster.DenStream``.
    """

    needs_scaling = True
    #: Snapshot (centres, clusters, count) of the current state (``macro_every=None``); None: stale.
    _macro_cache: tuple[np.ndarray, np.ndarray, int] | None
    _param_rules = {  # noqa: RUF012
        "decaying_factor": Interval(float, 0, None, open_low=True),
        "beta": Interval(float, 0, 1, open_low=True),
        "mu": Interval(float, 1, None, open_low=True),
        "epsilon": Interval(float, 0, None, open_low=True),
        "n_samples_init": Interval(int, 1, None),
        "macro_every": NONE | Interval(int, 1, None),
    }

    def __init__(
        self,
        decaying_factor: float = 0.001,
        beta: float = 0.2,
        mu: float = 10.0,
        epsilon: float = 0.5,
        n_samples_init: int = 1000,
        macro_every: int | None = None,
    ):
        self.decaying_factor = decaying_factor
        self.beta = beta
        self.mu = mu
        self.epsilon = epsilon
        self.n_samples_init = n_samples_init
        self.macro_every = macro_every
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.beta * self.mu <= 1.0:
            raise InvalidParameterError(
                f"DenStream needs beta * mu > 1 (a p-micro-cluster must outweigh a single point). "
                f"Got beta={self.beta!r} and mu={self.mu!r}; raise 'mu' or 'beta'."
            )

    @classmethod
    def _unit_test_params(cls) -> Iterable[dict[str, Any]]:
        # several clusters and a pruning every 32 rows on the check data
        yield {"decaying_factor": 0.05, "beta": 0.6, "mu": 2.5, "epsilon": 5.0, "n_samples_init": 20}
        # many outlier micro-clusters: the slot arrays grow mid-batch
        yield {
            "decaying_factor": 0.02,
            "beta": 0.5,
            "mu": 3.0,
            "epsilon": 2.0,
            "n_samples_init": 10,
            "macro_every": 5,
        }

    @property
    def time_period(self) -> int:
        """``T_p``, the rows between two prunings."""
        bmu = self.beta * self.mu
        return max(1, math.ceil(math.log2(bmu / (bmu - 1.0)) / self.decaying_factor))

    # -- state ---------------------------------------------------------------------
    def _grow(self, width: int) -> None:
        if getattr(self, "kind_", None) is None:
            self.time_ = 0
            self.n_skipped_ = 0
            self.n_buffered_ = 0
            self.initialised_ = False
            self.n_macro_ = -1
            self.buffer_ = np.zeros((self.n_samples_init, 0))
            self.buffer_t_ = np.zeros(self.n_samples_init)
            self.kind_ = np.zeros(START_CAPACITY, dtype=np.int64)
            self.weights_ = np.zeros(START_CAPACITY)
            self.cf1_ = np.zeros((START_CAPACITY, 0))
            self.cf2_ = np.zeros((START_CAPACITY, 0))
            self.updated_ = np.zeros(START_CAPACITY)
            self.created_ = np.zeros(START_CAPACITY)
            self.macro_centers_ = np.zeros((START_CAPACITY, 0))
            self.macro_labels_ = np.full(START_CAPACITY, -1, dtype=np.int64)
        d = self.cf1_.shape[1]
        if width > d:
            self._macro_cache = None
            pad = ((0, 0), (0, width - d))
            self.cf1_ = np.ascontiguousarray(np.pad(self.cf1_, pad))
            self.cf2_ = np.ascontiguousarray(np.pad(self.cf2_, pad))
            self.macro_centers_ = np.ascontiguousarray(np.pad(self.macro_centers_, pad))
            self.buffer_ = np.ascontiguousarray(np.pad(self.buffer_, pad, constant_values=np.nan))

    def _reserve(self, need: int) -> None:
        """At least ``need`` micro-cluster slots (capacity doubles)."""
        cap = len(self.kind_)
        new = max(2 * cap, need)
        extra = ((0, new - cap),)
        self.kind_ = np.pad(self.kind_, extra)
        self.weights_ = np.pad(self.weights_, extra)
        self.updated_ = np.pad(self.updated_, extra)
        self.created_ = np.pad(self.created_, extra)
        self.macro_labels_ = np.pad(self.macro_labels_, extra, constant_values=-1)
        rows = ((0, new - cap), (0, 0))
        self.cf1_ = np.ascontiguousarray(np.pad(self.cf1_, rows))
        self.cf2_ = np.ascontiguousarray(np.pad(self.cf2_, rows))
        self.macro_centers_ = np.ascontiguousarray(np.pad(self.macro_centers_, rows))

    def _after_load(self) -> None:
        self._macro_cache = None

    @property
    def n_potential(self) -> int:
        """How many p-micro-clusters exist now."""
        kind = getattr(self, "kind_", None)
        return 0 if kind is None else int((kind == POTENTIAL).sum())

    @property
    def n_outlier(self) -> int:
        """How many o-micro-clusters exist now."""
        kind = getattr(self, "kind_", None)
        return 0 if kind is None else int((kind == OUTLIER).sum())

    def micro_cluster_centers(self, kind: str = "potential") -> np.ndarray:
        """Centres ``CF1 / w`` of the ``"potential"`` or ``"outlier"`` micro-clusters (slot order)."""
        if getattr(self, "kind_", None) is None:
            return np.zeros((0, 0))
        live = self.kind_ == (POTENTIAL if kind == "potential" else OUTLIER)
        return self.cf1_[live] / self.weights_[live, None]

    @property
    def n_clusters(self) -> int:
        """How many clusters the offline DBSCAN finds now (noise aside)."""
        if getattr(self, "kind_", None) is None:
            return 0
        _, labels, m = self._macro_state()
        return int(labels[:m].max() + 1) if m else 0

    def _fpar(self) -> np.ndarray:
        return np.array(
            [self.decaying_factor, self.beta * self.mu, self.mu, self.epsilon, float(self.time_period)],
            dtype=np.float64,
        )

    def _macro_state(self) -> tuple[np.ndarray, np.ndarray, int]:
        if self.macro_every is not None:
            return self.macro_centers_, self.macro_labels_, max(self.n_macro_, 0)
        cache = getattr(self, "_macro_cache", None)
        if cache is None:
            cap, d = self.cf1_.shape
            P, labels = np.zeros((cap, d)), np.full(cap, -1, dtype=np.int64)
            m = _macro_kernel(
                self.kind_, self.weights_, self.cf1_, self.updated_, self.created_, float(self.time_),
                float(self.decaying_factor), float(self.mu), float(self.epsilon), P, labels,
            )  # fmt: skip
            cache = self._macro_cache = (P, labels, int(m))
        return cache

    # -- hooks ---------------------------------------------------------------------
    def _output(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        P, labels, m = self._macro_state()
        out = np.empty(len(X), dtype=np.int64)
        _predict_kernel(X, self.kind_, self.weights_, self.cf1_, P, labels, m, out)
        return out

    def _learn(self, X: np.ndarray) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        self._run(X, X, np.empty(0, dtype=np.int64))

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray) -> np.ndarray:
        X_pred = np.ascontiguousarray(X_pred, dtype=np.float64)
        X_learn = np.ascontiguousarray(X_learn, dtype=np.float64)
        out = np.empty(len(X_learn), dtype=np.int64)
        self._run(X_pred, X_learn, out)
        return out

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, out: np.ndarray) -> None:
        fpar = self._fpar()
        ipar = np.array([self.n_samples_init, self.macro_every or 0], dtype=np.int64)
        start = 0
        while True:
            cnt = np.array(
                [self.time_, self.n_buffered_, self.n_skipped_, int(self.initialised_),
                 int((self.kind_ != FREE).sum()), self.n_macro_, 0],
                dtype=np.int64,
            )  # fmt: skip
            start = _run(
                X_pred, X_learn, out, start, self.kind_, self.weights_, self.cf1_, self.cf2_,
                self.updated_, self.created_, self.buffer_, self.buffer_t_,
                self.macro_centers_, self.macro_labels_, cnt, fpar, ipar,
            )  # fmt: skip
            self.time_, self.n_buffered_, self.n_skipped_ = int(cnt[_TIME]), int(cnt[_NBUF]), int(cnt[_NSKIP])
            self.n_macro_ = int(cnt[_NMACRO])
            if cnt[_INIT] and not self.initialised_:
                self.initialised_ = True
                self.buffer_ = np.zeros((0, self.cf1_.shape[1]))  # the buffer is spent
                self.buffer_t_ = np.zeros(0)
            if start >= len(X_learn):
                break
            self._reserve(int(cnt[_NEED]))
        self._macro_cache = None
