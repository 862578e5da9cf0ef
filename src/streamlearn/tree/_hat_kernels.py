"""Per-record logic of the Hoeffding adaptive tree (compiled).

The tree is a Hoeffding tree's arrays (:data:`~streamlearn.tree._nodes.Tree`)
plus, per node, ``alt`` (the node's alternate leaf, or -1) and ``det`` (its
ADWIN detector, or -1). Detectors live in a pool of their own (``ast``,
``asum``, ``asq``, ``alen``; recycled through ``free_dets``), like leaf
statistics slots. ``hc`` holds the pool's counters and what happened.

Nodes are never moved by the kernels except when an alternate takes a
node's place: the alternate's content is *moved into* the node's id
(:func:`move_node`), so a split node's children stay contiguous and the
root stays node 0. Nodes of discarded subtrees are marked :data:`DEAD` and
reclaimed by compaction in Python (``HoeffdingAdaptiveTreeClassifier._compact``),
which renumbers the live nodes only when the kernel runs out of room.

:func:`run` checks at the start of each row that the storage holds what the
row could need at most (alternates along its path, two splits); if not, it
returns that row and Python grows or compacts the storage, then calls again
from there. So rows are never interrupted halfway, and learning does not
depend on how a stream is cut into batches.

The per-row helpers are compiled without reference counting (``@borrowing``;
see :mod:`streamlearn.tree._kernels`); ``kill`` and ``move_node``, which
allocate, are ``@allocating``.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from streamlearn.tree._adaptive import A_WIDTH, adwin_add, adwin_mean, poisson
from streamlearn.tree._kernels import (
    CHANGED,
    LEAF,
    MAX_BYTES,
    allocating,
    attempt_split,
    borrowing,
    enforce_memory,
    first_max,
    give_slot,
    leaf_votes,
    learn_leaf,
    node_weight,
    route,
    take_slot,
    wants_split,
)
from streamlearn.tree._nodes import K_SEEN, MULTIWAY, N_ACTIVE, N_FREE, N_INACTIVE, N_NODES, NUMERIC, S_USED

#: ``kind`` of a node of a discarded subtree (reclaimed by compaction).
DEAD = -1

#: The adaptive tree's own arrays.
Hat = namedtuple("Hat", ["alt", "det", "ast", "asum", "asq", "alen", "free_dets", "hc"])

# ``hc``: detector pool, dead nodes, and counts of what happened (compactions: by Python)
D_USED, D_FREE, N_DEAD, N_ALTS, N_SWITCHED, N_PRUNED, N_REPLACED, N_COMPACTIONS, N_HC = range(9)
# ``hp`` (floats)
ADWIN_DELTA, SWITCH_DELTA, MIN_WIDTH, BOOTSTRAP, N_HP = range(5)
# outcomes of :func:`compare`
KEEP, SWITCH, PRUNE = 0, 1, 2


# -- detectors ---------------------------------------------------------------------------
@borrowing
def take_det(h) -> int:  # type: ignore[no-untyped-def]
    """A fresh (empty) detector from the pool."""
    hc = h.hc
    if hc[D_FREE] > 0:
        hc[D_FREE] -= 1
        d = h.free_dets[hc[D_FREE]]
    else:
        d = hc[D_USED]
        hc[D_USED] += 1
    h.ast[d] = 0.0
    h.asum[d] = 0.0
    h.asq[d] = 0.0
    h.alen[d] = 0
    return d


@borrowing
def give_det(h, d: int) -> None:  # type: ignore[no-untyped-def]
    h.free_dets[h.hc[D_FREE]] = d
    h.hc[D_FREE] += 1


@borrowing
def observe(h, n: int, err: float, delta: float) -> bool:  # type: ignore[no-untyped-def]
    """Feed node ``n``'s detector (created on first use) one 0/1 error; whether it
    detected a change *and* the error grew (MOA: a drop is no change)."""
    d = h.det[n]
    if d < 0:
        d = take_det(h)
        h.det[n] = d
    old = adwin_mean(h.ast[d])
    change = adwin_add(err, h.ast[d], h.asum[d], h.asq[d], h.alen[d], delta)
    return change and not old > adwin_mean(h.ast[d])


@borrowing
def width(h, n: int) -> float:  # type: ignore[no-untyped-def]
    d = h.det[n]
    return h.ast[d, A_WIDTH] if d >= 0 else 0.0


@borrowing
def error(h, n: int) -> float:  # type: ignore[no-untyped-def]
    d = h.det[n]
    return adwin_mean(h.ast[d]) if d >= 0 else 0.0


# -- nodes -------------------------------------------------------------------------------
@allocating
def kill(t, h, n: int, keep: int) -> None:  # type: ignore[no-untyped-def]
    """Discard node ``n``'s subtree (its alternates included), except node
    ``keep``: slots and detectors go back to their pools, nodes become DEAD."""
    stack = np.empty(t.counters[N_NODES] + 1, dtype=np.int64)
    top = 0
    stack[top] = n
    top += 1
    while top > 0:
        top -= 1
        m = stack[top]
        if m == keep or t.kind[m] == DEAD:
            continue
        if t.kind[m] == LEAF:
            if t.slot[m] >= 0:
                t.counters[N_ACTIVE] -= 1
            else:
                t.counters[N_INACTIVE] -= 1
        else:
            for b in range(t.n_children[m]):
                stack[top] = t.child_start[m] + b
                top += 1
        if t.slot[m] >= 0:  # a leaf's, or an EFDT split node's
            give_slot(t, t.slot[m])
            t.slot[m] = -1
        if h.alt[m] >= 0:
            stack[top] = h.alt[m]
            top += 1
            h.alt[m] = -1
        if h.det[m] >= 0:
            give_det(h, h.det[m])
            h.det[m] = -1
        t.kind[m] = DEAD
        h.hc[N_DEAD] += 1


@borrowing
def new_alternate(t, h, n: int, slot: int, ns) -> int:  # type: ignore[no-untyped-def]
    """A fresh active leaf with statistics ``slot`` as node ``n``'s alternate (placed
    where ``n`` is); ``ns`` is the tree's node statistics array (class weights,
    or a regressor's target moments)."""
    a = t.counters[N_NODES]
    t.counters[N_NODES] += 1
    t.kind[a] = LEAF
    t.feature[a] = -1
    t.threshold[a] = 0.0
    t.child_start[a] = 0
    t.n_children[a] = 0
    t.missing_branch[a] = 0
    t.depth[a] = t.depth[n]
    t.parent[a] = t.parent[n]
    ns[a] = 0.0
    t.last_eval[a] = 0.0
    t.slot[a] = slot
    t.counters[N_ACTIVE] += 1
    h.alt[a] = -1
    h.det[a] = take_det(h)
    h.alt[n] = a
    h.hc[N_ALTS] += 1
    return a


@allocating
def move_node(t, h, src: int, dst: int, ns) -> None:  # type: ignore[no-untyped-def]
    """Put node ``src`` (an alternate) in ``dst``'s place: ``dst`` takes its
    content and ``src`` becomes DEAD. ``dst``'s own subtree must be gone."""
    t.kind[dst] = t.kind[src]
    t.feature[dst] = t.feature[src]
    t.threshold[dst] = t.threshold[src]
    t.child_start[dst] = t.child_start[src]
    t.n_children[dst] = t.n_children[src]
    t.missing_branch[dst] = t.missing_branch[src]
    t.slot[dst] = t.slot[src]
    ns[dst] = ns[src]
    t.last_eval[dst] = t.last_eval[src]
    h.alt[dst] = -1
    h.det[dst] = h.det[src]
    for b in range(t.n_children[src]):
        t.parent[t.child_start[src] + b] = dst
    t.kind[src] = DEAD
    t.slot[src] = -1
    h.det[src] = -1
    h.alt[src] = -1
    h.hc[N_DEAD] += 1


@borrowing
def replace(t, h, n: int, a: int, ns) -> None:  # type: ignore[no-untyped-def]
    """Node ``n`` (its subtree and detector) gives way to its alternate ``a``."""
    for b in range(t.n_children[n]):
        kill(t, h, t.child_start[n] + b, a)
    if h.det[n] >= 0:
        give_det(h, h.det[n])
        h.det[n] = -1
    move_node(t, h, a, n, ns)


@borrowing
def compare(h, n: int, a: int, hp) -> int:  # type: ignore[no-untyped-def]
    """Node ``n`` against its alternate ``a`` (-1: none): once both detectors hold
    more than ``MIN_WIDTH`` values, ``SWITCH`` when the alternate's error is
    lower by more than ``sqrt(2 e (1 - e) ln(2 / SWITCH_DELTA) (1/n_a + 1/n))``,
    ``PRUNE`` when higher by as much, else ``KEEP``."""
    if a < 0 or not (width(h, a) > 0.0 and width(h, n) > hp[MIN_WIDTH] and width(h, a) > hp[MIN_WIDTH]):
        return KEEP
    e, ea = error(h, n), error(h, a)
    bound = math.sqrt(
        2.0 * e * (1.0 - e) * math.log(2.0 / hp[SWITCH_DELTA]) * (1.0 / width(h, a) + 1.0 / width(h, n))
    )
    if bound < e - ea:
        return SWITCH
    if bound < ea - e:
        return PRUNE
    return KEEP


@borrowing
def try_split(t, h, leaf: int, fp, ip) -> bool:  # type: ignore[no-untyped-def]
    """A split attempt at ``leaf`` (room was reserved); whether it split. A leaf
    that splits drops its detector: the split node gets a fresh one."""
    outcome, _, _ = attempt_split(t, leaf, fp, ip)
    t.last_eval[leaf] = node_weight(t, leaf)
    if outcome != CHANGED:
        return False
    for b in range(t.n_children[leaf]):
        ch = t.child_start[leaf] + b
        h.alt[ch] = -1
        h.det[ch] = -1
    if h.det[leaf] >= 0:
        give_det(h, h.det[leaf])
        h.det[leaf] = -1
    if fp[MAX_BYTES] < np.inf:
        enforce_memory(t, fp, ip)
    return True


@borrowing
def leaf_weight(t, hp) -> float:  # type: ignore[no-untyped-def]
    """A leaf's weight for one row: Poisson(1), or 1 when that is 0 (MOA, River)."""
    if hp[BOOTSTRAP] == 0.0:
        return 1.0
    k = poisson(1.0, t.rng)
    return float(k) if k > 0 else 1.0


@borrowing
def learn_alternate(t, h, a: int, x, c: int, fp, ip, hp, lv, vote) -> bool:  # type: ignore[no-untyped-def]
    """Alternate leaf ``a`` learns ``x``: its vote's error feeds its detector,
    then it learns and may split; whether it split."""
    mc, nb = leaf_votes(t, a, x, fp, ip, lv, vote, True)
    observe(h, a, 1.0 if first_max(vote) != c else 0.0, hp[ADWIN_DELTA])
    learn_leaf(t, a, x, c, leaf_weight(t, hp), mc, nb, ip)
    return wants_split(t, a, fp, ip) and try_split(t, h, a, fp, ip)


@borrowing
def learn(t, h, x, c: int, leaf: int, mc: int, nb: int, pred: int, fp, ip, hp, lv, vote) -> None:  # type: ignore[no-untyped-def]
    """Learn row ``x`` (class ``c``) whose main leaf is ``leaf``, where the
    tree predicted ``pred`` (with the leaf's two predictors at ``mc``, ``nb``).

    From the root down the row's path, each split node (MOA's
    ``AdaSplitNode``): feeds its detector the error of the prediction (the
    leaf below it); on a change where the error grew, starts a new alternate
    leaf (replacing any); else, once both detectors hold more than
    ``MIN_WIDTH`` values, swaps in its alternate when its error is lower by
    more than ``sqrt(2 e (1 - e) ln(2 / SWITCH_DELTA) (1/n_a + 1/n))``, or
    drops it when higher by as much. The alternate then learns the row; when
    it splits, it takes the node's place (as in MOA and River, an alternate
    is a leaf until then). The main leaf learns last.
    """
    err = 1.0 if pred != c else 0.0
    n = 0
    while t.kind[n] != LEAF:
        a = h.alt[n]
        if observe(h, n, err, hp[ADWIN_DELTA]):
            if a >= 0:
                kill(t, h, a, -1)
            a = new_alternate(t, h, n, take_slot(t, ip), t.class_counts)
        else:
            verdict = compare(h, n, a, hp)
            if verdict == SWITCH:
                replace(t, h, n, a, t.class_counts)
                h.hc[N_SWITCHED] += 1
                learn_alternate(t, h, n, x, c, fp, ip, hp, lv, vote)
                return
            if verdict == PRUNE:
                kill(t, h, a, -1)
                h.alt[n] = -1
                a = -1
                h.hc[N_PRUNED] += 1
        if a >= 0 and learn_alternate(t, h, a, x, c, fp, ip, hp, lv, vote):
            replace(t, h, n, a, t.class_counts)
            h.hc[N_REPLACED] += 1
            return
        # one step down the row's path
        j = t.feature[n]
        v = x[j] if j < x.shape[0] else np.nan
        n = route_step(t, n, v)
    learn_leaf(t, n, x, c, leaf_weight(t, hp), mc, nb, ip)
    if wants_split(t, n, fp, ip):
        try_split(t, h, n, fp, ip)


@borrowing
def route_step(t, n: int, v: float) -> int:  # type: ignore[no-untyped-def]
    """The child of split node ``n`` that value ``v`` goes to (as :func:`route`)."""
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
    return t.child_start[n] + b


@borrowing
def widest_split(t) -> int:  # type: ignore[no-untyped-def]
    """Most branches a split can have: 2, or the widest category block."""
    widest = 2
    for j in range(t.cat_width.shape[0]):
        widest = max(widest, t.cat_width[j])
    return widest


@borrowing
def room_leaf(t, h, x, need, detectors: bool, widest: int) -> int:  # type: ignore[no-untyped-def]
    """The leaf ``x`` reaches when the storage holds what learning it could need
    (see :func:`has_room`; ``widest`` as :func:`widest_split` says), else -1."""
    depth = 1
    n = 0
    while t.kind[n] != LEAF:
        j = t.feature[n]
        n = route_step(t, n, x[j] if j < x.shape[0] else np.nan)
        depth += 1
    new = depth + 2 * widest
    c = t.counters
    need[0] = c[N_NODES] + new
    need[1] = c[S_USED] - c[N_FREE] + c[N_INACTIVE] + new
    need[2] = h.hc[D_USED] - h.hc[D_FREE] + 2 * depth + 1 if detectors else 0
    fits = need[0] <= t.kind.shape[0] and need[1] <= t.free_slots.shape[0] and need[2] <= h.ast.shape[0]
    return n if fits else -1


@borrowing
def has_room(t, h, x, need, detectors: bool) -> bool:  # type: ignore[no-untyped-def]
    """Whether the storage holds what learning ``x`` could need: an alternate and
    a detector per split node of its path, two splits, and a slot for every
    leaf (so the memory bound can reactivate any). ``need`` gets the nodes,
    slots and detectors that takes."""
    return room_leaf(t, h, x, need, detectors, widest_split(t)) >= 0


@njit(cache=True)
def run(t, h, X_pred, X_learn, codes, out, predict: bool, same: bool, start: int, need, fp, ip, hp) -> int:  # type: ignore[no-untyped-def]
    """Learn rows ``start..`` of ``X_learn`` (test-then-train when ``predict``).
    Returns ``len(X_learn)`` when done, else the row to resume at once the
    storage holds ``need`` (nodes, slots, detectors)."""
    n = X_learn.shape[0]
    k = t.class_counts.shape[1]
    lv = np.empty(k)
    own = np.empty(k)
    vote = np.empty(k)
    widest = widest_split(t)  # category blocks do not grow inside a call
    for i in range(start, n):
        x = X_learn[i]
        leaf = room_leaf(t, h, x, need, True, widest)  # the leaf x reaches
        if leaf < 0:
            return i
        if predict and same:
            mc, nb = leaf_votes(t, leaf, x, fp, ip, lv, out[i], True)
            pred = first_max(out[i])
        else:
            if predict:
                leaf_p = route(t, X_pred[i])
                leaf_votes(t, leaf_p, X_pred[i], fp, ip, lv, out[i], True)
            mc, nb = leaf_votes(t, leaf, x, fp, ip, lv, own, True)
            pred = first_max(own)
        if t.counters[K_SEEN] == 0:
            pred = -1  # nothing learned: no prediction to score
        learn(t, h, x, codes[i], leaf, mc, nb, pred, fp, ip, hp, lv, vote)
    return n
