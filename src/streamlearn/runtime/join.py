"""Joining late labels to their features: a bounded store with a time-to-live.

When a record is predicted before its label is known, its feature row and
its prediction wait in a :class:`LabelJoin` under the record's key. When the
label arrives (on the same stream or another), the row is taken out,
learned, and the prediction - made before the label existed - is scored.

Bounds and expiry, all counted:

* ``max_pending`` rows at most; adding one more evicts the oldest
  (``evicted``).
* ``ttl_seconds``: rows older than that (by event time when the schema has
  a timestamp field, else by arrival time) are dropped (``expired``);
  expiry runs once per batch, oldest first, in arrival order.
* a second record with a pending key replaces the first (``replaced``).
* a label whose features have not arrived waits too (``max_labels``, same
  time-to-live); when it expires or is evicted it counts in
  ``orphan_labels``.

The whole store is part of the checkpoint (:meth:`LabelJoin.state`).

>>> import numpy as np
>>> j = LabelJoin(max_pending=2, ttl_seconds=10.0)
>>> j.add(["a", "b", "c"], np.eye(3), np.zeros((3, 1)), np.array([0.0, 1.0, 2.0]))
>>> j.evicted, sorted(j.index)
(1, ['b', 'c'])
>>> X, P, t, found = j.pop(["c", "zz"])
>>> X.tolist(), found.tolist()
([[0.0, 0.0, 1.0]], [True, False])
>>> j.expire(now=20.0), len(j)
(1, 0)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from streamlearn.base.errors import InvalidParameterError


class LabelJoin:
    """Pending predicted rows by key, and labels that came before their features.

    Parameters
    ----------
    max_pending
        The most rows waiting for a label.
    ttl_seconds
        How long a row (or an early label) may wait; None: until evicted.
    max_labels
        The most labels waiting for their features.
    """

    def __init__(
        self, max_pending: int = 100_000, ttl_seconds: float | None = None, max_labels: int = 100_000
    ):
        for name, v in (("max_pending", max_pending), ("max_labels", max_labels)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidParameterError(f"join.{name} must be an int >= 1. Got {v!r}.")
        if ttl_seconds is not None and (isinstance(ttl_seconds, bool) or not ttl_seconds > 0):
            raise InvalidParameterError(
                f"join.ttl_seconds must be a number > 0 or null. Got {ttl_seconds!r}."
            )
        self.max_pending = max_pending
        self.ttl_seconds = None if ttl_seconds is None else float(ttl_seconds)
        self.max_labels = max_labels
        self.index: dict[Hashable, int] = {}
        self.X = np.empty((0, 0))
        self.P = np.empty((0, 0))
        self.times = np.empty(0)
        self.free: list[int] = []
        self.labels: dict[Hashable, tuple[Any, float]] = {}
        self.evicted = self.expired = self.replaced = self.orphan_labels = 0

    def __len__(self) -> int:
        return len(self.index)

    # -- storage --------------------------------------------------------------------------
    def _reserve(self, rows: int, width: int, k: int) -> None:
        cap, w0 = self.X.shape
        k0 = self.P.shape[1]
        need = len(self.index) + rows
        if need <= cap and width <= w0 and k <= k0:
            return
        new_cap = max(cap, min(max(need, 2 * cap, 1024), self.max_pending))
        new_cap = max(new_cap, need)
        X = np.full((new_cap, max(width, w0)), np.nan)
        P = np.zeros((new_cap, max(k, k0)))
        t = np.zeros(new_cap)
        X[:cap, :w0] = self.X
        P[:cap, :k0] = self.P
        t[:cap] = self.times
        self.free.extend(range(new_cap - 1, cap - 1, -1))
        self.X, self.P, self.times = X, P, t

    def add(self, keys: Sequence[Hashable], X: np.ndarray, P: np.ndarray, times: np.ndarray) -> None:
        """Keep rows ``X`` with their predictions ``P`` (2-D) until their labels come."""
        n = len(keys)
        if n == 0:
            return
        self._reserve(min(n, self.max_pending), X.shape[1], P.shape[1])
        slots = np.empty(n, dtype=np.int64)
        index, free = self.index, self.free
        for i, key in enumerate(keys):
            slot = index.pop(key, None)
            if slot is not None:
                self.replaced += 1
            else:
                if len(index) >= self.max_pending:
                    oldest = next(iter(index))
                    free.append(index.pop(oldest))
                    self.evicted += 1
                slot = free.pop()
            index[key] = slot
            slots[i] = slot
        self.X[slots, : X.shape[1]] = X
        self.X[slots, X.shape[1] :] = np.nan
        self.P[slots, : P.shape[1]] = P
        self.P[slots, P.shape[1] :] = 0.0
        self.times[slots] = times

    def pop(self, keys: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The rows of the keys that are pending (removed): ``(X, P, times, found mask)``."""
        index = self.index
        slots = []
        found = np.zeros(len(keys), dtype=bool)
        for i, key in enumerate(keys):
            slot = index.pop(key, None)
            if slot is not None:
                slots.append(slot)
                found[i] = True
        s = np.array(slots, dtype=np.int64)
        out = self.X[s], self.P[s], self.times[s], found
        self.free.extend(slots)
        return out

    def __contains__(self, key: Hashable) -> bool:
        return key in self.index

    # -- early labels ------------------------------------------------------------------------
    def add_label(self, key: Hashable, label: Any, time: float) -> None:
        """Keep a label whose features have not arrived yet."""
        if key in self.labels:
            del self.labels[key]
            self.orphan_labels += 1
        elif len(self.labels) >= self.max_labels:
            del self.labels[next(iter(self.labels))]
            self.orphan_labels += 1
        self.labels[key] = (label, time)

    def pop_label(self, key: Hashable) -> tuple[Any, float] | None:
        return self.labels.pop(key, None)

    # -- expiry ------------------------------------------------------------------------------
    def expire(self, now: float) -> int:
        """Drop rows and early labels older than the time-to-live; returns the rows dropped."""
        if self.ttl_seconds is None:
            return 0
        cutoff = now - self.ttl_seconds
        old = []
        for key, slot in self.index.items():
            if self.times[slot] >= cutoff:
                break
            old.append(key)
        for key in old:
            self.free.append(self.index.pop(key))
        self.expired += len(old)
        late = []
        for key, (_, t) in self.labels.items():
            if t >= cutoff:
                break
            late.append(key)
        for key in late:
            del self.labels[key]
        self.orphan_labels += len(late)
        return len(old)

    # -- checkpoint state ----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        keys = list(self.index)
        slots = np.array([self.index[k] for k in keys], dtype=np.int64)
        return {
            "keys": keys,
            "X": self.X[slots] if len(slots) else np.empty((0, self.X.shape[1])),
            "P": self.P[slots] if len(slots) else np.empty((0, self.P.shape[1])),
            "times": self.times[slots] if len(slots) else np.empty(0),
            "label_keys": list(self.labels),
            "label_values": [v for v, _ in self.labels.values()],
            "label_times": [t for _, t in self.labels.values()],
            "counts": [self.evicted, self.expired, self.replaced, self.orphan_labels],
        }

    def set_state(self, state: dict[str, Any]) -> None:
        self.index = {}
        self.X = np.empty((0, 0))
        self.P = np.empty((0, 0))
        self.times = np.empty(0)
        self.free = []
        keys = [_key(k) for k in state["keys"]]
        if keys:
            self.add(keys, np.asarray(state["X"]), np.asarray(state["P"]), np.asarray(state["times"]))
        self.labels = {
            _key(k): (v, float(t))
            for k, v, t in zip(state["label_keys"], state["label_values"], state["label_times"])
        }
        self.evicted, self.expired, self.replaced, self.orphan_labels = (int(c) for c in state["counts"])


def _key(k: Any) -> Hashable:
    return tuple(_key(e) for e in k) if isinstance(k, list) else k  # type: ignore[no-any-return]
