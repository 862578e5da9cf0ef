"""The compiled loop of the per-record readout (see :mod:`streamlearn.nn._readout`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _scores(
    S: np.ndarray, F: np.ndarray, i: int, W: np.ndarray, b: np.ndarray, k: int, z: np.ndarray
) -> None:
    m = F.shape[1]
    for c in range(k):
        acc = S[i, c] + b[c]
        for t in range(m):
            acc += W[c, t] * F[i, t]
        z[c] = acc


@njit(cache=True)
def _softmax(z: np.ndarray, k: int) -> bool:
    """``z[:k]`` becomes its softmax in place; False when a score is not finite."""
    top = -math.inf
    for c in range(k):
        if not math.isfinite(z[c]):
            return False
        top = max(top, z[c])
    total = 0.0
    for c in range(k):
        z[c] = math.exp(z[c] - top)
        total += z[c]
    for c in range(k):
        z[c] /= total
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
    rate: float,
    predict: bool,
    skip_first: bool,
    same: bool,
    P: np.ndarray,
) -> int:
    """Predict then learn each row in order; returns the updates skipped (non-finite).

    Row ``i`` is predicted from the body's scores ``Sp[i]`` plus the readout of
    its features ``Fp[i]`` (softmax over the classes seen before it, written to
    ``P[i]``), then the readout ``(W, b)`` takes one normalised-LMS step on the
    cross-entropy of ``Sl[i] + W Fl[i] + b`` against ``codes[i]``:
    ``W -= rate * (p - onehot) Fl[i]^T / (1 + |Fl[i]|^2)``. ``same``: the
    predicted and learned rows are the same arrays (one score computation).
    """
    n = codes.shape[0]
    m = W.shape[1]
    z = np.empty(W.shape[0])
    k = k0
    bad = 0
    for i in range(n):
        ok = False  # z holds this row's probabilities over its k classes
        if predict and not (skip_first and i == 0) and k > 0:
            _scores(Sp, Fp, i, W, b, k, z)
            ok = _softmax(z, k)
            for c in range(k):
                P[i, c] = z[c] if ok else 1.0 / k
        kk = max(k, codes[i] + 1)
        if kk < 2:
            k = kk
            continue  # one class so far: nothing to separate
        if not (same and ok and kk == k):
            _scores(Sl, Fl, i, W, b, kk, z)
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
        for c in range(kk):
            g = r * z[c]
            b[c] -= g
            for t in range(m):
                W[c, t] -= g * Fl[i, t]
    return bad
