"""Compiled helpers shared by the linear learners' per-row loops.

Weights are a ``(k, d)`` matrix ``W`` with intercepts ``b`` (``k = 1`` for
regression and binary classification). A NaN feature is missing: it adds
nothing to a score (as an absent key in River's dicts) and its weight is not
updated.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from streamlearn.optim import kernels as opt


@njit(cache=True)
def dot(W: np.ndarray, k: int, x: np.ndarray, b: float) -> float:
    """``W[k] . x + b`` over the present (non-NaN) features, summed left to right."""
    s = 0.0
    for j in range(x.shape[0]):
        v = x[j]
        if v == v:
            s += W[k, j] * v
    return s + b


@njit(cache=True)
def sq_norm(x: np.ndarray) -> float:
    """``||x||^2`` over the present features."""
    s = 0.0
    for j in range(x.shape[0]):
        v = x[j]
        if v == v:
            s += v * v
    return s


@njit(cache=True)
def sigmoid(f: float) -> float:
    """The logistic function, computed without overflow."""
    if f >= 0.0:
        return 1.0 / (1.0 + math.exp(-f))
    e = math.exp(f)
    return e / (1.0 + e)


@njit(cache=True)
def clip(g: float, c: float) -> float:
    if g > c:
        return c
    if g < -c:
        return -c
    return g


@njit(cache=True)
def softmax_scores(W: np.ndarray, b: np.ndarray, x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Softmax of the scores of rows ``0..n-1`` into ``out[:n]``."""
    m = -np.inf
    for k in range(n):
        s = dot(W, k, x, b[k])
        out[k] = s
        if s > m:
            m = s
    total = 0.0
    for k in range(n):
        e = math.exp(out[k] - m)
        out[k] = e
        total += e
    for k in range(n):
        out[k] /= total


@njit(cache=True)
def binary_proba_row(
    W: np.ndarray, b: np.ndarray, x: np.ndarray, n_seen: int, buf: np.ndarray, out: np.ndarray
) -> None:
    """Class probabilities of a model that is binary (``n_seen <= 2``: sigmoid of row 0)
    or multiclass (softmax of rows ``0..n_seen-1``), written into ``out[:n_seen]``."""
    if n_seen == 1:
        out[0] = 1.0
    elif n_seen == 2:
        p = sigmoid(dot(W, 0, x, b[0]))
        out[0] = 1.0 - p
        out[1] = p
    elif n_seen > 2:
        softmax_scores(W, b, x, n_seen, buf)
        for k in range(n_seen):
            out[k] = buf[k]


@njit(cache=True)
def binary_proba(X: np.ndarray, W: np.ndarray, b: np.ndarray, n_seen: int) -> np.ndarray:
    """:func:`binary_proba_row` of every row of ``X``: an ``(n, n_seen)`` array."""
    out = np.zeros((X.shape[0], n_seen))
    buf = np.empty(max(n_seen, 1))
    for i in range(X.shape[0]):
        binary_proba_row(W, b, X[i], n_seen, buf, out[i])
    return out


@njit(cache=True)
def first_scores(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``W[0] . x + b[0]`` for every row ``x`` of ``X`` (the regressors' predictions)."""
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = dot(W, 0, X[i], b[0])
    return out


@njit(cache=True)
def split_binary(
    W: np.ndarray, b: np.ndarray, S: np.ndarray, kind: int, hp: np.ndarray, factor: float
) -> None:
    """Turn the binary model in row 0 (score ``f`` of class 1) into rows 0 and 1.

    Row 1 gets ``factor * w`` and row 0 gets ``-factor * w`` (intercepts
    likewise): with ``factor = 0.5`` softmax over the two rows equals the
    sigmoid of ``f``; with ``factor = 1`` normalised one-vs-rest sigmoids do.
    Optimiser state follows the reparametrisation: Adam's moments are the
    gradient history of row 1, negated for ``m`` of row 0 (whose gradients
    are the negated ones), ``v`` copied; FTRL keeps ``n`` in both rows and
    sets ``z`` so that its closed form gives the new weights exactly.
    """
    b[1] = factor * b[0]
    b[0] = -b[1]
    for j in range(W.shape[1]):
        w1 = factor * W[0, j]
        W[1, j] = w1
        W[0, j] = -w1
        if kind == opt.ADAM:
            S[0, 1, j] = S[0, 0, j]
            S[1, 1, j] = S[1, 0, j]
            S[0, 0, j] = -S[0, 0, j]
        elif kind == opt.FTRL:
            z = S[0, 0, j]
            l1 = hp[2]
            if abs(z) > l1:
                sign = 1.0 if z > 0.0 else -1.0
                z1 = factor * (z - sign * l1) + sign * l1
            else:
                z1 = factor * z
            S[0, 1, j] = z1
            S[0, 0, j] = -z1
            S[1, 1, j] = S[1, 0, j]
