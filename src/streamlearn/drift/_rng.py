"""A small random generator that lives in a state array, for compiled kernels.

Handing a ``numpy.random.Generator`` to a numba function costs several
microseconds per call, too much for ``update(value)``. The kernels use
SplitMix64 instead (Steele, Lea and Flood 2014; the seeding generator of
xoshiro): its whole state is one ``uint64``, kept in a 1-element array
(``rng_state_``) that saving and loading round-trip exactly.

>>> state = seed_state(42)
>>> a = [uniform(state) for _ in range(3)]
>>> state2 = seed_state(42)
>>> a == [uniform(state2) for _ in range(3)]
True
>>> all(0.0 <= u < 1.0 for u in a)
True
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def seed_state(seed: int | None) -> np.ndarray:
    """A fresh state from ``seed`` (``None``: from the operating system's entropy)."""
    return np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)


@njit(cache=True)
def next_u64(state):  # pragma: no cover - compiled
    """Advance the state; the next 64 random bits."""
    s = state[0] + _GOLDEN
    state[0] = s
    z = (s ^ (s >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True)
def uniform(state):  # pragma: no cover - compiled
    """A float64 uniform on ``[0, 1)`` (53 random bits)."""
    return float(next_u64(state) >> _S11) * (1.0 / 9007199254740992.0)
