"""CluStream: online micro-clusters summarised by cluster feature vectors, macro clusters by weighted k-means.

The online phase keeps at most ``q`` micro-clusters, each a temporal cluster
feature vector ``(N, LS, SS, LST, SST)`` (count, linear and squared sums of
the points, linear and squared sums of their arrival times; Aggarwal et al.
2003). The offline phase clusters the micro-cluster centres with a weighted
k-means on request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.learner import Clusterer
from streamlearn.base.params import NONE, SEED, Interval
from streamlearn.base.registry import register

#: Lloyd iterations at most, for the initial and the macro k-means.
MAX_ITER = 100
#: Counters shared with the kernel: time, buffered rows, skipped rows, macro clusters, initialised.
_TIME, _NBUF, _NSKIP, _NMACRO, _INIT = 0, 1, 2, 3, 4
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


# -- small compiled helpers --------------------------------------------------------------
@njit(cache=True)
def _uniform(state):  # pragma: no cover - compiled
    """A uniform double in [0, 1) from a SplitMix64 generator held in ``state[0]``."""
    s = state[0] + _GOLDEN
    state[0] = s
    z = (s ^ (s >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _inv_normal_cdf(p):  # pragma: no cover - compiled
    """Quantile of the standard normal (Acklam's rational approximation, relative error < 1.2e-9)."""
    if p <= 0.0:
        return -np.inf
    if p >= 1.0:
        return np.inf
    a0, a1, a2 = -3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02
    a3, a4, a5 = 1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00
    b0, b1, b2 = -5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02
    b3, b4 = 6.680131188771972e01, -1.328068155288572e01
    c0, c1, c2 = -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00
    c3, c4, c5 = -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00
    d0, d1, d2, d3 = 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00
    lo = 0.02425
    if p < lo:
        q = math.sqrt(-2.0 * math.log(p))
        return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / (
            (((d0 * q + d1) * q + d2) * q + d3) * q + 1.0
        )
    if p > 1.0 - lo:
        q = math.sqrt(-2.0 * math.log(1.0 - p))
        return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / (
            (((d0 * q + d1) * q + d2) * q + d3) * q + 1.0
        )
    q = p - 0.5
    r = q * q
    return (
        (((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5)
        * q
        / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1.0)
    )


@njit(cache=True)
def _dist2(a, b):  # pragma: no cover - compiled
    s = 0.0
    for j in range(a.shape[0]):
        t = a[j] - b[j]
        s += t * t
    return s


@njit(cache=True)
def _nearest_slot(x, n, C):  # pragma: no cover - compiled
    """Active slot (``n > 0``) whose centre is nearest to ``x`` over its observed coordinates (-1 if none)."""
    observed = False
    for j in range(x.shape[0]):
        if x[j] == x[j]:
            observed = True
            break
    if not observed:
        return -1
    best, arg = np.inf, -1
    for s in range(n.shape[0]):
        if n[s] <= 0.0:
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
def _nearest_row(c, M, k):  # pragma: no cover - compiled
    """Index of the row of ``M[:k]`` nearest to ``c`` (first on ties)."""
    best, arg = np.inf, -1
    for r in range(k):
        d = _dist2(c, M[r])
        if d < best:
            best, arg = d, r
    return arg


# -- weighted k-means (initialisation and macro clustering) ------------------------------
@njit(cache=True)
def _kmeans(P, w, k, n_init, seed, M):  # pragma: no cover - compiled
    """Weighted k-means of the rows of ``P`` (weights ``w``) into ``M[:k]``; returns ``k``.

    k-means++ seeding (draws proportional to ``w * D^2``) from a SplitMix64
    generator started at ``seed``, then Lloyd iterations until no assignment
    changes (at most ``MAX_ITER``); ``n_init`` restarts keep the lowest
    weighted inertia. An emptied cluster keeps its centre. The centres come
    out in the order the draws found them.
    """
    m, d = P.shape
    k = min(k, m)
    if k == 0:
        return 0
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    C = np.empty((k, d))
    D = np.empty(m)
    lab = np.empty(m, dtype=np.int64)
    sums = np.empty((k, d))
    mass = np.empty(k)
    best = np.inf
    for _ in range(n_init):
        # k-means++ seeding
        for c in range(k):
            total = 0.0
            for i in range(m):
                total += w[i] if c == 0 else w[i] * D[i]
            pick = m - 1
            if total > 0.0:
                u = _uniform(state) * total
                acc = 0.0
                for i in range(m):
                    acc += w[i] if c == 0 else w[i] * D[i]
                    if acc > u:
                        pick = i
                        break
            else:  # every point sits on a chosen centre: reuse one
                _uniform(state)
                pick = c % m
            for j in range(d):
                C[c, j] = P[pick, j]
            for i in range(m):
                dd = _dist2(P[i], C[c])
                if c == 0 or dd < D[i]:
                    D[i] = dd
        # Lloyd iterations
        for i in range(m):
            lab[i] = -1
        for _it in range(MAX_ITER):
            changed = False
            for i in range(m):
                r = _nearest_row(P[i], C, k)
                if r != lab[i]:
                    lab[i] = r
                    changed = True
            if not changed:
                break
            sums[:, :] = 0.0
            mass[:] = 0.0
            for i in range(m):
                r = lab[i]
                mass[r] += w[i]
                for j in range(d):
                    sums[r, j] += w[i] * P[i, j]
            for r in range(k):
                if mass[r] > 0.0:
                    for j in range(d):
                        C[r, j] = sums[r, j] / mass[r]
        inertia = 0.0
        for i in range(m):
            inertia += w[i] * _dist2(P[i], C[lab[i]])
        if inertia < best:
            best = inertia
            M[:k, :] = C
    return k


@njit(cache=True)
def _macro(n, C, born, k, n_init, seed, M):  # pragma: no cover - compiled
    """Weighted k-means of the active micro-cluster centres (weights ``N``) into ``M``; returns its k.

    The centres are numbered by the birth time of their oldest micro-cluster
    (a centre that holds none goes last), so numbers stay while clusters do.
    """
    m = 0
    for s in range(n.shape[0]):
        if n[s] > 0.0:
            m += 1
    P = np.empty((m, C.shape[1]))
    w = np.empty(m)
    b = np.empty(m)
    i = 0
    for s in range(n.shape[0]):
        if n[s] > 0.0:
            P[i] = C[s]
            w[i] = n[s]
            b[i] = born[s]
            i += 1
    k = _kmeans(P, w, k, n_init, seed, M)
    age = np.full(k, np.inf)
    for i in range(m):
        r = _nearest_row(P[i], M, k)
        age[r] = min(age[r], b[i])
    order = np.argsort(age, kind="mergesort")
    M[:k] = M[:k][order]
    return k


# -- the online phase -------------------------------------------------------------------
@njit(cache=True)
def _centres(n, ls, C):  # pragma: no cover - compiled
    for s in range(n.shape[0]):
        if n[s] > 0.0:
            for j in range(ls.shape[1]):
                C[s, j] = ls[s, j] / n[s]


@njit(cache=True)
def _predict_row(x, n, C, M, k):  # pragma: no cover - compiled
    """Macro cluster of the micro-cluster nearest to ``x``: the macro centre nearest to its centre."""
    if k == 0:
        return -1
    s = _nearest_slot(x, n, C)
    if s < 0:
        return -1
    return _nearest_row(C[s], M, k)


@njit(cache=True)
def _put(s, x, t, n, ls, ss, lt, st, born, C):  # pragma: no cover - compiled
    """A new micro-cluster holding the single point ``x`` (time ``t``) in slot ``s``."""
    n[s] = 1.0
    born[s] = t
    lt[s] = t
    st[s] = t * t
    for j in range(x.shape[0]):
        ls[s, j] = x[j]
        ss[s, j] = x[j] * x[j]
        C[s, j] = x[j]


@njit(cache=True)
def _initialise(buf, buf_t, nb, n, ls, ss, lt, st, born, C, n_init, seed):  # pragma: no cover - compiled
    """k-means over the buffered points (missing values: column means) gives the first micro-clusters."""
    q, d = ls.shape
    B = buf[:nb].copy()
    for j in range(d):
        tot, cnt = 0.0, 0
        for i in range(nb):
            if B[i, j] == B[i, j]:
                tot += B[i, j]
                cnt += 1
        fill = tot / cnt if cnt > 0 else 0.0
        for i in range(nb):
            if B[i, j] != B[i, j]:
                B[i, j] = fill
    M = np.empty((min(q, nb), d))
    k = _kmeans(B, np.ones(nb), q, n_init, seed, M)
    slot = np.full(k, -1, dtype=np.int64)
    used = 0
    for i in range(nb):
        r = _nearest_row(B[i], M, k)
        s = slot[r]
        t = buf_t[i]
        if s < 0:
            s = slot[r] = used
            used += 1
            born[s] = t
        n[s] += 1.0
        lt[s] += t
        st[s] += t * t
        for j in range(d):
            ls[s, j] += B[i, j]
            ss[s, j] += B[i, j] * B[i, j]
    _centres(n, ls, C)


@njit(cache=True)
def _boundary(s, n, ss, C, t_factor):  # pragma: no cover - compiled
    """Maximal boundary: ``t`` times the RMS deviation ``sqrt(sum_j SS_j/N - (LS_j/N)^2)`` of the points."""
    var = 0.0
    for j in range(C.shape[1]):
        var += ss[s, j] / n[s] - C[s, j] * C[s, j]
    return t_factor * math.sqrt(max(var, 0.0))


@njit(cache=True)
def _learn_row(x, t, n, ls, ss, lt, st, born, C, xi, fpar, m_rel):  # pragma: no cover - compiled
    """Absorb ``x`` (arrived at time ``t``) into its nearest micro-cluster, or make room for a new one."""
    t_factor, r_factor, window = fpar[0], fpar[1], fpar[2]
    q, d = ls.shape
    s = _nearest_slot(x, n, C)
    for j in range(d):  # missing values: the nearest micro-cluster's centre
        xi[j] = x[j] if x[j] == x[j] else C[s, j]
    dist = math.sqrt(_dist2(xi, C[s]))
    if n[s] == 1.0:  # one point: r times the boundary of the nearest micro-cluster that has one
        other, near = np.inf, -1
        for o in range(q):
            if o != s and n[o] > 1.0:
                dd = _dist2(C[o], C[s])
                if dd < other:
                    other, near = dd, o
        if near >= 0:
            bound = r_factor * _boundary(near, n, ss, C, t_factor)
        else:  # none yet: the distance to the nearest other centre
            for o in range(q):
                if o != s and n[o] > 0.0:
                    other = min(other, _dist2(C[o], C[s]))
            bound = math.sqrt(other)
    else:
        bound = _boundary(s, n, ss, C, t_factor)
    if dist <= bound:
        n[s] += 1.0
        lt[s] += t
        st[s] += t * t
        for j in range(d):
            ls[s, j] += xi[j]
            ss[s, j] += xi[j] * xi[j]
            C[s, j] = ls[s, j] / n[s]
        return
    for o in range(q):  # a free slot (fewer than q micro-clusters so far)
        if n[o] <= 0.0:
            _put(o, xi, t, n, ls, ss, lt, st, born, C)
            return
    # the least relevant micro-cluster goes if its relevance stamp is older than the window
    oldest, stamp_min = -1, np.inf
    for o in range(q):
        mu = lt[o] / n[o]
        stamp = mu
        if n[o] >= 2.0 * m_rel:
            sigma = math.sqrt(max(st[o] / n[o] - mu * mu, 0.0))
            stamp = mu + sigma * _inv_normal_cdf(1.0 - m_rel / (2.0 * n[o]))
        if stamp < stamp_min:
            oldest, stamp_min = o, stamp
    if stamp_min < t - window:
        _put(oldest, xi, t, n, ls, ss, lt, st, born, C)
        return
    # else merge the two closest micro-clusters and put the point in the freed slot
    a, b, best = 0, 1, np.inf
    for u in range(q):
        for v in range(u + 1, q):
            dd = _dist2(C[u], C[v])
            if dd < best:
                a, b, best = u, v, dd
    n[a] += n[b]
    born[a] = min(born[a], born[b])
    lt[a] += lt[b]
    st[a] += st[b]
    for j in range(d):
        ls[a, j] += ls[b, j]
        ss[a, j] += ss[b, j]
        C[a, j] = ls[a, j] / n[a]
    _put(b, xi, t, n, ls, ss, lt, st, born, C)


@njit(cache=True)
def _run(
    X_pred, X_learn, out, n, ls, ss, lt, st, born, buf, buf_t, Mstate, cnt, fpar, ipar, seed
):  # pragma: no cover
    """Per-record loop: ``out[i]`` (if ``out`` has rows) predicts ``X_pred[i]``, then ``X_learn[i]`` is
    learned.

    ``ipar``: n_macro_clusters, init_points, macro_every (0: recompute the
    macro clustering from the current micro-clusters before each prediction),
    n_init. ``Mstate``: the stored macro centres (macro_every mode).
    """
    k_macro, init_points, every, n_init = ipar[0], ipar[1], ipar[2], ipar[3]
    q, d = ls.shape
    C = np.zeros((q, d))
    _centres(n, ls, C)
    xi = np.empty(d)
    Mnow = np.empty((k_macro, d))
    k_now = -1  # macro clustering of the current state (macro_every = 0): -1 = stale
    m_rel = float(q)
    for i in range(X_learn.shape[0]):
        if out.shape[0]:
            if every == 0:
                if k_now < 0:
                    k_now = _macro(n, C, born, k_macro, n_init, seed, Mnow) if cnt[_INIT] else 0
                out[i] = _predict_row(X_pred[i], n, C, Mnow, k_now)
            else:
                out[i] = _predict_row(X_pred[i], n, C, Mstate, cnt[_NMACRO])
        x = X_learn[i]
        cnt[_TIME] += 1
        t = float(cnt[_TIME])
        observed = False
        for j in range(d):
            if x[j] == x[j]:
                observed = True
                break
        if not observed:
            cnt[_NSKIP] += 1
            continue
        if cnt[_INIT] == 0:
            nb = cnt[_NBUF]
            buf[nb] = x
            buf_t[nb] = t
            cnt[_NBUF] = nb + 1
            if nb + 1 < init_points:
                continue
            _initialise(buf, buf_t, nb + 1, n, ls, ss, lt, st, born, C, n_init, seed + np.uint64(1))
            cnt[_INIT] = 1
        else:
            _learn_row(x, t, n, ls, ss, lt, st, born, C, xi, fpar, m_rel)
        k_now = -1
        if every > 0 and cnt[_INIT] and (cnt[_NMACRO] == 0 or cnt[_TIME] % every == 0):
            cnt[_NMACRO] = _macro(n, C, born, k_macro, n_init, seed, Mstate)


@njit(cache=True)
def _predict_kernel(X, n, ls, M, k, out):  # pragma: no cover - compiled
    C = np.zeros(ls.shape)
    _centres(n, ls, C)
    for i in range(X.shape[0]):
        out[i] = _predict_row(X[i], n, C, M, k)


@njit(cache=True)
def _macro_kernel(n, ls, born, k, n_init, seed, M):  # pragma: no cover - compiled
    C = np.zeros(ls.shape)
    _centres(n, ls, C)
    return _macro(n, C, born, k, n_init, seed, M)


@register("clustream")
class CluStream(Clusterer):
    """CluStream (Aggarwal et al. 2003): micro-clusters online, weighted k-means on request.

    **Online phase.** Each micro-cluster is a temporal cluster feature vector
    ``(N, LS, SS, LST, SST)``: the number of its points, the per-feature
    linear and squared sums of the points, and the linear and squared sums
    of their arrival times. Time is the row count (every record given to
    ``learn`` advances it by one).

    * The first ``init_points`` records are buffered; then a k-means (k-means++
      seeding, Lloyd iterations) with ``k = min(max_micro_clusters,
      init_points)`` over the buffer makes the first micro-clusters, each
      point going to its nearest centre.
    * Each later point goes to its nearest micro-cluster (Euclidean distance
      between the point and the centre ``LS / N``) if it lies within that
      micro-cluster's *maximal boundary*: ``max_radius_factor`` times the RMS
      deviation of its points from the centre, ``sqrt(sum_j SS_j/N -
      (LS_j/N)^2)``. A micro-cluster holding one point has no deviation yet:
      its boundary is ``micro_cluster_r_factor`` times the maximal boundary of
      the nearest micro-cluster holding more (the paper's heuristic; while
      none exists, the distance to the nearest other centre, as MOA does
      for every one-point micro-cluster).
    * A point outside the boundary starts a new micro-cluster. A free slot is
      used while there are fewer than ``max_micro_clusters``; otherwise the
      micro-cluster with the smallest *relevance stamp* is deleted if that
      stamp is older than ``time - time_window``, else the two micro-clusters
      with the closest centres are merged (their vectors add up).
    * The relevance stamp estimates the mean arrival time of the last ``m``
      points (``m = max_micro_clusters``, as in MOA and River): the mean time
      ``mu`` while ``N < 2m``, else the ``1 - m / (2N)`` quantile of a normal
      law with the mean ``mu`` and deviation ``sigma`` of the arrival times,
      ``mu + sigma * Phi^-1(1 - m / (2N))``. (MOA and River evaluate the
      ``m / (2N)`` quantile, the older tail; this follows the paper's "last m
      points".)

    **Offline phase (macro clusters).** A weighted k-means over the
    micro-cluster centres (weights ``N``) with ``k = n_macro_clusters``,
    k-means++ seeding from a generator started at the same seed-derived
    value every time, ``n_init`` restarts. Macro clusters are numbered by the
    birth of their oldest micro-cluster (the first arrival among its points;
    a merge keeps the older), so numbers stay while clusters do; they shift
    when a macro cluster's oldest micro-cluster is deleted.
    ``predict`` returns the macro cluster of the record's nearest
    micro-cluster (the macro centre nearest to that micro-cluster's centre),
    ``-1`` while the model is still buffering its first points.

    * ``macro_every=None`` (default): the macro clustering is a function of
      the current micro-clusters. It is computed lazily when ``predict`` is
      called after learning and cached until the next learn; in
      ``test_then_train_many`` it is recomputed before each row that follows
      a learned row, so the batch equals predicting and learning one record at a
      time exactly.
    * ``macro_every=e``: the macro centres are learned state, recomputed
      (inside the learning loop) after every row whose time is a multiple of
      ``e``, and once as soon as the micro-clusters exist. Predictions use the
      stored centres: faster test-then-train, equally exact.

    Missing values (NaN): a record with no observed value is not learned
    (``n_skipped_`` counts it; time still advances) and is predicted ``-1``.
    Otherwise the nearest micro-cluster is found over the observed features
    and the missing ones are imputed with its centre before learning;
    predictions use the observed features only. Buffered records are imputed
    with the buffer's column means at initialisation. A feature that appears
    mid-stream counts as 0 in the micro-clusters built before it.

    The pyramidal time frame of snapshots (for clustering over a past horizon)
    is not kept; as in MOA and River, the macro clustering covers the current
    micro-clusters.

    Parameters
    ----------
    n_macro_clusters
        ``k`` of the offline weighted k-means.
    max_micro_clusters
        ``q``, the most micro-clusters kept.
    time_window
        ``delta``: a micro-cluster whose relevance stamp is older than
        ``time - time_window`` may be deleted to make room.
    max_radius_factor
        ``t``, the maximal boundary factor (times the RMS deviation).
    micro_cluster_r_factor
        ``r``: the boundary of a one-point micro-cluster is ``r`` times the
        maximal boundary of the nearest micro-cluster with more points.
    init_points
        Records buffered for the initial k-means.
    macro_every
        ``None``: macro clusters of the current state at each prediction;
        an int ``e``: recompute them every ``e`` rows while learning.
    n_init
        k-means++ restarts of the macro clustering (the best inertia wins).
    seed
        Seed of the k-means++ draws.

    Examples
    --------
    >>> import numpy as np
    >>> from streamlearn.cluster import CluStream
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    >>> blob = rng.integers(0, 3, 2000)
    >>> X = centres[blob] + rng.normal(0.0, 0.5, (2000, 2))
    >>> model = CluStream(n_macro_clusters=3, max_micro_clusters=30, init_points=200, seed=1)
    >>> _ = model.learn_many(X)
    >>> model.n_micro_clusters
    30
    >>> model.macro_centers.round() + 0.0  # numbered by the age of their oldest micro-cluster
    array([[0., 6.],
           [6., 0.],
           [0., 0.]])
    >>> model.predict_many(np.array([[0.2, -0.1], [0.1, 5.8], [6.3, 0.2]]))
    array([2, 0, 1])

    References
    ----------
    Aggarwal, C. C., Han, J., Wang, J., Yu, P. S. (2003). A framework for
    clustering evolving data streams. VLDB 2003, 81-92.
    Arthur, D., Vassilvitskii, S. (2007). k-means++: the advantages of careful
    seeding. SODA 2007.
    Acklam, P. J. (2003). An algorithm for computing the inverse normal
    cumulative distribution function (rational approximation).
    Semantics compared with MOA's ``clustream.Clustream`` and River's
    ``cluster.CluStream``.
    """

    needs_scaling = True
    #: Macro centres and their count for the current state (``macro_every=None``); None: stale.
    _macro_cache: tuple[np.ndarray, int] | None
    _param_rules = {  # noqa: RUF012
        "n_macro_clusters": Interval(int, 1, None),
        "max_micro_clusters": Interval(int, 2, None),
        "time_window": Interval(int, 1, None),
        "max_radius_factor": Interval(float, 0, None, open_low=True),
        "micro_cluster_r_factor": Interval(float, 0, None, open_low=True),
        "init_points": Interval(int, 1, None),
        "macro_every": NONE | Interval(int, 1, None),
        "n_init": Interval(int, 1, None),
        "seed": SEED,
    }

    def __init__(
        self,
        n_macro_clusters: int = 5,
        max_micro_clusters: int = 100,
        time_window: int = 1000,
        max_radius_factor: float = 2.0,
        micro_cluster_r_factor: float = 1.0,
        init_points: int = 1000,
        macro_every: int | None = None,
        n_init: int = 3,
        seed: int | None = None,
    ):
        self.n_macro_clusters = n_macro_clusters
        self.max_micro_clusters = max_micro_clusters
        self.time_window = time_window
        self.max_radius_factor = max_radius_factor
        self.micro_cluster_r_factor = micro_cluster_r_factor
        self.init_points = init_points
        self.macro_every = macro_every
        self.n_init = n_init
        self.seed = seed
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterable[dict[str, Any]]:
        yield {
            "n_macro_clusters": 3,
            "max_micro_clusters": 10,
            "init_points": 20,
            "time_window": 30,
            "seed": 1,
        }
        yield {
            "n_macro_clusters": 2,
            "max_micro_clusters": 6,
            "init_points": 5,
            "time_window": 10,
            "macro_every": 7,
            "max_radius_factor": 1.0,
            "seed": 2,
        }

    # -- state ---------------------------------------------------------------------
    def _grow(self, width: int) -> None:
        if getattr(self, "n_", None) is None:
            q = self.max_micro_clusters
            self.prng_seed_ = int(np.random.default_rng(self.seed).integers(0, 2**62))
            self.time_ = 0
            self.n_skipped_ = 0
            self.n_buffered_ = 0
            self.initialised_ = False
            self.n_ = np.zeros(q)
            self.ls_ = np.zeros((q, 0))
            self.ss_ = np.zeros((q, 0))
            self.lt_ = np.zeros(q)
            self.st_ = np.zeros(q)
            self.born_ = np.zeros(q)
            self.buffer_ = np.zeros((self.init_points, 0))
            self.buffer_t_ = np.zeros(self.init_points)
            self.n_macro_ = 0
            self.macro_centers_ = np.zeros((self.n_macro_clusters, 0))
        d = self.ls_.shape[1]
        if width > d:
            self._macro_cache = None
            extra = width - d
            self.ls_ = np.ascontiguousarray(np.pad(self.ls_, ((0, 0), (0, extra))))
            self.ss_ = np.ascontiguousarray(np.pad(self.ss_, ((0, 0), (0, extra))))
            self.macro_centers_ = np.ascontiguousarray(np.pad(self.macro_centers_, ((0, 0), (0, extra))))
            self.buffer_ = np.ascontiguousarray(
                np.pad(self.buffer_, ((0, 0), (0, extra)), constant_values=np.nan)
            )

    def _after_load(self) -> None:
        self._macro_cache = None

    @property
    def n_micro_clusters(self) -> int:
        """How many micro-clusters exist now."""
        n = getattr(self, "n_", None)
        return 0 if n is None else int((n > 0).sum())

    @property
    def micro_cluster_centers(self) -> np.ndarray:
        """``(n_micro_clusters, d)`` centres ``LS / N`` of the micro-clusters (in slot order)."""
        n = getattr(self, "n_", None)
        if n is None:
            return np.zeros((0, 0))
        live = n > 0
        return self.ls_[live] / n[live, None]

    @property
    def macro_centers(self) -> np.ndarray:
        """``(k, d)`` macro-cluster centres used by ``predict`` (empty before initialisation)."""
        if getattr(self, "n_", None) is None:
            return np.zeros((0, 0))
        M, k = self._macro_state()
        return M[:k].copy()

    def _macro_state(self) -> tuple[np.ndarray, int]:
        if self.macro_every is not None:
            return self.macro_centers_, self.n_macro_
        cache = getattr(self, "_macro_cache", None)
        if cache is None:
            M = np.zeros((self.n_macro_clusters, self.ls_.shape[1]))
            k = 0
            if self.initialised_:
                k = int(
                    _macro_kernel(
                        self.n_, self.ls_, self.born_, self.n_macro_clusters, self.n_init, self._seed(), M
                    )
                )
            cache = self._macro_cache = (M, k)
        return cache

    def _seed(self) -> np.uint64:
        return np.uint64(self.prng_seed_)

    # -- hooks ---------------------------------------------------------------------
    def _output(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        M, k = self._macro_state()
        out = np.empty(len(X), dtype=np.int64)
        _predict_kernel(X, self.n_, self.ls_, M, k, out)
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
        cnt = np.array(
            [self.time_, self.n_buffered_, self.n_skipped_, self.n_macro_, int(self.initialised_)],
            dtype=np.int64,
        )
        fpar = np.array(
            [self.max_radius_factor, self.micro_cluster_r_factor, self.time_window], dtype=np.float64
        )
        ipar = np.array(
            [self.n_macro_clusters, self.init_points, self.macro_every or 0, self.n_init], dtype=np.int64
        )
        _run(
            X_pred, X_learn, out, self.n_, self.ls_, self.ss_, self.lt_, self.st_, self.born_,
            self.buffer_, self.buffer_t_, self.macro_centers_, cnt, fpar, ipar, self._seed(),
        )  # fmt: skip
        self.time_, self.n_buffered_, self.n_skipped_, self.n_macro_ = (int(c) for c in cnt[:4])
        if cnt[_INIT] and not self.initialised_:
            self.initialised_ = True
            self.buffer_ = np.zeros((0, self.ls_.shape[1]))  # the buffer is spent
            self.buffer_t_ = np.zeros(0)
        self._macro_cache = None
