"""Attribute observers of a leaf and their split candidates (compiled).

Numeric columns: per (slot, feature, class) a Gaussian estimator (weight,
mean, sum of squared deviations, by Welford's update) and the range seen,
as MOA's ``GaussianNumericAttributeClassObserver``. Split candidates are
``n_candidates`` thresholds evenly spaced strictly inside the range seen
(over all classes); the class weights left (``x <= t``) and right of a
threshold are estimated from each class's Gaussian: all of a class whose
values all lie right or left, else ``w * Phi((t - mean) / sd)`` left.

Nominal columns: per (slot, category, class) counts. Candidates: one
multiway split (a branch per category code up to the highest seen at the
leaf), unless binary splits are asked for, and one binary split ``x == v``
vs the rest per category ``v``; the best candidate of an attribute wins
(strictly better, in that order), as in MOA.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from streamlearn.tree._criteria import merit
from streamlearn.tree._nodes import M2, MAX, MEAN, MIN, WEIGHT

_LOG_2PI = math.log(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)


# -- Gaussian estimator ----------------------------------------------------------------
@njit(cache=True)
def gauss_update(ns: np.ndarray, s: int, j: int, c: int, v: float, wt: float = 1.0) -> None:
    """Add value ``v`` with weight ``wt`` to the estimator ``ns[s, j, c]`` (West's
    weighted form of Welford's update, as MOA's ``GaussianEstimator``)."""
    w = ns[s, j, c, WEIGHT]
    if w > 0.0:
        w += wt
        last = ns[s, j, c, MEAN]
        mean = last + wt * (v - last) / w
        ns[s, j, c, WEIGHT] = w
        ns[s, j, c, MEAN] = mean
        ns[s, j, c, M2] += wt * (v - last) * (v - mean)
        if v < ns[s, j, c, MIN]:
            ns[s, j, c, MIN] = v
        if v > ns[s, j, c, MAX]:
            ns[s, j, c, MAX] = v
    else:
        ns[s, j, c, WEIGHT] = wt
        ns[s, j, c, MEAN] = v
        ns[s, j, c, M2] = 0.0
        ns[s, j, c, MIN] = v
        ns[s, j, c, MAX] = v


@njit(cache=True)
def gauss_var(w: float, m2: float) -> float:
    """Unbiased variance ``m2 / (w - 1)`` (0 for one observation or fewer)."""
    return m2 / (w - 1.0) if w > 1.0 else 0.0


@njit(cache=True)
def gauss_log_density(w: float, mean: float, m2: float, v: float) -> float:
    """Log of the Gaussian density at ``v``; a zero-variance estimator is a point
    mass (log 1 at its mean, ``-inf`` elsewhere); an empty one gives ``-inf``."""
    if w <= 0.0:
        return -np.inf
    var = gauss_var(w, m2)
    if var > 0.0:
        d = v - mean
        return -0.5 * d * d / var - 0.5 * (_LOG_2PI + math.log(var))
    return 0.0 if v == mean else -np.inf


@njit(cache=True)
def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / _SQRT2))


@njit(cache=True)
def numeric_post(ns: np.ndarray, s: int, j: int, t: float, post: np.ndarray) -> None:
    """Estimated class weights left (``x <= t``, row 0) and right (row 1) of ``t``."""
    k = ns.shape[2]
    for c in range(k):
        post[0, c] = 0.0
        post[1, c] = 0.0
        w = ns[s, j, c, WEIGHT]
        if w <= 0.0:
            continue
        if t < ns[s, j, c, MIN]:
            post[1, c] = w
        elif t >= ns[s, j, c, MAX]:
            post[0, c] = w
        else:
            mean = ns[s, j, c, MEAN]
            sd = math.sqrt(gauss_var(w, ns[s, j, c, M2]))
            equal = math.exp(gauss_log_density(w, mean, ns[s, j, c, M2], t)) * w
            if sd > 0.0:
                less = normal_cdf((t - mean) / sd) * w - equal
            else:
                less = w - equal if t < mean else 0.0
            greater = w - equal - less
            if greater < 0.0:
                greater = 0.0
            post[0, c] = less + equal
            post[1, c] = greater


@njit(cache=True)
def numeric_range(ns: np.ndarray, s: int, j: int) -> tuple[float, float]:
    """Smallest and largest value seen at the slot (``(inf, -inf)`` when none)."""
    lo, hi = np.inf, -np.inf
    for c in range(ns.shape[2]):
        if ns[s, j, c, WEIGHT] > 0.0:
            if ns[s, j, c, MIN] < lo:
                lo = ns[s, j, c, MIN]
            if ns[s, j, c, MAX] > hi:
                hi = ns[s, j, c, MAX]
    return lo, hi


@njit(cache=True)
def best_numeric_split(
    ns: np.ndarray,
    s: int,
    j: int,
    pre: np.ndarray,
    criterion: int,
    min_frac: float,
    n_candidates: int,
    post: np.ndarray,
) -> tuple[bool, float, float]:
    """``(found, merit, threshold)`` of the best of the evenly spaced thresholds."""
    lo, hi = numeric_range(ns, s, j)
    found = False
    best, best_t = -np.inf, 0.0
    if not lo < hi:
        return found, best, best_t
    width = hi - lo
    prev = lo
    for i in range(n_candidates):
        t = width / (n_candidates + 1.0) * (i + 1) + lo
        if not (lo < t < hi) or (found and t <= prev):
            continue
        prev = t
        numeric_post(ns, s, j, t, post)
        m = merit(pre, post, 2, criterion, min_frac)
        if not found or m > best:
            found, best, best_t = True, m, t
    return found, best, best_t


# -- nominal counts -----------------------------------------------------------------
@njit(cache=True)
def highest_code(cc: np.ndarray, s: int, off: int, width: int) -> int:
    """The highest category code with weight at the slot (-1 when none)."""
    for v in range(width - 1, -1, -1):
        for c in range(cc.shape[2]):
            if cc[s, off + v, c] > 0.0:
                return v
    return -1


@njit(cache=True)
def nominal_binary_post(
    cc: np.ndarray, ns: np.ndarray, s: int, j: int, off: int, v: int, post: np.ndarray
) -> None:
    """Class weights of ``x == v`` (row 0) and of the other categories (row 1)."""
    for c in range(cc.shape[2]):
        eq = cc[s, off + v, c]
        post[0, c] = eq
        post[1, c] = ns[s, j, c, WEIGHT] - eq


@njit(cache=True)
def best_nominal_split(
    cc: np.ndarray,
    ns: np.ndarray,
    s: int,
    j: int,
    off: int,
    width: int,
    pre: np.ndarray,
    criterion: int,
    min_frac: float,
    binary_only: bool,
    post: np.ndarray,
) -> tuple[bool, float, int]:
    """``(found, merit, code)``: code -1 is the multiway split, else ``x == code``."""
    top = highest_code(cc, s, off, width)
    found, best, best_v = False, -np.inf, -1
    if top < 0:
        return found, best, best_v
    if not binary_only:
        best = merit(pre, cc[s, off : off + top + 1], top + 1, criterion, min_frac)
        found = True
    for v in range(top + 1):
        nominal_binary_post(cc, ns, s, j, off, v, post)
        m = merit(pre, post, 2, criterion, min_frac)
        if not found or m > best:
            found, best, best_v = True, m, v
    return found, best, best_v
