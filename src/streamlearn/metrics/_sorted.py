"""A sorted multiset of floats with vectorised rank queries, for exact streaming ROC AUC.

Values are kept in a few sorted runs whose sizes shrink geometrically (a
log-structured merge): adding a batch sorts it and merges runs of similar
size, so each value is merged O(log n) times and a rank query costs one
binary search per run (O(log n) runs). Removal adds the values to a second
set of "removed" runs; counts are differences. When removed values reach
half of everything stored, both sides are compacted into one run.

>>> bag = SortedBag()
>>> bag.add(np.array([3.0, 1.0, 2.0, 2.0]))
>>> bag.remove(np.array([2.0]))
>>> bag.count_less(np.array([2.0, 5.0])).tolist(), bag.count_le(np.array([2.0])).tolist(), len(bag)
([1, 3], [2], 3)
"""

from __future__ import annotations

import numpy as np


class _Runs:
    """Sorted runs; the multiset is their union."""

    def __init__(self) -> None:
        self.runs: list[np.ndarray] = []
        self.size = 0

    def add(self, values: np.ndarray) -> None:
        runs = self.runs
        runs.append(np.sort(values))
        self.size += len(values)
        while len(runs) > 1 and len(runs[-2]) <= 4 * len(runs[-1]):
            b = runs.pop()
            a = runs.pop()
            runs.append(np.sort(np.concatenate([a, b]), kind="stable"))

    def rank(self, q: np.ndarray, side: str) -> np.ndarray:
        out = np.zeros(len(q), dtype=np.int64)
        for r in self.runs:
            out += np.searchsorted(r, q, side=side)  # type: ignore[call-overload]
        return out

    def merged(self) -> np.ndarray:
        if not self.runs:
            return np.empty(0)
        return np.sort(np.concatenate(self.runs), kind="stable")


class SortedBag:
    """A multiset of floats: ``add``, ``remove`` (of present values), rank counts."""

    def __init__(self) -> None:
        self._live = _Runs()
        self._dead = _Runs()

    def __len__(self) -> int:
        return self._live.size - self._dead.size

    def add(self, values: np.ndarray) -> None:
        if len(values):
            self._live.add(values)

    def remove(self, values: np.ndarray) -> None:
        """Remove values that are in the bag (each occurrence once)."""
        if not len(values):
            return
        self._dead.add(values)
        if 2 * self._dead.size >= self._live.size:
            self._compact()

    def _compact(self) -> None:
        live, dead = self._live.merged(), self._dead.merged()
        keep = np.empty(0)
        if len(live):
            u, counts = np.unique(live, return_counts=True)
            if len(dead):
                du, dcounts = np.unique(dead, return_counts=True)
                counts[np.searchsorted(u, du)] -= dcounts
            keep = np.repeat(u, counts)
        self._live, self._dead = _Runs(), _Runs()
        self._live.add(keep)

    def count_less(self, q: np.ndarray) -> np.ndarray:
        """For each query, how many values are ``< q``."""
        return self._live.rank(q, "left") - self._dead.rank(q, "left")

    def count_le(self, q: np.ndarray) -> np.ndarray:
        """For each query, how many values are ``<= q``."""
        return self._live.rank(q, "right") - self._dead.rank(q, "right")

    def values(self) -> np.ndarray:
        """All values, sorted."""
        self._compact()
        return self._live.merged()

    def clear(self) -> None:
        self._live, self._dead = _Runs(), _Runs()
