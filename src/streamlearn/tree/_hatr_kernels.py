"""Per-record logic of the Hoeffding adaptive tree regressor (compiled).

The adaptive tree's walk (:mod:`streamlearn.tree._hat_kernels`: detectors
at the split nodes, alternate leaves, switching, pruning, an alternate that
splits taking its node's place, dead nodes and compaction) over a
regression tree (:mod:`streamlearn.tree._regression_kernels`). A node's
detector sees the absolute error of the tree's prediction, scaled into
``[0, 1]`` by three standard deviations of the target
(``min(|y - y_hat| / (3 sd_y), 1)``), so the switch test's bound holds.
Alternates do not update the tree's feature and target moments (the row
is learned once by the main tree).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from streamlearn.tree import _regression_kernels as R
from streamlearn.tree._hat_kernels import (
    ADWIN_DELTA,
    N_PRUNED,
    N_REPLACED,
    N_SWITCHED,
    PRUNE,
    SWITCH,
    compare,
    give_det,
    has_room,
    kill,
    leaf_weight,
    new_alternate,
    observe,
    replace,
    route_step,
)
from streamlearn.tree._kernels import CHANGED, LEAF, route


@njit(cache=True)
def scaled_error(t, y: float, pred: float) -> float:  # type: ignore[no-untyped-def]
    """``|y - pred|`` in units of three standard deviations of the target, at most 1."""
    e = abs(y - pred)
    var = R.variance(t.ynorm)
    if var <= 0.0:
        return 0.0 if e == 0.0 else 1.0
    return min(e / (3.0 * math.sqrt(var)), 1.0)


@njit(cache=True)
def try_split(t, h, leaf: int, fp, ip) -> bool:  # type: ignore[no-untyped-def]
    """A split attempt at ``leaf`` (room was reserved); whether it split."""
    outcome, _, _ = R.attempt_split(t, leaf, fp, ip)
    t.last_eval[leaf] = t.target[leaf, R.W]
    if outcome != CHANGED:
        return False
    for b in range(t.n_children[leaf]):
        ch = t.child_start[leaf] + b
        h.alt[ch] = -1
        h.det[ch] = -1
    if h.det[leaf] >= 0:
        give_det(h, h.det[leaf])
        h.det[leaf] = -1
    return True


@njit(cache=True)
def learn_alternate(t, h, a: int, x, y: float, fp, ip, hp, norms: bool) -> bool:  # type: ignore[no-untyped-def]
    """Leaf ``a`` learns ``(x, y)``: its prediction's error feeds its detector, then
    it learns and may split; whether it split."""
    observe(h, a, scaled_error(t, y, R.predict_leaf(t, a, x, fp, ip)), hp[ADWIN_DELTA])
    R.learn_leaf(t, a, x, y, leaf_weight(t, hp), fp, norms)
    return R.wants_split(t, a, fp, ip) and try_split(t, h, a, fp, ip)


@njit(cache=True)
def learn(t, h, x, y: float, pred: float, fp, ip, hp) -> None:  # type: ignore[no-untyped-def]
    """Learn ``(x, y)``, where the tree predicted ``pred`` (see the classifier's ``learn``)."""
    err = scaled_error(t, y, pred)
    n = 0
    while t.kind[n] != LEAF:
        a = h.alt[n]
        if observe(h, n, err, hp[ADWIN_DELTA]):
            if a >= 0:
                kill(t, h, a, -1)
            a = new_alternate(t, h, n, R.take_slot(t, ip), t.target)
        else:
            verdict = compare(h, n, a, hp)
            if verdict == SWITCH:
                replace(t, h, n, a, t.target)
                h.hc[N_SWITCHED] += 1
                learn_alternate(t, h, n, x, y, fp, ip, hp, True)
                return
            if verdict == PRUNE:
                kill(t, h, a, -1)
                h.alt[n] = -1
                a = -1
                h.hc[N_PRUNED] += 1
        if a >= 0 and learn_alternate(t, h, a, x, y, fp, ip, hp, False):
            replace(t, h, n, a, t.target)
            h.hc[N_REPLACED] += 1
            return
        j = t.feature[n]
        n = route_step(t, n, x[j] if j < x.shape[0] else np.nan)
    R.learn_leaf(t, n, x, y, leaf_weight(t, hp), fp, True)
    if R.wants_split(t, n, fp, ip):
        try_split(t, h, n, fp, ip)


@njit(cache=True)
def run(t, h, X_pred, X_learn, y, out, predict: bool, same: bool, start: int, need, fp, ip, hp) -> int:  # type: ignore[no-untyped-def]
    """Learn rows ``start..`` (test-then-train when ``predict``). Returns
    ``len(X_learn)`` when done, else the row to resume at once the storage
    holds ``need`` (nodes, slots, detectors)."""
    n = X_learn.shape[0]
    for i in range(start, n):
        x = X_learn[i]
        if not has_room(t, h, x, need, True):
            return i
        if predict:
            out[i] = R.predict_leaf(t, route(t, X_pred[i]), X_pred[i], fp, ip)
        pred = out[i] if predict and same else R.predict_leaf(t, route(t, x), x, fp, ip)
        learn(t, h, x, y[i], pred, fp, ip, hp)
    return n
