"""Compiled optimiser updates shared by the linear learners.

Every optimiser updates one weight ``W[k, j]`` of a weight matrix in place,
given its gradient ``g``, with per-weight state in ``S[slot, k, j]``
(Adam: ``m``, ``v``; FTRL-Proximal: ``z``, ``n``; SGD has none). A learner's
per-row loop calls :func:`step_row`, which applies one optimiser step to the
present (non-NaN) features of a row; missing features get no update, as an
absent key in River's dict-based models.

Hyper-parameters travel as a float64 vector ``hp`` whose meaning depends on
the optimiser ``kind``:

========  ==============================
kind      hp
========  ==============================
SGD (0)   ``[lr, 0, 0, 0]``
ADAM (1)  ``[lr, beta1, beta2, eps]``
FTRL (2)  ``[alpha, beta, l1, l2]``
========  ==============================

For SGD and Adam the learner's penalties are applied here: ``l2`` adds
``l2 * w`` to the gradient (as River) and ``l1`` is a proximal
(soft-thresholding) step ``w <- sign(w) * max(|w| - lr * l1, 0)`` after the
update (truncated gradient, Langford et al. 2009). FTRL-Proximal has its own
``l1``/``l2`` inside its closed-form weight (McMahan et al. 2013).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SGD = 0
ADAM = 1
FTRL = 2


@njit(cache=True)
def row_scale(kind: int, hp: np.ndarray, t: int) -> float:
    """The step size of step ``t`` (1-based): Adam's bias-corrected rate, else ``hp[0]``."""
    if kind == ADAM:
        tf = float(t)  # a float power (libm pow), as Python's ``b ** float(t)``
        return hp[0] * math.sqrt(1.0 - hp[2] ** tf) / (1.0 - hp[1] ** tf)
    return hp[0]


# -- one weight: pure scalar updates (inlined into the loops) -------------------------
@njit(cache=True, inline="always")
def adam_update(
    w: float, m: float, v: float, g: float, scale: float, b1: float, b2: float, eps: float
) -> tuple[float, float, float]:
    """Adam: new ``(w, m, v)``; ``scale`` is the bias-corrected step of this step."""
    m = b1 * m + (1.0 - b1) * g
    v = b2 * v + (1.0 - b2) * g * g
    return w - scale * m / (math.sqrt(v) + eps), m, v


@njit(cache=True, inline="always")
def ftrl_weight(z: float, n: float, alpha: float, beta: float, l1: float, l2: float) -> float:
    """FTRL-Proximal's closed-form weight from its ``z`` and ``n`` (0 where ``|z| <= l1``)."""
    if abs(z) <= l1:
        return 0.0
    sign = 1.0 if z > 0.0 else -1.0
    return -(z - sign * l1) / ((beta + math.sqrt(n)) / alpha + l2)


@njit(cache=True, inline="always")
def ftrl_update(
    w: float, z: float, n: float, g: float, alpha: float, beta: float, l1: float, l2: float
) -> tuple[float, float, float]:
    """FTRL-Proximal: new ``(w, z, n)``, the weight recomputed from the updated ``z`` and ``n``."""
    n_new = n + g * g
    sigma = (math.sqrt(n_new) - math.sqrt(n)) / alpha
    z = z + g - sigma * w
    return ftrl_weight(z, n_new, alpha, beta, l1, l2), z, n_new


@njit(cache=True, inline="always")
def soft_threshold(w: float, thr: float) -> float:
    """``sign(w) * max(|w| - thr, 0)``."""
    if w > thr:
        return w - thr
    if w < -thr:
        return w + thr
    return 0.0


@njit(cache=True, inline="always")
def l2_grad(g: float, w: float, l2: float) -> float:
    """The gradient ``g`` of a weight ``w`` plus its L2 term ``l2 * w`` (SGD/Adam)."""
    if l2 != 0.0:
        g += l2 * w
    return g


@njit(cache=True, inline="always")
def l1_prox(w: float, l1: float, thr: float) -> float:
    """The proximal L1 step of SGD/Adam: ``soft_threshold(w, thr)`` when ``l1`` is on, else ``w``."""
    if l1 != 0.0:
        return soft_threshold(w, thr)
    return w


# -- rows and whole arrays -------------------------------------------------------------
@njit(cache=True)
def step_row(
    kind: int,
    hp: np.ndarray,
    scale: float,
    l1: float,
    l2: float,
    W: np.ndarray,
    S: np.ndarray,
    k: int,
    x: np.ndarray,
    lg: float,
) -> None:
    """Update row ``k`` of ``W`` for one record ``x`` whose loss gradient w.r.t. the raw score is ``lg``.

    The gradient of weight ``j`` is ``lg * x[j]`` (plus ``l2 * W[k, j]`` for
    SGD/Adam); NaN features are skipped. With ``l1 > 0`` SGD/Adam weights get
    a proximal step of size ``hp[0] * l1``. (One loop per optimiser, with the
    hyper-parameters in locals: a dispatch inside the loop costs several
    times the update itself.)
    """
    d = x.shape[0]
    w = W[k]
    lr = hp[0]
    thr = lr * l1
    if kind == SGD:
        for j in range(d):
            v = x[j]
            if v == v:
                w[j] = l1_prox(w[j] - lr * l2_grad(lg * v, w[j], l2), l1, thr)
    elif kind == ADAM:
        b1, b2, eps = hp[1], hp[2], hp[3]
        M = S[0, k]
        V = S[1, k]
        for j in range(d):
            v = x[j]
            if v == v:
                wj, M[j], V[j] = adam_update(w[j], M[j], V[j], l2_grad(lg * v, w[j], l2), scale, b1, b2, eps)
                w[j] = l1_prox(wj, l1, thr)
    else:
        beta, f1, f2 = hp[1], hp[2], hp[3]
        Z = S[0, k]
        N = S[1, k]
        for j in range(d):
            v = x[j]
            if v == v:
                w[j], Z[j], N[j] = ftrl_update(w[j], Z[j], N[j], lg * v, lr, beta, f1, f2)


@njit(cache=True)
def step_vector(kind: int, hp: np.ndarray, W: np.ndarray, G: np.ndarray, S: np.ndarray, t: int) -> int:
    """One optimiser step over every weight of ``W`` (shape ``(k, d)``) with gradients ``G``.

    Returns the new step counter ``t + 1``. NaN gradients are skipped.
    """
    t += 1
    scale = row_scale(kind, hp, t)
    for k in range(W.shape[0]):
        for j in range(W.shape[1]):
            g = G[k, j]
            if g != g:
                continue
            if kind == SGD:
                W[k, j] -= hp[0] * g
            elif kind == ADAM:
                W[k, j], S[0, k, j], S[1, k, j] = adam_update(
                    W[k, j], S[0, k, j], S[1, k, j], g, scale, hp[1], hp[2], hp[3]
                )
            else:
                W[k, j], S[0, k, j], S[1, k, j] = ftrl_update(
                    W[k, j], S[0, k, j], S[1, k, j], g, hp[0], hp[1], hp[2], hp[3]
                )
    return t
