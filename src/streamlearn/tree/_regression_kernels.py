"""Per-record logic of the Hoeffding tree regressor (compiled).

The tree keeps the classifier's node arrays (routing, children, slots; see
:mod:`streamlearn.tree._nodes`) and routes with the same
:func:`~streamlearn.tree._kernels.route`; what a node and a leaf learn
differs (:data:`RTree`):

* per node, the target's moments ``target[n] = (weight, mean, M2)``
  (Welford's update, weighted as West);
* per (slot, numeric feature) an equal-width histogram of the target's
  moments over ``N_BINS`` bins. The first two distinct values set the
  grid; a value outside it doubles the bin width, merging neighbouring bins
  exactly (Chan et al.'s pairwise update), until it fits. Bin ``b`` holds the
  values ``lo + b bw < x <= lo + (b + 1) bw`` (the lowest bin also ``lo``
  itself), so a threshold at a bin edge splits the bins exactly as routing
  (``x <= t`` goes left) splits the rows;
* per (slot, category) the target's moments;
* per slot a linear model ``y = m_y + s_y (w . z + b)`` on the numeric
  features standardised by the moments of everything the tree learned
  (``xnorm``; target: ``ynorm``; as FIMT-DD normalises its perceptrons),
  learned by SGD on the standardised target (missing values: ``z = 0``;
  categorical columns are not used; ``z`` and ``w . z + b`` are clipped to
  ``[-3, 3]``, which keeps the first predictions, made from a few rows'
  moments, sane), and the faded absolute errors of the leaf's mean and of
  its model.

A leaf predicts its mean (``"mean"``), its model (``"model"``) or
whichever has the lower faded error (``"adaptive"``). Split candidates are scored by variance reduction
``var(y) - sum_b w_b / w var_b(y)`` (sample variances; a branch lighter
than ``min_samples_split`` makes a candidate worthless); a leaf splits when
``second / best < 1 - eps`` or ``eps < tau`` (FIMT-DD's ratio test, with
``eps`` for a merit range of 1). Children start from their branch's
moments and a copy of the parent's linear model.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from streamlearn.drift._rng import uniform
from streamlearn.tree._kernels import CHANGED, NEED_ROOM, NO_CHANGE, route
from streamlearn.tree._nodes import (
    C_SEEN,
    D_SEEN,
    EQUALS,
    LEAF,
    MULTIWAY,
    N_ACTIVE,
    N_FREE,
    N_NODES,
    NUMERIC,
    S_USED,
)

N_BINS = 32
CLIP = 3.0  # standardised inputs and model outputs are kept within 3 standard deviations
W, MEAN, M2 = 0, 1, 2  # fields of a moments triple
LO, BW = 0, 1  # fields of a histogram's grid
BIAS, ERR_MEAN, ERR_MODEL, N_LEAF = 0, 1, 2, 3  # fields of ``leaf``

#: The regressor's arrays.
RTree = namedtuple(
    "RTree",
    [
        "feature", "kind", "threshold", "child_start", "n_children", "missing_branch", "depth", "parent",
        "slot", "target", "last_eval", "free_slots", "grid", "hist", "cat_target", "cat_offset", "cat_width",
        "n_values", "lin", "leaf", "disabled", "counters", "cat_seen", "xnorm", "ynorm", "rng", "is_cat",
    ],
)  # fmt: skip

# ``fp`` entries
GRACE, DELTA, TAU, MIN_SPLIT, LR, DECAY, N_FP = range(7)
# ``ip`` entries
LEAF_PRED, BINARY, MAX_DEPTH, SUBSPACE, POOL, N_IP = range(6)
MEAN_PRED, MODEL_PRED, ADAPTIVE = 0, 1, 2
DONE, SPLIT = 0, 1


# -- moments ----------------------------------------------------------------------------
@njit(cache=True)
def add(m, y: float, w: float) -> None:  # type: ignore[no-untyped-def]
    """Add value ``y`` with weight ``w`` to moments ``m = (weight, mean, M2)``."""
    if m[W] <= 0.0:
        m[W], m[MEAN], m[M2] = w, y, 0.0
        return
    n = m[W] + w
    d = y - m[MEAN]
    mean = m[MEAN] + w * d / n
    m[M2] += w * d * (y - mean)
    m[MEAN] = mean
    m[W] = n


@njit(cache=True)
def merge_into(a, b) -> None:  # type: ignore[no-untyped-def]
    """``a`` becomes the moments of ``a`` and ``b`` together (Chan et al.)."""
    n = a[W] + b[W]
    if b[W] <= 0.0:
        return
    if a[W] <= 0.0:
        a[W], a[MEAN], a[M2] = b[W], b[MEAN], b[M2]
        return
    d = b[MEAN] - a[MEAN]
    a[M2] += b[M2] + d * d * a[W] * b[W] / n
    a[MEAN] += d * b[W] / n
    a[W] = n


@njit(cache=True)
def variance(m) -> float:  # type: ignore[no-untyped-def]
    """Sample variance (0 for a weight of 1 or less)."""
    return m[M2] / (m[W] - 1.0) if m[W] > 1.0 else 0.0


# -- histograms -------------------------------------------------------------------------
@njit(cache=True)
def bin_of(g, v: float):  # type: ignore[no-untyped-def]
    if g[BW] <= 0.0:
        return 0
    b = np.int64(math.ceil((v - g[LO]) / g[BW])) - 1
    return min(max(b, 0), N_BINS - 1)


@njit(cache=True)
def inside(g, v: float) -> bool:  # type: ignore[no-untyped-def]
    return g[LO] <= v <= g[LO] + N_BINS * g[BW]


@njit(cache=True)
def hist_add(grid, hist, v: float, y: float, w: float) -> None:  # type: ignore[no-untyped-def]
    """Add ``(v, y)`` with weight ``w`` to one histogram (``grid``, ``hist``);
    set up or widen the grid first when ``v`` needs it."""
    total = 0.0
    for b in range(N_BINS):
        total += hist[b, W]
    if total <= 0.0:  # the first value: a point grid
        grid[LO] = v
        grid[BW] = 0.0
    elif grid[BW] <= 0.0 and v != grid[LO]:
        # the second distinct value: both inside the lower half of a grid
        old = grid[LO]
        tmp = hist[0].copy()
        hist[0] = 0.0
        grid[LO] = min(old, v)
        grid[BW] = abs(v - old) * 2.0 / N_BINS
        hist[bin_of(grid, old)] = tmp
    while grid[BW] > 0.0 and not inside(grid, v):
        tmp = hist.copy()
        hist[:] = 0.0
        half = N_BINS // 2
        shift = half if v < grid[LO] else 0  # below: the old range becomes the upper half
        for b in range(half):
            hist[shift + b] = tmp[2 * b]
            merge_into(hist[shift + b], tmp[2 * b + 1])
        if v < grid[LO]:
            grid[LO] -= N_BINS * grid[BW]
        grid[BW] *= 2.0
    add(hist[bin_of(grid, v)], y, w)


# -- leaves -----------------------------------------------------------------------------
@njit(cache=True)
def mean_of(t, n: int) -> float:  # type: ignore[no-untyped-def]
    """The node's mean target (its nearest ancestor's when it has no weight yet; 0 at an empty root)."""
    while t.target[n, W] <= 0.0 and t.parent[n] >= 0:
        n = t.parent[n]
    return t.target[n, MEAN]


@njit(cache=True)
def model_of(t, n: int, x) -> float:  # type: ignore[no-untyped-def]
    """The leaf's linear model at ``x`` (its mean for a leaf without statistics)."""
    s = t.slot[n]
    if s < 0 or t.ynorm[W] <= 1.0:
        return mean_of(t, n)
    return mean_of(t, n) + math.sqrt(variance(t.ynorm)) * linear(t, s, x)


@njit(cache=True)
def z_score(t, j: int, v: float) -> float:  # type: ignore[no-untyped-def]
    """Feature ``j``'s value standardised by the tree's moments (0 when unknown)."""
    if v != v or t.is_cat[j]:
        return 0.0
    var = variance(t.xnorm[j])
    if var <= 0.0:
        return 0.0
    return min(max((v - t.xnorm[j, MEAN]) / math.sqrt(var), -CLIP), CLIP)


@njit(cache=True)
def linear(t, s: int, x) -> float:  # type: ignore[no-untyped-def]
    """The model's output in standard deviations of the target (within ``CLIP``)."""
    f = t.leaf[s, BIAS]
    for j in range(min(x.shape[0], t.lin.shape[1])):
        if t.lin[s, j] != 0.0:
            f += t.lin[s, j] * z_score(t, j, x[j])
    return min(max(f, -CLIP), CLIP)


@njit(cache=True)
def predict_leaf(t, n: int, x, fp, ip) -> float:  # type: ignore[no-untyped-def]
    """The leaf's prediction: its mean, its model, or the one with the lower faded error."""
    lp = ip[LEAF_PRED]
    s = t.slot[n]
    if lp == MEAN_PRED or s < 0:
        return mean_of(t, n)
    if lp == MODEL_PRED or t.leaf[s, ERR_MODEL] < t.leaf[s, ERR_MEAN]:
        return model_of(t, n, x)
    return mean_of(t, n)


@njit(cache=True)
def learn_leaf(t, n: int, x, y: float, w: float, fp, norms: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Leaf ``n`` learns ``(x, y)`` with weight ``w``: the faded errors of its two
    predictors (before learning), one SGD step of its model, its statistics;
    then (``norms``) the tree's moments of the features and the target."""
    s = t.slot[n]
    tg = t.target[n]
    counters = t.counters
    if s >= 0:
        if tg[W] > 0.0:
            decay = fp[DECAY]
            t.leaf[s, ERR_MEAN] = decay * t.leaf[s, ERR_MEAN] + abs(y - mean_of(t, n))
            t.leaf[s, ERR_MODEL] = decay * t.leaf[s, ERR_MODEL] + abs(y - model_of(t, n, x))
        var = variance(t.ynorm)
        if var > 0.0:  # SGD on the standardised target
            err = (y - mean_of(t, n)) / math.sqrt(var) - linear(t, s, x)
            step = fp[LR] * min(w, 0.5 / fp[LR])
            for j in range(min(x.shape[0], t.lin.shape[1])):
                if not t.disabled[s, j]:
                    z = z_score(t, j, x[j])
                    if z != 0.0:
                        t.lin[s, j] += step * err * z
            t.leaf[s, BIAS] += step * err
        for j in range(min(x.shape[0], t.grid.shape[1])):
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
                if t.cat_target[s, row, W] <= 0.0:
                    t.n_values[s, j] += 1
                add(t.cat_target[s, row], y, w)
                if code >= t.cat_seen[j]:
                    counters[C_SEEN] += code + 1 - t.cat_seen[j]
                    t.cat_seen[j] = code + 1
            else:
                hist_add(t.grid[s, j], t.hist[s, j], v, y, w)
    add(tg, y, w)
    if not norms:
        return
    for j in range(min(x.shape[0], t.xnorm.shape[0])):
        if x[j] == x[j] and not t.is_cat[j]:
            add(t.xnorm[j], x[j], w)
    add(t.ynorm, y, w)


# -- slots ------------------------------------------------------------------------------
@njit(cache=True)
def take_slot(t, ip) -> int:  # type: ignore[no-untyped-def]
    """A zeroed statistics slot (recycled first), observing a random feature
    subset when ``ip[SUBSPACE] > 0`` (as the classifier's)."""
    c = t.counters
    if c[N_FREE] > 0:
        c[N_FREE] -= 1
        s = t.free_slots[c[N_FREE]]
    else:
        s = c[S_USED]
        c[S_USED] += 1
    t.grid[s] = 0.0
    t.hist[s] = 0.0
    t.cat_target[s] = 0.0
    t.n_values[s] = 0
    t.lin[s] = 0.0
    t.leaf[s] = 0.0
    t.disabled[s] = False
    m, d = ip[SUBSPACE], min(ip[POOL], t.disabled.shape[1])
    if 0 < m < d:
        order = np.arange(d)
        for j in range(d):
            t.disabled[s, j] = True
        for r in range(m):
            pick = r + int(uniform(t.rng) * (d - r))
            order[r], order[pick] = order[pick], order[r]
            t.disabled[s, order[r]] = False
    return s


@njit(cache=True)
def slots_available(t) -> int:  # type: ignore[no-untyped-def]
    return t.counters[N_FREE] + t.hist.shape[0] - t.counters[S_USED]


# -- splits -----------------------------------------------------------------------------
@njit(cache=True)
def reduction(pre, post, n_branches: int, min_split: float) -> float:  # type: ignore[no-untyped-def]
    """Variance reduction of splitting ``pre`` into ``post[:n_branches]`` (0 when a
    branch is lighter than ``min_split``, as River's criterion)."""
    for b in range(n_branches):
        if post[b, W] < min_split:
            return 0.0
    vr = variance(pre)
    for b in range(n_branches):
        vr -= post[b, W] / pre[W] * variance(post[b])
    return vr


@njit(cache=True)
def best_numeric(t, s: int, j: int, pre, min_split: float, post) -> tuple[bool, float, float]:  # type: ignore[no-untyped-def]
    """``(found, merit, threshold)``: the best bin edge of the histogram."""
    g = t.grid[s, j]
    if g[BW] <= 0.0:
        return False, -np.inf, 0.0
    h = t.hist[s, j]
    total = np.zeros(3)
    for b in range(N_BINS):
        merge_into(total, h[b])
    left = np.zeros(3)
    found, best, best_t = False, -np.inf, 0.0
    for i in range(1, N_BINS):
        merge_into(left, h[i - 1])
        if h[i - 1, W] <= 0.0 and i > 1:
            continue  # the same split as the previous edge
        right_w = total[W] - left[W]
        if left[W] <= 0.0 or right_w <= 0.0:
            continue
        post[0] = left
        post[1, W] = right_w
        # right moments: total minus left (Chan's update, reversed)
        post[1, MEAN] = (total[MEAN] * total[W] - left[MEAN] * left[W]) / right_w
        d = left[MEAN] - post[1, MEAN]
        post[1, M2] = max(total[M2] - left[M2] - d * d * left[W] * right_w / total[W], 0.0)
        m = reduction(pre, post, 2, min_split)
        if not found or m > best:
            found, best, best_t = True, m, g[LO] + i * g[BW]
    return found, best, best_t


@njit(cache=True)
def best_nominal(t, s: int, j: int, pre, min_split: float, binary: bool, post) -> tuple[bool, float, int]:  # type: ignore[no-untyped-def]
    """``(found, merit, code)``: code -1 is the multiway split, else ``x == code``."""
    off = t.cat_offset[j]
    top = -1
    for v in range(t.cat_width[j] - 1, -1, -1):
        if t.cat_target[s, off + v, W] > 0.0:
            top = v
            break
    if top < 0:
        return False, -np.inf, -1
    found, best, code = False, -np.inf, -1
    if not binary and top > 0:
        best = reduction(pre, t.cat_target[s, off : off + top + 1], top + 1, min_split)
        found = True
    total = np.zeros(3)
    for v in range(top + 1):
        merge_into(total, t.cat_target[s, off + v])
    for v in range(top + 1):
        eq = t.cat_target[s, off + v]
        if eq[W] <= 0.0 or eq[W] >= total[W]:
            continue
        post[0] = eq
        rest = total[W] - eq[W]
        post[1, W] = rest
        post[1, MEAN] = (total[MEAN] * total[W] - eq[MEAN] * eq[W]) / rest
        d = eq[MEAN] - post[1, MEAN]
        post[1, M2] = max(total[M2] - eq[M2] - d * d * eq[W] * rest / total[W], 0.0)
        m = reduction(pre, post, 2, min_split)
        if not found or m > best:
            found, best, code = True, m, v
    return found, best, code


@njit(cache=True)
def branch_moments(t, s: int, j: int, kind: int, val: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The target moments of each branch of a split of slot ``s``."""
    off = t.cat_offset[j]
    if kind == MULTIWAY:
        top = 0
        for v in range(t.cat_width[j]):
            if t.cat_target[s, off + v, W] > 0.0:
                top = v
        out = np.zeros((top + 1, 3))
        for v in range(top + 1):
            out[v] = t.cat_target[s, off + v]
        return out
    out = np.zeros((2, 3))
    if kind == EQUALS:
        for v in range(t.cat_width[j]):
            merge_into(out[0 if v == int(val) else 1], t.cat_target[s, off + v])
        return out
    g, h = t.grid[s, j], t.hist[s, j]
    for b in range(N_BINS):
        merge_into(out[0 if g[LO] + (b + 1) * g[BW] <= val else 1], h[b])
    return out


@njit(cache=True)
def attempt_split(t, leaf: int, fp, ip) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Split the leaf when its best candidate wins FIMT-DD's ratio test.
    Returns ``(outcome, nodes, slots)``; ``NEED_ROOM`` before any change."""
    s = t.slot[leaf]
    pre = t.target[leaf]
    if s < 0 or variance(pre) <= 0.0:
        return NO_CHANGE, 0, 0
    post = np.zeros((2, 3))
    best, second = -np.inf, -np.inf
    best_j, best_kind, best_val = -1, LEAF, 0.0
    min_split = fp[MIN_SPLIT]
    for j in range(t.hist.shape[1]):
        if t.disabled[s, j]:
            continue
        if t.is_cat[j]:
            if t.n_values[s, j] == 0:
                continue
            found, m, code = best_nominal(t, s, j, pre, min_split, ip[BINARY] != 0, post)
            kind = MULTIWAY if code < 0 else EQUALS
            val = float(code)
        else:
            found, m, val = best_numeric(t, s, j, pre, min_split, post)
            kind = NUMERIC
        if not found:
            continue
        if m >= best:
            second = best
            best, best_j, best_kind, best_val = m, j, kind, val
        elif m > second:
            second = m
    if best_j < 0 or not best > 0.0:
        return NO_CHANGE, 0, 0
    eps = math.sqrt(math.log(1.0 / fp[DELTA]) / (2.0 * pre[W]))
    if not (second / best < 1.0 - eps or eps < fp[TAU]):
        return NO_CHANGE, 0, 0
    moments = branch_moments(t, s, best_j, best_kind, best_val)
    m_children = moments.shape[0]
    c = t.counters
    if c[N_NODES] + m_children > t.kind.shape[0] or slots_available(t) + 1 < m_children:
        return NEED_ROOM, c[N_NODES] + m_children, c[S_USED] + m_children
    split_leaf(t, leaf, best_j, best_kind, best_val, moments, ip)
    return CHANGED, 0, 0


@njit(cache=True)
def split_leaf(t, leaf: int, j: int, kind: int, val: float, moments, ip) -> None:  # type: ignore[no-untyped-def]
    """Turn ``leaf`` into a split node with a new leaf per branch, each starting
    from its branch's moments and a copy of the parent's linear model."""
    c = t.counters
    s = t.slot[leaf]
    lin = t.lin[s].copy()
    bias = t.leaf[s, BIAS]
    t.free_slots[c[N_FREE]] = s
    c[N_FREE] += 1
    base = c[N_NODES]
    m = moments.shape[0]
    t.kind[leaf] = kind
    t.feature[leaf] = j
    t.threshold[leaf] = val
    t.child_start[leaf] = base
    t.n_children[leaf] = m
    t.slot[leaf] = -1
    heaviest, heaviest_w = 0, -1.0
    for b in range(m):
        ch = base + b
        t.target[ch] = moments[b]
        if moments[b, W] > heaviest_w:
            heaviest, heaviest_w = b, moments[b, W]
        t.kind[ch] = LEAF
        t.feature[ch] = -1
        t.threshold[ch] = 0.0
        t.child_start[ch] = 0
        t.n_children[ch] = 0
        t.missing_branch[ch] = 0
        t.depth[ch] = t.depth[leaf] + 1
        t.parent[ch] = leaf
        t.last_eval[ch] = moments[b, W]
        cs = take_slot(t, ip)
        t.slot[ch] = cs
        t.lin[cs] = lin
        t.leaf[cs, BIAS] = bias
    t.missing_branch[leaf] = heaviest
    c[N_NODES] += m
    c[N_ACTIVE] += m - 1


@njit(cache=True)
def wants_split(t, leaf: int, fp, ip) -> bool:  # type: ignore[no-untyped-def]
    if t.slot[leaf] < 0:
        return False
    if ip[MAX_DEPTH] >= 0 and t.depth[leaf] >= ip[MAX_DEPTH]:
        return False
    return t.target[leaf, W] - t.last_eval[leaf] >= fp[GRACE]


@njit(cache=True)
def after_learning(t, x, fp, ip):  # type: ignore[no-untyped-def]
    """The split attempt of a row (at the leaf ``x`` reaches): ``(phase, nodes, slots)``."""
    leaf = route(t, x)
    outcome, req_nodes, req_slots = attempt_split(t, leaf, fp, ip)
    if outcome == NEED_ROOM:
        return SPLIT, req_nodes, req_slots
    t.last_eval[leaf] = t.target[leaf, W]
    return DONE, 0, 0


# -- batch loops ------------------------------------------------------------------------
@njit(cache=True)
def run(t, X_pred, X_learn, y, out, predict: bool, start: int, phase: int, fp, ip):  # type: ignore[no-untyped-def]
    """Learn rows ``start..`` (test-then-train when ``predict``: ``out[i]`` is the
    prediction for ``X_pred[i]`` before learning row ``i``). Returns ``(row,
    phase, nodes, slots)``: ``row == len(X_learn)`` when done."""
    n = X_learn.shape[0]
    i = start
    while i < n:
        x = X_learn[i]
        if phase == DONE:
            if predict:
                out[i] = predict_leaf(t, route(t, X_pred[i]), X_pred[i], fp, ip)
            leaf = route(t, x)
            learn_leaf(t, leaf, x, y[i], 1.0, fp)
            if not wants_split(t, leaf, fp, ip):
                i += 1
                continue
            phase = SPLIT
        phase, req_nodes, req_slots = after_learning(t, x, fp, ip)
        if phase != DONE:
            return i, phase, req_nodes, req_slots
        i += 1
    return n, 0, 0, 0


@njit(cache=True)
def predict(t, X, out, fp, ip) -> None:  # type: ignore[no-untyped-def]
    for i in range(X.shape[0]):
        out[i] = predict_leaf(t, route(t, X[i]), X[i], fp, ip)
