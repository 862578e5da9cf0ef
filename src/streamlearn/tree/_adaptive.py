"""Compiled helpers of the adaptive trees and the forests: Poisson weights and
ADWIN detectors kept in plain arrays.

A detector's state is that of :class:`streamlearn.drift.ADWIN` (a stats row
and the exponential histogram's bucket sums, squared deviations and
lengths); :func:`adwin_add` feeds it one value with that class's code
(``_insert``, ``_cut_found``, ``_drop_oldest``), so a tree can hold one
detector per node, or a forest one per member, in stacked arrays.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from streamlearn.drift._rng import uniform
from streamlearn.drift.adwin import N_ROWS, _cut_found, _drop_oldest, _insert

# ADWIN settings (MOA's and River's defaults; streamlearn.drift.ADWIN's too).
ADWIN_CLOCK = 32
ADWIN_MAX_BUCKETS = 5
ADWIN_MIN_LEN = 5.0
ADWIN_ROWS = N_ROWS
# fields of a detector's stats row
A_WIDTH, A_TOTAL, A_VAR, A_ROWS, A_TICK, N_ASTATS = range(6)


@njit(cache=True)
def poisson(lam: float, rng: np.ndarray) -> int:
    """A Poisson(``lam``) draw by inversion of its distribution function (one
    uniform per draw; ``lam <= 100`` so ``exp(-lam)`` does not underflow)."""
    u = uniform(rng)
    p = math.exp(-lam)
    cdf = p
    k = 0
    while u >= cdf and p > 0.0:
        k += 1
        p *= lam / k
        cdf += p
    return k


@njit(cache=True)
def adwin_add(x: float, st, sums, sqdev, lens, delta: float) -> bool:  # type: ignore[no-untyped-def]
    """Feed one value to an ADWIN; whether it detected a change (its window
    then dropped the old values)."""
    _insert(x, st, sums, sqdev, lens, ADWIN_MAX_BUCKETS)
    tick = st[A_TICK] + 1.0
    st[A_TICK] = tick
    change = False
    if np.int64(tick) % ADWIN_CLOCK == 0:
        while _cut_found(st, sums, lens, ADWIN_MIN_LEN, delta):
            change = True
            _drop_oldest(st, sums, sqdev, lens)
    return change


@njit(cache=True)
def adwin_reset(st, sums, sqdev, lens) -> None:  # type: ignore[no-untyped-def]
    st[:] = 0.0
    sums[:] = 0.0
    sqdev[:] = 0.0
    lens[:] = 0


@njit(cache=True)
def adwin_mean(st) -> float:  # type: ignore[no-untyped-def]
    """The window's mean (0 when empty)."""
    return st[A_TOTAL] / st[A_WIDTH] if st[A_WIDTH] > 0.0 else 0.0
