"""Several readers feeding one model: the sources are read in turn, one batch each.

Delivery guarantee: that of the weakest part (all built-in sources:
exactly-once). The snapshot is the list of the parts' snapshots, so each
part resumes at its own position. Reading in a fixed turn order keeps a
run reproducible when every part has data ready (files); with live parts
the interleaving follows arrival.

>>> a = MemorySource([b"1", b"2", b"3"], name="a")
>>> b = MemorySource([b"x"], name="b")
>>> src = MultiSource([a, b])
>>> src.open(None)
>>> [src.next_batch(2, 0).payload(0) for _ in range(3)], src.next_batch(2, 0)
([b'1', b'x', b'3'], None)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from streamlearn.base.errors import InvalidParameterError
from streamlearn.streams.sources.base import GUARANTEES, MessageBatch, Source
from streamlearn.streams.sources.memory import MemorySource  # noqa: F401  (doctest)


class MultiSource(Source):
    """Round-robin over several sources; partitions are numbered part by part."""

    guarantee: ClassVar[str] = "exactly-once"

    def __init__(self, sources: Sequence[Source], name: str = "multi") -> None:
        if not sources:
            raise InvalidParameterError("A MultiSource needs at least one source.")
        self.sources = list(sources)
        self.name = name
        self._done = [False] * len(self.sources)
        self._turn = 0
        worst = max(GUARANTEES.index(s.guarantee) if s.guarantee in GUARANTEES else 3 for s in self.sources)
        self.guarantee = GUARANTEES[worst]  # type: ignore[misc]

    def open(self, resume: dict[str, Any] | None) -> None:
        parts = None if resume is None else resume["parts"]
        if parts is not None and len(parts) != len(self.sources):
            raise InvalidParameterError(
                f"The checkpoint has {len(parts)} sources but the pipeline reads {len(self.sources)}; use a "
                "fresh checkpoint directory after changing the sources."
            )
        for i, s in enumerate(self.sources):
            s.open(None if parts is None else parts[i])
        self._done = [False] * len(self.sources)
        self._turn = 0 if resume is None else int(resume.get("turn", 0))

    def next_batch(self, max_records: int, timeout_s: float) -> MessageBatch | None:
        k = len(self.sources)
        for step in range(k):
            i = (self._turn + step) % k
            if self._done[i]:
                continue
            batch = self.sources[i].next_batch(max_records, 0.0 if step < k - 1 else timeout_s)
            if batch is None:
                self._done[i] = True
                continue
            if len(batch):
                self._turn = (i + 1) % k
                batch.partitions = batch.partitions + i * 1_000_000
                return batch
        if all(self._done):
            return None
        return MessageBatch.empty(self.name)

    def snapshot(self) -> dict[str, Any]:
        return {"parts": [s.snapshot() for s in self.sources], "turn": self._turn}

    def commit(self, snapshot: dict[str, Any]) -> None:
        for s, snap in zip(self.sources, snapshot["parts"]):
            s.commit(snap)

    def lag(self) -> float | None:
        lags = [s.lag() for s in self.sources]
        known = [v for v in lags if v is not None]
        return sum(known) if known else None

    def shard(self, index: int, count: int) -> Source:
        return MultiSource([s.shard(index, count) for s in self.sources], name=f"{self.name}[{index}]")

    def close(self) -> None:
        for s in self.sources:
            s.close()
