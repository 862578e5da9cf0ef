"""The compiled loop of the per-record readout (see :mod:`streamlearn.nn._readout`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_EPS = 1e-8  # AdaGrad's guard against dividing by zero


@njit(cache=True)
def _scores(
    S: np.ndarray,
    F: np.ndarray,
    i: int,
    W: np.ndarray,
    b: np.ndarray,
    V: np.ndarray,
    c: np.ndarray,
    k: int,
    z: np.ndarray,
) -> None:
    """``z[:k]`` = the module's scores of row ``i`` plus both readout parts' scores."""
    m = F.shape[1]
    for j in range(k):
        acc = S[i, j] + b[j] + c[j]
        for t in range(m):
            acc += (W[j, t] + V[j, t]) * F[i, t]
        z[j] = acc


@njit(cache=True)
def _softmax(z: np.ndarray, k: int) -> bool:
    """``z[:k]`` becomes its softmax in place; False when a score is not finite."""
    top = -math.inf
    for j in range(k):
        if not math.isfinite(z[j]):
            return False
        top = max(top, z[j])
    total = 0.0
    for j in range(k):
        z[j] = math.exp(z[j] - top)
        total += z[j]
    for j in range(k):
        z[j] /= total
    return True


@njit(cache=True)
def readout_run(
    Sp: np.ndarray,
    Fp: np.ndarray,
    Sl: np.ndarray,
    Fl: np.ndarray,
    codes: np.ndarray,
    k0: int,
    W: np.ndarray,
    b: np.ndarray,
    V: np.ndarray,
    c: np.ndarray,
    GV: np.ndarray,
    Gc: np.ndarray,
    rate: float,
    slow_rate: float,
    predict: bool,
    skip_first: bool,
    same: bool,
    P: np.ndarray,
) -> int:
    """Predict then learn each row in order; returns the updates skipped (non-finite).

    Row ``i`` is predicted from the module's scores ``Sp[i]`` plus the readout
    of its features ``Fp[i]`` (softmax over the classes seen before it, written
    to ``P[i]``); then, with ``g = p - onehot(codes[i])`` the gradient of the
    cross-entropy of ``Sl[i] + (W + V) Fl[i] + b + c``, the tracking part takes
    a normalised-LMS step ``W -= rate g Fl[i]^T / (1 + |Fl[i]|^2)`` and the
    slow part an AdaGrad step ``V -= slow_rate G / sqrt(GV)`` (``G = g Fl[i]^T``,
    ``GV`` its running sum of squares). ``same``: the predicted and learned
    rows are the same arrays (one score computation).
    """
    n = codes.shape[0]
    m = W.shape[1]
    z = np.empty(W.shape[0])
    k = k0
    bad = 0
    for i in range(n):
        ok = False  # z holds this row's probabilities over its k classes
        if predict and not (skip_first and i == 0) and k > 0:
            _scores(Sp, Fp, i, W, b, V, c, k, z)
            ok = _softmax(z, k)
            for j in range(k):
                P[i, j] = z[j] if ok else 1.0 / k
        kk = max(k, codes[i] + 1)
        if kk < 2:
            k = kk
            continue  # one class so far: nothing to separate
        if not (same and ok and kk == k):
            _scores(Sl, Fl, i, W, b, V, c, kk, z)
            ok = _softmax(z, kk)
        k = kk
        norm = 1.0
        for t in range(m):
            norm += Fl[i, t] * Fl[i, t]
        if not ok or not math.isfinite(norm):
            bad += 1
            continue
        z[codes[i]] -= 1.0
        r = rate / norm
        for j in range(kk):
            g = z[j]
            b[j] -= r * g
            Gc[j] += g * g
            c[j] -= slow_rate * g / (math.sqrt(Gc[j]) + _EPS)
            for t in range(m):
                gt = g * Fl[i, t]
                W[j, t] -= r * gt
                if gt != 0.0:
                    GV[j, t] += gt * gt
                    V[j, t] -= slow_rate * gt / (math.sqrt(GV[j, t]) + _EPS)
    return bad
