"""The adaptive random forest's test-then-train loop (compiled).

Given its own Poisson weights and its own detectors, each member of the
forest learns independently of the others, and the forest's vote is only
read, never fed back. So :func:`run` processes a batch *member by member*:
for member ``e`` it walks every row (vote, weight, learn, detect) with its
foreground tree, its background tree and its two ADWINs, writing its
per-row vote ``votes[e, i]`` (made before learning row ``i``) and its weight
``weights[e, i]``; :func:`~streamlearn.ensemble._forest_kernels.combine`
then forms the forest's predictions. The result is exactly that of one
record at a time.

Per member and record, in order (River's order):

1. the foreground tree votes for ``X_pred[i]``; the vote's weight is the
   member's accuracy so far; the accuracy counts the tree's vote for the
   row it learns, ``X_learn[i]`` (the same row, except in a pipeline, where
   this is what a loop of ``predict_proba_one``/``learn_one`` does);
2. ``k ~ Poisson(lambda)``; with ``k = 0`` the record is done;
3. the foreground tree, then the background tree (if any), learn the
   record with weight ``k``;
4. the vote's 0/1 error goes to the warning ADWIN; a warning starts a new
   background tree (replacing any) and resets the warning ADWIN; then to
   the drift ADWIN; a drift makes the background tree the foreground (or,
   without one, resets the foreground tree) and resets both ADWINs and the
   accuracy.

Random feature subsets are drawn from the columns seen (not missing) in
the rows learned so far, up to and including the current one
(``pool[i]``), and sized by ``sizes[pool[i]]``: that depends on the data
only, not on how wide a batch happens to be. A member draws its first
root's subset at the first row it learns (``started``).

Like the tree's own loop, :func:`run` never allocates tree storage: when a
tree needs room it returns with ``resume`` holding where to go on.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from streamlearn.ensemble._forest_kernels import (
    adwin_add,
    adwin_reset,
    member,
    poisson,
    reset_tree,
    top_class,
    vote_weight,
)
from streamlearn.tree._kernels import (
    DONE,
    POOL,
    SPLIT,
    SUBSPACE,
    after_learning,
    leaf_votes,
    learn_leaf,
    learn_votes,
    route,
    wants_split,
)

# ``ap`` (floats)
LAMBDA, WARN_DELTA, DRIFT_DELTA, N_AP = range(4)
# ``aip`` (ints)
WEIGHTED, WARN_ON, DRIFT_ON, N_AIP = range(4)
# ``resume``: member, row, phase, nodes and slots needed, the row's weight and error
R_MEMBER, R_ROW, R_PHASE, R_NODES, R_SLOTS, R_K, R_ERR, N_RESUME = range(8)
# phases of a (member, row): foreground tree phases 1-2, background 3-5, detectors 6
P_START, P_BG, P_DETECT = 0, 3, 6
# ``events`` columns
N_WARNINGS, N_DRIFTS = 0, 1
WARN, DRIFT = 0, 1  # detector index


@njit(cache=True)
def _detect(f, e, err, fg, bg, acc, events, ast, asum, asq, alen, ip, ap, aip) -> None:  # type: ignore[no-untyped-def]
    n_members = fg.shape[0]
    x = float(err)
    w = WARN
    if aip[WARN_ON] != 0 and adwin_add(x, ast[e, w], asum[e, w], asq[e, w], alen[e, w], ap[WARN_DELTA]):
        spare = e + n_members if fg[e] == e else e
        bg[e] = spare
        reset_tree(member(f, spare, e), ip)
        adwin_reset(ast[e, WARN], asum[e, WARN], asq[e, WARN], alen[e, WARN])
        events[e, N_WARNINGS] += 1
    if aip[DRIFT_ON] != 0 and adwin_add(
        x, ast[e, DRIFT], asum[e, DRIFT], asq[e, DRIFT], alen[e, DRIFT], ap[DRIFT_DELTA]
    ):
        if bg[e] >= 0:
            fg[e] = bg[e]
            bg[e] = -1
        else:
            reset_tree(member(f, fg[e], e), ip)
        for d in range(2):
            adwin_reset(ast[e, d], asum[e, d], asq[e, d], alen[e, d])
        acc[e, 0] = 0.0
        acc[e, 1] = 0.0
        events[e, N_DRIFTS] += 1


@njit(cache=True)
def _stop(resume, e, i, phase, nodes, slots, w, err) -> bool:  # type: ignore[no-untyped-def]
    resume[R_MEMBER] = e
    resume[R_ROW] = i
    resume[R_PHASE] = phase
    resume[R_NODES] = nodes
    resume[R_SLOTS] = slots
    resume[R_K] = w
    resume[R_ERR] = err
    return False


@njit(cache=True)
def run(  # type: ignore[no-untyped-def]
    f, fg, bg, acc, events, started, ast, asum, asq, alen, X_pred, X_learn, codes, pool, sizes,
    votes, weights, predict: bool, same: bool, resume, fp, ip, ap, aip,
) -> bool:  # fmt: skip
    """Test-then-train (``predict``) or learn rows of ``X_learn``, member by
    member, from the position in ``resume``. Returns True when done, False
    when a tree needs the capacities ``resume[R_NODES]``, ``resume[R_SLOTS]``
    (call again, with ``resume`` as left, after growing the storage)."""
    n = X_learn.shape[0]
    k = f.class_counts.shape[2]
    lv = np.empty(k)
    scratch = np.empty(k)
    own = np.empty(k)
    n_members = fg.shape[0]
    for e in range(resume[R_MEMBER], n_members):
        i = 0
        phase = P_START
        w = 0
        err = 0
        if e == resume[R_MEMBER]:
            i, phase, w, err = resume[R_ROW], resume[R_PHASE], resume[R_K], resume[R_ERR]
        rng = f.rng[e]
        while i < n:
            x = X_learn[i]
            c = codes[i]
            ip[POOL] = pool[i]
            ip[SUBSPACE] = sizes[pool[i]]
            if started[e] == 0:
                reset_tree(member(f, fg[e], e), ip)
                started[e] = 1
            if phase == P_START:
                t = member(f, fg[e], e)
                if predict:
                    leaf = route(t, X_pred[i])
                    mc, nb = leaf_votes(t, leaf, X_pred[i], fp, ip, lv, votes[e, i], True)
                    weights[e, i] = vote_weight(acc[e, 0], acc[e, 1], aip[WEIGHTED] != 0)
                if predict and same:
                    pred = top_class(votes[e, i])
                else:  # the member's own vote on the row it learns (what learn_one sees)
                    leaf = route(t, x)
                    mc, nb = leaf_votes(t, leaf, x, fp, ip, lv, own, True)
                    pred = top_class(own)
                acc[e, 0] += 1.0
                if pred == c:
                    acc[e, 1] += 1.0
                w = poisson(ap[LAMBDA], rng)
                if w == 0:
                    i += 1
                    continue
                err = 1 if pred != c else 0
                learn_leaf(t, leaf, x, c, float(w), mc, nb, ip)
                phase = SPLIT if wants_split(t, leaf, fp, ip) else P_BG
            if phase < P_BG:
                phase, req_nodes, req_slots = after_learning(member(f, fg[e], e), x, phase, fp, ip)
                if phase != DONE:
                    return _stop(resume, e, i, phase, req_nodes, req_slots, w, err)
                phase = P_BG
            if phase < P_DETECT:
                if bg[e] >= 0:
                    b = member(f, bg[e], e)
                    ph = phase - P_BG
                    if ph == DONE:
                        leaf = route(b, x)
                        mc, nb = learn_votes(b, leaf, x, fp, ip, lv, scratch)
                        learn_leaf(b, leaf, x, c, float(w), mc, nb, ip)
                        ph = SPLIT if wants_split(b, leaf, fp, ip) else DONE
                    if ph != DONE:
                        ph, req_nodes, req_slots = after_learning(b, x, ph, fp, ip)
                        if ph != DONE:
                            return _stop(resume, e, i, ph + P_BG, req_nodes, req_slots, w, err)
                phase = P_DETECT
            _detect(f, e, err, fg, bg, acc, events, ast, asum, asq, alen, ip, ap, aip)
            phase = P_START
            i += 1
    resume[:] = 0
    return True


@njit(cache=True)
def predict(f, fg, acc, X, votes, weights, fp, ip, aip) -> None:  # type: ignore[no-untyped-def]
    """Each member's vote and weight for each row of ``X`` (no learning)."""
    lv = np.empty(f.class_counts.shape[2])
    for e in range(fg.shape[0]):
        t = member(f, fg[e], e)
        w = vote_weight(acc[e, 0], acc[e, 1], aip[WEIGHTED] != 0)
        for i in range(X.shape[0]):
            leaf = route(t, X[i])
            leaf_votes(t, leaf, X[i], fp, ip, lv, votes[e, i], True)
            weights[e, i] = w
