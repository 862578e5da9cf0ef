"""Per-record logic of the Hoeffding tree classifier (compiled).

Everything a record does happens here, in one compiled loop over a batch:
route to a leaf, predict (majority class, naive Bayes or adaptive), update
the leaf's statistics and, every ``grace_period`` weight at a leaf, look
for a split with the Hoeffding bound and split; after a split the memory
bound may deactivate or reactivate leaves. :func:`learn_row` is that
learning step for one row of any weight; other learners (the forests) call
it inside their own loops.

Random feature subsets (``ip[SUBSPACE] = m > 0``): each new active leaf
observes only ``m`` of the first ``ip[POOL]`` features, drawn without
replacement from the tree's own generator (``Tree.rng``, SplitMix64); the
others are marked in ``disabled``, so learning, naive Bayes and split
attempts skip them (as MOA's ``ARFHoeffdingTree``). Features beyond the pool
(columns that appear later) stay observed.

The loop never allocates node or slot storage. When a split (or a
reactivation) needs more room than the arrays have, :func:`run` stops and
returns ``(row, phase, nodes, slots)``: the row it stopped at, the phase
to resume in (1: the split attempt of that row, 2: the memory check after
it) and the capacities it needs. Python grows the arrays and calls again
from that row and phase; nothing the row did before is repeated, so the
result does not depend on how a stream is cut into batches.

Parameters travel in two small arrays: ``fp`` (floats) and ``ip`` (ints),
indexed by the constants below.

Reference counting: a numba function counts a reference to every array it
receives (an atomic increment on entry and a decrement on exit, per array and
per call; numba's pruning pass removes them only in simple control flow). With
the 23 arrays of a :data:`~streamlearn.tree._nodes.Tree` that was about half
of a Hoeffding adaptive tree's time per row. The per-row helpers below are
therefore compiled with ``_nrt=False`` (no NRT, numba's runtime: the
:data:`borrowing` decorator): they only read and write arrays their caller
owns and never allocate, so the counts are not needed and the results are the
same. A function compiled that way passes the setting on to the functions it
calls that do not set it themselves, so the helpers that allocate and are
called from such functions say ``_nrt=True`` (the :data:`allocating`
decorator: ``take_slot``, ``draw_subspace``, ``attempt_split``,
``enforce_memory``). An allocating helper without it fails to compile ("NRT
required but not enabled") when a borrowing caller compiles it first: a loud
error, never a wrong result.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from streamlearn.drift._rng import uniform
from streamlearn.tree._criteria import hoeffding_bound, merit_range, null_merit
from streamlearn.tree._nodes import (
    C_SEEN,
    D_SEEN,
    EQUALS,
    K_SEEN,
    LEAF,
    MULTIWAY,
    N_ACTIVE,
    N_FREE,
    N_INACTIVE,
    N_NODES,
    NUMERIC,
    S_USED,
    WEIGHT,
)
from streamlearn.tree._splitters import (
    best_nominal_split,
    best_numeric_split,
    gauss_log_density,
    gauss_update,
    highest_code,
    nominal_binary_post,
    numeric_post,
)

#: ``njit`` for helpers that only borrow their caller's arrays: compiled without
#: reference counting (see the module docs).
borrowing = njit(cache=True, _nrt=False)  # type: ignore[call-overload]
#: ``njit`` for helpers that allocate and are called from ``borrowing`` ones.
allocating = njit(cache=True, _nrt=True)  # type: ignore[call-overload]

# ``fp`` entries
GRACE, DELTA, TAU, NB_THRESHOLD, MAX_BYTES, MIN_FRAC, N_FP = range(7)
# ``ip`` entries
CRITERION, LEAF_PRED, N_CANDIDATES, BINARY, MAX_DEPTH, REMOVE_POOR, SUBSPACE, POOL, ANYTIME, N_IP = range(10)
# leaf predictions
MC, NB, NBA = 0, 1, 2
# attempt/enforce outcomes
NO_CHANGE, CHANGED, NEED_ROOM = 0, 1, 2
# phases of :func:`learn_row` (``DONE``: the row is learned)
DONE, SPLIT, MEMORY = 0, 1, 2


# -- routing and prediction ----------------------------------------------------------
@borrowing
def route(t, x: np.ndarray) -> int:  # type: ignore[no-untyped-def]
    """The leaf a row reaches. A missing value (or a category a multiway split has
    no branch for) follows the node's ``missing_branch``."""
    n = 0
    while t.kind[n] != LEAF:
        j = t.feature[n]
        v = x[j] if j < x.shape[0] else np.nan
        k = t.kind[n]
        if v != v:
            b = t.missing_branch[n]
        elif k == NUMERIC:
            b = 0 if v <= t.threshold[n] else 1
        elif k == MULTIWAY:
            code = int(v)
            b = code if code < t.n_children[n] else t.missing_branch[n]
        else:
            b = 0 if v == t.threshold[n] else 1
        n = t.child_start[n] + b
    return n


@borrowing
def node_weight(t, n: int) -> float:  # type: ignore[no-untyped-def]
    s = 0.0
    for c in range(t.class_counts.shape[1]):
        s += t.class_counts[n, c]
    return s


@borrowing
def first_max(a: np.ndarray) -> int:
    """Index of the first largest entry (-1 for an empty array)."""
    best = -1
    for c in range(a.shape[0]):
        if best < 0 or a[c] > a[best]:
            best = c
    return best


@borrowing
def nb_log_votes(t, s: int, n: int, x: np.ndarray, lv: np.ndarray) -> bool:  # type: ignore[no-untyped-def]
    """Naive Bayes log-scores ``log P(c) + sum_j log P(x_j | c)`` of leaf ``n`` (slot ``s``).

    Only present features the leaf has observed take part. A class the leaf
    never saw with feature ``j`` present scores ``-inf`` (as MOA). Returns
    whether some class scores above ``-inf``.
    """
    cc = t.class_counts
    ns = t.num_stats
    k = cc.shape[1]
    for c in range(k):
        lv[c] = math.log(cc[n, c]) if cc[n, c] > 0.0 else -np.inf
    d = min(x.shape[0], ns.shape[1])
    for j in range(d):
        v = x[j]
        if v != v or t.disabled[s, j]:
            continue
        if t.is_cat[j]:
            nv = t.n_values[s, j]
            if nv == 0:
                continue
            code = int(v)
            off = t.cat_offset[j]
            inside = code < t.cat_width[j]
            for c in range(k):
                if lv[c] == -np.inf:
                    continue
                tot = ns[s, j, c, WEIGHT]
                if tot <= 0.0:
                    lv[c] = -np.inf
                    continue
                cnt = t.cat_counts[s, off + code, c] if inside else 0.0
                lv[c] += math.log((cnt + 1.0) / (tot + nv))
        else:
            seen = False
            for c in range(k):
                if ns[s, j, c, WEIGHT] > 0.0:
                    seen = True
                    break
            if not seen:
                continue
            for c in range(k):
                if lv[c] == -np.inf:
                    continue
                lv[c] += gauss_log_density(ns[s, j, c, WEIGHT], ns[s, j, c, 1], ns[s, j, c, 2], v)
    for c in range(k):  # noqa: SIM110 - a plain loop compiles to the simplest code
        if lv[c] > -np.inf:
            return True
    return False


@borrowing
def softmax_into(lv: np.ndarray, out: np.ndarray) -> None:
    m = -np.inf
    for c in range(lv.shape[0]):
        if lv[c] > m:
            m = lv[c]
    tot = 0.0
    for c in range(lv.shape[0]):
        e = math.exp(lv[c] - m) if lv[c] > -np.inf else 0.0
        out[c] = e
        tot += e
    for c in range(lv.shape[0]):
        out[c] /= tot


@borrowing
def leaf_votes(t, leaf: int, x: np.ndarray, fp, ip, lv, out, write: bool) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The classes majority class and naive Bayes pick at ``leaf`` (-1: none),
    and, when ``write``, the predicted probabilities in ``out``.

    The prediction is naive Bayes at an active leaf (``"nb"``, once the leaf
    weighs ``nb_threshold``), or under ``"nba"`` while naive Bayes has been
    right at least as often as the majority class there; else the class
    distribution of the leaf (of the nearest ancestor with weight, for a
    leaf that has none yet).
    """
    cc = t.class_counts
    k = cc.shape[1]
    tot = node_weight(t, leaf)
    mc, nb = -1, -1
    if tot > 0.0:
        mc = first_max(cc[leaf])
    s = t.slot[leaf]
    lp = ip[LEAF_PRED]
    use_nb = False
    if s >= 0 and lp != MC and tot > 0.0:
        use_nb = tot >= fp[NB_THRESHOLD] and (lp == NB or not (t.nba[s, 0] > t.nba[s, 1]))
        if (use_nb and write) or lp == NBA:
            ok = nb_log_votes(t, s, leaf, x, lv)
            nb = first_max(lv) if ok else mc
            use_nb = use_nb and ok
    if write:
        if use_nb:
            softmax_into(lv, out)
        else:
            n = leaf
            while tot <= 0.0 and t.parent[n] >= 0:
                n = t.parent[n]
                tot = node_weight(t, n)
            for c in range(k):
                out[c] = cc[n, c] / tot if tot > 0.0 else 0.0
    return mc, nb


# -- learning -----------------------------------------------------------------------
@borrowing
def learn_leaf(t, leaf: int, x: np.ndarray, c: int, w: float, mc: int, nb: int, ip) -> None:  # type: ignore[no-untyped-def]
    """Add row ``x`` of class ``c`` with weight ``w`` to the leaf: class weight, and at
    an active leaf the attribute statistics (missing values skipped) and the
    adaptive counts (``mc``, ``nb``: the classes the leaf's two predictors picked)."""
    s = t.slot[leaf]
    counters = t.counters
    if s >= 0 and ip[LEAF_PRED] == NBA:
        if mc == c:
            t.nba[s, 0] += w
        if nb == c:
            t.nba[s, 1] += w
    t.class_counts[leaf, c] += w
    if c >= counters[K_SEEN]:
        counters[K_SEEN] = c + 1
    if s < 0:
        return
    ns = t.num_stats
    k = ns.shape[2]
    d = min(x.shape[0], ns.shape[1])
    for j in range(d):
        v = x[j]
        if v != v or t.disabled[s, j]:
            continue
        if j >= counters[D_SEEN]:
            counters[D_SEEN] = j + 1
        if t.is_cat[j]:
            code = int(v)
            if code < 0 or code >= t.cat_width[j]:
                continue
            row = t.cat_offset[j] + code
            new = True
            for c2 in range(k):
                if t.cat_counts[s, row, c2] > 0.0:
                    new = False
                    break
            if new:
                t.n_values[s, j] += 1
            t.cat_counts[s, row, c] += w
            ns[s, j, c, WEIGHT] += w
            if code >= t.cat_seen[j]:
                counters[C_SEEN] += code + 1 - t.cat_seen[j]
                t.cat_seen[j] = code + 1
        else:
            gauss_update(ns, s, j, c, v, w)


@borrowing
def wants_split(t, leaf: int, fp, ip) -> bool:  # type: ignore[no-untyped-def]
    if t.slot[leaf] < 0:
        return False
    if ip[MAX_DEPTH] >= 0 and t.depth[leaf] >= ip[MAX_DEPTH]:
        return False
    return node_weight(t, leaf) - t.last_eval[leaf] >= fp[GRACE]


# -- slots ----------------------------------------------------------------------------
@borrowing
def slots_available(t) -> int:  # type: ignore[no-untyped-def]
    return t.counters[N_FREE] + t.num_stats.shape[0] - t.counters[S_USED]


@allocating
def draw_subspace(t, s: int, m: int, d: int) -> None:  # type: ignore[no-untyped-def]
    """Let slot ``s`` observe ``m`` of the first ``d`` features, drawn uniformly
    without replacement (a partial Fisher-Yates shuffle on the tree's
    generator); disable the other ones of those ``d``."""
    d = min(d, t.disabled.shape[1])
    if m <= 0 or m >= d:
        return
    order = np.arange(d)
    for j in range(d):
        t.disabled[s, j] = True
    for r in range(m):
        pick = r + int(uniform(t.rng) * (d - r))
        order[r], order[pick] = order[pick], order[r]
        t.disabled[s, order[r]] = False


@allocating
def take_slot(t, ip) -> int:  # type: ignore[no-untyped-def]
    """A zeroed statistics slot (recycled first), observing a random feature
    subset when ``ip[SUBSPACE] > 0``."""
    counters = t.counters
    if counters[N_FREE] > 0:
        counters[N_FREE] -= 1
        s = t.free_slots[counters[N_FREE]]
    else:
        s = counters[S_USED]
        counters[S_USED] += 1
    t.num_stats[s] = 0.0
    t.cat_counts[s] = 0.0
    t.n_values[s] = 0
    t.nba[s] = 0.0
    t.disabled[s] = False
    draw_subspace(t, s, ip[SUBSPACE], ip[POOL])
    return s


@borrowing
def give_slot(t, s: int) -> None:  # type: ignore[no-untyped-def]
    t.free_slots[t.counters[N_FREE]] = s
    t.counters[N_FREE] += 1


@borrowing
def disable_attribute(t, s: int, j: int) -> None:  # type: ignore[no-untyped-def]
    t.disabled[s, j] = True
    t.num_stats[s, j] = 0.0
    off = t.cat_offset[j]
    for v in range(t.cat_width[j]):
        t.cat_counts[s, off + v] = 0.0
    t.n_values[s, j] = 0


# -- splitting ----------------------------------------------------------------------
@njit(cache=True)
def best_splits(t, s: int, pre: np.ndarray, fp, ip, post: np.ndarray, merits: np.ndarray):  # type: ignore[no-untyped-def]
    """Score the candidates of statistics slot ``s`` (class weights ``pre``): not
    splitting, and the best split of each observed attribute (``merits[j]``,
    NaN when it has none). Equal merits rank later attributes higher.
    Returns ``(n_candidates, best, second, feature, kind, value)``."""
    crit = ip[CRITERION]
    min_frac = fp[MIN_FRAC]
    best_m = null_merit(crit)
    second = -np.inf
    best_j, best_kind, best_val = -1, LEAF, 0.0
    n_candidates = 1
    for j in range(t.num_stats.shape[1]):
        merits[j] = np.nan
        if t.disabled[s, j]:
            continue
        if t.is_cat[j]:
            if t.n_values[s, j] == 0:
                continue
            found, m, v = best_nominal_split(
                t.cat_counts, t.num_stats, s, j, t.cat_offset[j], t.cat_width[j], pre, crit, min_frac,
                ip[BINARY] != 0, post,
            )  # fmt: skip
            kind = MULTIWAY if v < 0 else EQUALS
            val = float(v)
        else:
            found, m, val = best_numeric_split(t.num_stats, s, j, pre, crit, min_frac, ip[N_CANDIDATES], post)
            kind = NUMERIC
        if not found:
            continue
        n_candidates += 1
        merits[j] = m
        if m >= best_m:
            second = best_m
            best_m, best_j, best_kind, best_val = m, j, kind, val
        elif m > second:
            second = m
    return n_candidates, best_m, second, best_j, best_kind, best_val


@njit(cache=True)
def split_width(t, s: int, j: int, kind: int) -> int:
    """Branches of a split of slot ``s`` on feature ``j`` (a multiway split: one
    per category up to the highest seen there)."""
    if kind == MULTIWAY:
        return highest_code(t.cat_counts, s, t.cat_offset[j], t.cat_width[j]) + 1
    return 2


@njit(cache=True)
def split_dists(t, s: int, j: int, kind: int, val: float, m_children: int) -> np.ndarray:
    """The class weights each branch of the split gets, estimated from slot ``s``."""
    k = t.class_counts.shape[1]
    off = t.cat_offset[j]
    dists = np.empty((m_children, k))
    if kind == NUMERIC:
        numeric_post(t.num_stats, s, j, val, dists)
    elif kind == EQUALS:
        nominal_binary_post(t.cat_counts, t.num_stats, s, j, off, int(val), dists)
    else:
        for b in range(m_children):
            for c in range(k):
                dists[b, c] = t.cat_counts[s, off + b, c]
    return dists


@allocating
def attempt_split(t, leaf: int, fp, ip) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Look for the best split of an active leaf and split when the Hoeffding
    bound (or the tie threshold) allows.

    Candidates, as in MOA: not splitting, and the best split of each
    attribute. The best must beat the second best by more than the bound
    ``eps`` (or ``eps < tau``); with ``ip[ANYTIME]`` (EFDT) it must beat not
    splitting, whose gain is 0, and have some gain. Returns ``(outcome,
    nodes, slots)``; ``NEED_ROOM`` asks for capacities before anything changed.
    """
    cc = t.class_counts
    k = cc.shape[1]
    pre = cc[leaf]
    present = 0
    for c in range(k):
        if pre[c] > 0.0:
            present += 1
    if present < 2:
        return NO_CHANGE, 0, 0
    s = t.slot[leaf]
    d = t.num_stats.shape[1]
    post = np.empty((2, k))
    merits = np.empty(d)
    n_candidates, best_m, second, best_j, best_kind, best_val = best_splits(t, s, pre, fp, ip, post, merits)
    if n_candidates < 2:
        return NO_CHANGE, 0, 0
    w = node_weight(t, leaf)
    eps = hoeffding_bound(merit_range(pre, ip[CRITERION]), fp[DELTA], w)
    if ip[ANYTIME] != 0:
        should = best_m > 1e-10 and (best_m > eps or eps < fp[TAU])
    else:
        should = (best_m - second > eps) or (eps < fp[TAU])
    split = should and best_j >= 0 and best_m > -np.inf
    m_children = 0
    if split:  # ask for room before changing anything
        m_children = split_width(t, s, best_j, best_kind)
        counters = t.counters
        need_nodes = counters[N_NODES] + m_children
        freed = 0 if ip[ANYTIME] != 0 else 1  # the leaf's own slot, given back
        if need_nodes > t.kind.shape[0] or slots_available(t) + freed < m_children:
            return NEED_ROOM, need_nodes, counters[S_USED] + m_children
    if ip[REMOVE_POOR] != 0:
        for j in range(d):
            if merits[j] == merits[j] and best_m - merits[j] > eps:
                disable_attribute(t, s, j)
    if not split:
        return NO_CHANGE, 0, 0
    dists = split_dists(t, s, best_j, best_kind, best_val, m_children)
    split_leaf(t, leaf, best_j, best_kind, best_val, dists, ip)
    return CHANGED, 0, 0


@njit(cache=True)
def split_leaf(t, leaf: int, j: int, kind: int, val: float, dists: np.ndarray, ip) -> None:  # type: ignore[no-untyped-def]
    """Turn ``leaf`` into a split node with one new active leaf per row of ``dists``
    (each starting from that class distribution, as in MOA). The node gives
    its statistics slot back, except in an anytime tree (EFDT), where split
    nodes keep learning."""
    counters = t.counters
    m = dists.shape[0]
    k = dists.shape[1]
    keep = ip[ANYTIME] != 0
    if not keep:
        give_slot(t, t.slot[leaf])
    base = counters[N_NODES]
    t.kind[leaf] = kind
    t.feature[leaf] = j
    t.threshold[leaf] = val
    t.child_start[leaf] = base
    t.n_children[leaf] = m
    if not keep:
        t.slot[leaf] = -1
    heaviest, heaviest_w = 0, -1.0
    for b in range(m):
        ch = base + b
        w = 0.0
        for c in range(k):
            t.class_counts[ch, c] = dists[b, c]
            w += dists[b, c]
        if w > heaviest_w:
            heaviest, heaviest_w = b, w
        t.kind[ch] = LEAF
        t.feature[ch] = -1
        t.threshold[ch] = 0.0
        t.child_start[ch] = 0
        t.n_children[ch] = 0
        t.missing_branch[ch] = 0
        t.depth[ch] = t.depth[leaf] + 1
        t.parent[ch] = leaf
        t.last_eval[ch] = w
        t.slot[ch] = take_slot(t, ip)
    t.missing_branch[leaf] = heaviest
    counters[N_NODES] += m
    counters[N_ACTIVE] += m - 1


# -- memory bound ----------------------------------------------------------------------
@njit(cache=True)
def size_estimate(t, n_active: int, n_inactive: int, n_internal: int) -> float:  # type: ignore[no-untyped-def]
    """Bytes of a tree with these node counts, for the classes, features and
    categories learned so far (what the memory bound compares)."""
    k = float(t.counters[K_SEEN])
    d = float(t.counters[D_SEEN])
    cats = float(t.counters[C_SEEN])
    node = 8.0 * (10.0 + k)
    active = node + 8.0 * (5.0 * d * k + cats * k + d + 3.0) + d
    return (n_internal + n_inactive) * node + n_active * active


@allocating
def enforce_memory(t, fp, ip) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Keep the estimated size under ``max_size`` (MOA's tracker limit).

    When the bound is exceeded (or some leaf is inactive), leaves are ranked
    by promise (the weight their majority class gets wrong); the most
    promising leaves that fit stay or become active, the others become
    inactive (class counts only). Returns ``(outcome, slots)``.
    """
    counters = t.counters
    bound = fp[MAX_BYTES]
    n_leaves = counters[N_ACTIVE] + counters[N_INACTIVE]
    internal = counters[N_NODES] - n_leaves
    if counters[N_INACTIVE] == 0 and size_estimate(t, counters[N_ACTIVE], 0, internal) <= bound:
        return NO_CHANGE, 0
    leaves = np.empty(n_leaves, dtype=np.int64)
    promise = np.empty(n_leaves)
    i = 0
    for n in range(counters[N_NODES]):
        if t.kind[n] == LEAF:
            leaves[i] = n
            promise[i] = node_weight(t, n) - t.class_counts[n, first_max(t.class_counts[n])]
            i += 1
    order = np.argsort(promise, kind="mergesort")
    max_active = 0
    while max_active < n_leaves:
        max_active += 1
        if size_estimate(t, max_active, n_leaves - max_active, internal) > bound:
            max_active -= 1
            break
    cutoff = n_leaves - max_active
    for r in range(cutoff):
        n = leaves[order[r]]
        if t.slot[n] >= 0:
            give_slot(t, t.slot[n])
            t.slot[n] = -1
            counters[N_ACTIVE] -= 1
            counters[N_INACTIVE] += 1
    for r in range(cutoff, n_leaves):
        n = leaves[order[r]]
        if t.slot[n] < 0:
            if slots_available(t) == 0:
                return NEED_ROOM, counters[S_USED] + n_leaves - r
            t.slot[n] = take_slot(t, ip)
            t.last_eval[n] = node_weight(t, n)
            counters[N_ACTIVE] += 1
            counters[N_INACTIVE] -= 1
    return CHANGED, 0


# -- one row, and batch loops ----------------------------------------------------------
@njit(cache=True)
def after_learning(t, x: np.ndarray, phase: int, fp, ip):  # type: ignore[no-untyped-def]
    """The phases of a row after its leaf learned: ``SPLIT`` (a split attempt at the
    leaf ``x`` reaches) and, after a split under a memory bound, ``MEMORY``.
    Returns ``(phase, nodes, slots)``: ``DONE``, or the phase to call again with
    once storage holds ``nodes`` nodes and ``slots`` slots."""
    if phase == SPLIT:
        leaf = route(t, x)
        outcome, req_nodes, req_slots = attempt_split(t, leaf, fp, ip)
        if outcome == NEED_ROOM:
            return SPLIT, req_nodes, req_slots
        t.last_eval[leaf] = node_weight(t, leaf)
        if outcome != CHANGED or not fp[MAX_BYTES] < np.inf:
            return DONE, 0, 0
    outcome, req_slots = enforce_memory(t, fp, ip)
    if outcome == NEED_ROOM:
        return MEMORY, 0, req_slots
    return DONE, 0, 0


@njit(cache=True)
def learn_row(t, leaf: int, x: np.ndarray, c: int, w: float, mc: int, nb: int, phase: int, fp, ip):  # type: ignore[no-untyped-def]
    """Learn row ``x`` (class ``c``, weight ``w``) from ``phase`` on.

    Phase ``DONE`` (0) starts the row: ``leaf`` is where ``x`` goes and
    ``mc``/``nb`` what its two predictors said (for ``"nba"``); the leaf
    learns and, once ``grace_period`` weight arrived since the last attempt,
    the row goes on to :func:`after_learning`. Returns ``(phase, nodes,
    slots)``: ``DONE`` when the row is learned, else the phase to call again
    with (any ``leaf``, ``mc``, ``nb``) once storage holds ``nodes`` nodes and
    ``slots`` slots. Nothing done before the stop is repeated.
    """
    if phase == DONE:
        learn_leaf(t, leaf, x, c, w, mc, nb, ip)
        if not wants_split(t, leaf, fp, ip):
            return DONE, 0, 0
        phase = SPLIT
    return after_learning(t, x, phase, fp, ip)


@borrowing
def learn_votes(t, leaf: int, x: np.ndarray, fp, ip, lv, scratch) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """What ``learn_row`` needs of the leaf's predictors before learning ``x``:
    the classes majority class and naive Bayes pick (only ``"nba"`` uses them)."""
    if ip[LEAF_PRED] == NBA and t.slot[leaf] >= 0:
        return leaf_votes(t, leaf, x, fp, ip, lv, scratch, False)
    return -1, -1


@njit(cache=True)
def run(t, X_pred, X_learn, codes, out, predict: bool, same: bool, start: int, phase: int, fp, ip):  # type: ignore[no-untyped-def]
    """Learn rows ``start..`` of ``X_learn`` (test-then-train when ``predict``:
    ``out[i]`` is the prediction for ``X_pred[i]`` before learning row ``i``).

    ``same`` says ``X_pred`` is ``X_learn``: the prediction's leaf and votes
    are then reused for learning. Returns ``(row, phase, nodes, slots)``:
    ``row == len(X_learn)`` when done, else where to resume after growing
    storage to the capacities asked for.
    """
    n = X_learn.shape[0]
    k = t.class_counts.shape[1]
    lv = np.empty(k)
    scratch = np.empty(k)
    i = start
    while i < n:
        x = X_learn[i]
        if phase == DONE:
            if predict:
                leaf_p = route(t, X_pred[i])
                mc, nb = leaf_votes(t, leaf_p, X_pred[i], fp, ip, lv, out[i], True)
            if predict and same:
                leaf = leaf_p
            else:
                leaf = route(t, x)
                mc, nb = learn_votes(t, leaf, x, fp, ip, lv, scratch)
            learn_leaf(t, leaf, x, codes[i], 1.0, mc, nb, ip)  # learn_row, inlined: the common path
            if not wants_split(t, leaf, fp, ip):
                i += 1
                continue
            phase = SPLIT
        phase, req_nodes, req_slots = after_learning(t, x, phase, fp, ip)
        if phase != DONE:
            return i, phase, req_nodes, req_slots
        i += 1
    return n, 0, 0, 0


@njit(cache=True)
def predict(t, X, out, fp, ip) -> None:  # type: ignore[no-untyped-def]
    """Probabilities of each row of ``X`` (no learning)."""
    lv = np.empty(t.class_counts.shape[1])
    for i in range(X.shape[0]):
        leaf = route(t, X[i])
        leaf_votes(t, leaf, X[i], fp, ip, lv, out[i], True)
