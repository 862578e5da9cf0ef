"""Compiled helpers of the torch learners (running statistics of targets and series)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _std(n: float, m2: float) -> float:
    if n < 2.0 or m2 <= 0.0:
        return 1.0
    s = math.sqrt(m2 / n)
    return s if s > 1e-12 else 1.0


@njit(cache=True)
def prefix_stats(
    Y: np.ndarray, n: np.ndarray, mean: np.ndarray, m2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Welford's running mean and (population) standard deviation per column.

    Returns ``(means, stds)`` of shape ``(len(Y) + 1, k)``: row ``i`` holds the
    statistics before row ``i`` was counted, the last row those after all of
    ``Y``. NaN values are not counted. The state ``(n, mean, m2)`` is updated
    in place. Before two values were counted the standard deviation is 1 (so
    standardising leaves values as they are).
    """
    rows, k = Y.shape
    means = np.empty((rows + 1, k))
    stds = np.empty((rows + 1, k))
    for i in range(rows):
        for j in range(k):
            means[i, j] = mean[j]
            stds[i, j] = _std(n[j], m2[j])
            v = Y[i, j]
            if v == v:
                n[j] += 1.0
                d = v - mean[j]
                mean[j] += d / n[j]
                m2[j] += d * (v - mean[j])
    for j in range(k):
        means[rows, j] = mean[j]
        stds[rows, j] = _std(n[j], m2[j])
    return means, stds
