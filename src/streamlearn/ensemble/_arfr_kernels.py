"""The adaptive random forest regressor's test-then-train loop (compiled).

As :mod:`streamlearn.ensemble._arf_kernels`, member by member over the
batch, with Hoeffding tree regressors (:mod:`streamlearn.tree._regression_kernels`)
as trees. Per member and record: the foreground tree predicts ``X_pred[i]``
(``votes[e, i]``); ``k ~ Poisson(lambda)``; with ``k > 0`` the member's
signed error on the learned row updates its running error moments
(``acc[e]``), the foreground and background trees learn with weight ``k``,
and the error, min-max normalised as ``(e + 3 sd) / (6 sd)`` into
``[0, 1]`` (River's ``ARFRegressor``; 0.5 until two errors were seen),
feeds the warning and drift ADWINs.
"""

from __future__ import annotations

import math
from collections import namedtuple

from numba import njit

from streamlearn.ensemble._arf_kernels import (
    DRIFT,
    DRIFT_DELTA,
    DRIFT_ON,
    LAMBDA,
    N_DRIFTS,
    N_WARNINGS,
    P_BG,
    P_DETECT,
    P_START,
    R_K,
    R_MEMBER,
    R_NODES,
    R_PHASE,
    R_ROW,
    R_SLOTS,
    WARN,
    WARN_DELTA,
    WARN_ON,
)
from streamlearn.tree import _regression_kernels as R
from streamlearn.tree._adaptive import adwin_add, adwin_reset, poisson
from streamlearn.tree._kernels import route
from streamlearn.tree._nodes import N_ACTIVE, N_COUNTERS, N_NODES
from streamlearn.tree.hoeffding_tree_regressor import REGRESSION_LAYOUT

#: The stacked regression trees (``REGRESSION_LAYOUT`` names), generator states and ``is_cat``.
RForest = namedtuple("RForest", [*REGRESSION_LAYOUT, "rng", "is_cat"])  # type: ignore[misc]


@njit(cache=True)
def rmember(f, m: int, r: int):  # type: ignore[no-untyped-def]
    """Member ``m`` of the stack as an :data:`~streamlearn.tree._regression_kernels.RTree`."""
    return R.RTree(
        f.feature[m], f.kind[m], f.threshold[m], f.child_start[m], f.n_children[m], f.missing_branch[m],
        f.depth[m], f.parent[m], f.slot[m], f.target[m], f.last_eval[m], f.free_slots[m], f.grid[m],
        f.hist[m], f.cat_target[m], f.cat_offset, f.cat_width, f.n_values[m], f.lin[m], f.leaf[m],
        f.disabled[m], f.counters[m], f.cat_seen[m], f.xnorm[m], f.ynorm[m], f.rng[r], f.is_cat,
    )  # fmt: skip


@njit(cache=True)
def reset_rtree(t, ip) -> None:  # type: ignore[no-untyped-def]
    """Make ``t`` a fresh regression tree: one leaf, no learned sizes or moments."""
    c = t.counters
    for n in range(c[N_NODES]):
        t.kind[n] = 0
        t.feature[n] = -1
        t.threshold[n] = 0.0
        t.child_start[n] = 0
        t.n_children[n] = 0
        t.missing_branch[n] = 0
        t.depth[n] = 0
        t.parent[n] = -1
        t.slot[n] = -1
        t.last_eval[n] = 0.0
        t.target[n] = 0.0
    for i in range(N_COUNTERS):
        c[i] = 0
    t.cat_seen[:] = 0
    t.xnorm[:] = 0.0
    t.ynorm[:] = 0.0
    c[N_NODES] = 1
    c[N_ACTIVE] = 1
    t.slot[0] = R.take_slot(t, ip)


@njit(cache=True)
def _detect(f, e, err, fg, bg, acc, events, ast, asum, asq, alen, ip, ap, aip) -> None:  # type: ignore[no-untyped-def]
    n_members = fg.shape[0]
    w = WARN
    if aip[WARN_ON] != 0 and adwin_add(err, ast[e, w], asum[e, w], asq[e, w], alen[e, w], ap[WARN_DELTA]):
        spare = e + n_members if fg[e] == e else e
        bg[e] = spare
        reset_rtree(rmember(f, spare, e), ip)
        adwin_reset(ast[e, w], asum[e, w], asq[e, w], alen[e, w])
        events[e, N_WARNINGS] += 1
    d = DRIFT
    if aip[DRIFT_ON] != 0 and adwin_add(err, ast[e, d], asum[e, d], asq[e, d], alen[e, d], ap[DRIFT_DELTA]):
        if bg[e] >= 0:
            fg[e] = bg[e]
            bg[e] = -1
        else:
            reset_rtree(rmember(f, fg[e], e), ip)
        for k in range(2):
            adwin_reset(ast[e, k], asum[e, k], asq[e, k], alen[e, k])
        acc[e] = 0.0
        events[e, N_DRIFTS] += 1


@njit(cache=True)
def normalised_error(m, signed: float) -> float:  # type: ignore[no-untyped-def]
    """``(e + 3 sd) / (6 sd)`` in ``[0, 1]`` with ``sd`` from the error moments ``m``."""
    if m[R.W] <= 1.0:
        return 0.5
    sd = math.sqrt(R.variance(m))
    if sd <= 0.0:
        return 0.5
    return min(max((signed + 3.0 * sd) / (6.0 * sd), 0.0), 1.0)


@njit(cache=True)
def _stop(resume, rf, e, i, phase, nodes, slots, w, err) -> bool:  # type: ignore[no-untyped-def]
    resume[R_MEMBER] = e
    resume[R_ROW] = i
    resume[R_PHASE] = phase
    resume[R_NODES] = nodes
    resume[R_SLOTS] = slots
    resume[R_K] = w
    rf[0] = err
    return False


@njit(cache=True)
def run(  # type: ignore[no-untyped-def]
    f, fg, bg, acc, events, started, ast, asum, asq, alen, X_pred, X_learn, y, pool, sizes,
    votes, predict: bool, same: bool, resume, rf, fp, ip, ap, aip,
) -> bool:  # fmt: skip
    """Test-then-train (``predict``) or learn the batch, member by member, from the
    position in ``resume`` (``rf``: the pending normalised error). Returns True
    when done, False when a tree needs the capacities ``resume[R_NODES]``,
    ``resume[R_SLOTS]``."""
    n = X_learn.shape[0]
    for e in range(resume[R_MEMBER], fg.shape[0]):
        i, phase, w, err = 0, P_START, 0, 0.0
        if e == resume[R_MEMBER]:
            i, phase, w, err = resume[R_ROW], resume[R_PHASE], resume[R_K], rf[0]
        rng = f.rng[e]
        while i < n:
            x = X_learn[i]
            ip[R.POOL] = pool[i]
            ip[R.SUBSPACE] = sizes[pool[i]]
            if started[e] == 0:
                reset_rtree(rmember(f, fg[e], e), ip)
                started[e] = 1
            if phase == P_START:
                t = rmember(f, fg[e], e)
                if predict:
                    votes[e, i] = R.predict_leaf(t, route(t, X_pred[i]), X_pred[i], fp, ip)
                if predict and same:
                    pred = votes[e, i]
                else:
                    pred = R.predict_leaf(t, route(t, x), x, fp, ip)
                w = poisson(ap[LAMBDA], rng)
                if w == 0:
                    i += 1
                    continue
                signed = y[i] - pred
                R.add(acc[e], signed, 1.0)
                err = normalised_error(acc[e], signed)
                leaf = route(t, x)
                R.learn_leaf(t, leaf, x, y[i], float(w), fp)
                phase = R.SPLIT if R.wants_split(t, leaf, fp, ip) else P_BG
            if phase < P_BG:
                phase, req_nodes, req_slots = R.after_learning(rmember(f, fg[e], e), x, fp, ip)
                if phase != R.DONE:
                    return _stop(resume, rf, e, i, phase, req_nodes, req_slots, w, err)
                phase = P_BG
            if phase < P_DETECT:
                if bg[e] >= 0:
                    b = rmember(f, bg[e], e)
                    ph = phase - P_BG
                    if ph == R.DONE:
                        leaf = route(b, x)
                        R.learn_leaf(b, leaf, x, y[i], float(w), fp)
                        ph = R.SPLIT if R.wants_split(b, leaf, fp, ip) else R.DONE
                    if ph != R.DONE:
                        ph, req_nodes, req_slots = R.after_learning(b, x, fp, ip)
                        if ph != R.DONE:
                            return _stop(resume, rf, e, i, ph + P_BG, req_nodes, req_slots, w, err)
                phase = P_DETECT
            _detect(f, e, err, fg, bg, acc, events, ast, asum, asq, alen, ip, ap, aip)
            phase = P_START
            i += 1
    resume[:] = 0
    return True


@njit(cache=True)
def predict(f, fg, X, votes, fp, ip) -> None:  # type: ignore[no-untyped-def]
    """Each member's prediction for each row of ``X`` (no learning)."""
    for e in range(fg.shape[0]):
        t = rmember(f, fg[e], e)
        for i in range(X.shape[0]):
            votes[e, i] = R.predict_leaf(t, route(t, X[i]), X[i], fp, ip)
