"""A source over a list in memory, for tests and notebooks; it can inject a crash.

Delivery guarantee: **exactly-once** from checkpoints. The position is the
index of the next item; resuming from a snapshot replays every item after it.

Items are payloads (``bytes``/``str`` JSON, or ``dict`` records) or
:class:`~streamlearn.streams.sources.base.Message` objects. An item
:data:`MemorySource.ABORT` raises :class:`InjectedCrash` the first time a
batch would reach it (like bytewax's testing source): the pipeline dies
without a final checkpoint, as if the process had been killed; a pipeline
resumed from its last checkpoint with the same source object passes the
marker. Markers do not count as records, so batches are cut as without them.
With ``live=True`` the source does not end when the list is exhausted: it
waits for :meth:`MemorySource.push` until :meth:`MemorySource.end` is called.

>>> src = MemorySource([{"a": 1}, MemorySource.ABORT, {"a": 2}])
>>> src.open(None)
>>> [m.payload for m in src.next_batch(1, 0).to_messages()]
[{'a': 1}]
>>> snap = src.snapshot()
>>> try:
...     src.next_batch(10, 0)
... except InjectedCrash as e:
...     print(e)
injected crash at offset 1
>>> src.open(snap)  # restart from the checkpoint
>>> [m.offset for m in src.next_batch(10, 0).to_messages()], src.next_batch(10, 0)
([2], None)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any, ClassVar

from streamlearn.base.errors import InvalidParameterError
from streamlearn.streams.sources.base import Message, MessageBatch, Pacer, Payload, Source, register_source
from streamlearn.streams.sources.options import Opt, check_options, non_negative


class InjectedCrash(RuntimeError):
    """Raised by a test source at an ``ABORT`` marker: a simulated crash."""


class _Abort:
    def __repr__(self) -> str:
        return "MemorySource.ABORT"


class MemorySource(Source):
    """Messages from a list (payloads or :class:`Message` objects).

    Parameters
    ----------
    items
        The messages, in order; :data:`ABORT` entries inject a crash once.
    rate
        Replay rate in messages per second (0 or None: as fast as possible).
    live
        Keep waiting for :meth:`push` after the last item until :meth:`end`.
    name
        The source's name (logs, dead letters).
    partition
        The partition number given to the messages.
    """

    guarantee: ClassVar[str] = "exactly-once"
    ABORT: ClassVar[Any] = _Abort()

    def __init__(
        self,
        items: Iterable[Payload | Message | Any] = (),
        *,
        rate: float | None = None,
        live: bool = False,
        name: str = "memory",
        partition: int = 0,
    ) -> None:
        self.items: list[Any] = list(items)
        self.rate = rate
        self.live = live
        self.name = name
        self.partition = partition
        self.aborted: set[int] = set()
        self._pos = 0
        self._ended = not live
        self._cond = threading.Condition()
        self._pacer = Pacer(rate)

    def open(self, resume: dict[str, Any] | None) -> None:
        self._pos = 0 if resume is None else int(resume["offset"])
        if self._pos < 0:
            raise InvalidParameterError(f"A memory source cannot resume at offset {self._pos}.")
        self._pacer = Pacer(self.rate)

    def push(self, *items: Payload | Message) -> None:
        """Append messages (a live source delivers them on the next call)."""
        with self._cond:
            self.items.extend(items)
            self._cond.notify_all()

    def end(self) -> None:
        """No more messages will come: the source finishes once it has delivered all."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def next_batch(self, max_records: int, timeout_s: float) -> MessageBatch | None:
        with self._cond:
            if self._pos >= len(self.items):
                if self._ended:
                    return None
                deadline = time.monotonic() + timeout_s
                self._cond.wait_for(
                    lambda: self._pos < len(self.items) or self._ended, max(0.0, deadline - time.monotonic())
                )
                if self._pos >= len(self.items):
                    return None if self._ended else MessageBatch.empty(self.name)
            want = min(max_records, len(self.items) - self._pos)
        allowed = self._pacer.allow(want, timeout_s)
        with self._cond:
            messages: list[Message] = []
            i = self._pos
            while i < len(self.items) and len(messages) < allowed:
                item = self.items[i]
                if item is MemorySource.ABORT:
                    if i not in self.aborted:
                        self.aborted.add(i)
                        raise InjectedCrash(f"injected crash at offset {i}")
                elif isinstance(item, Message):
                    messages.append(Message(item.payload, item.key, item.partition, i, item.timestamp))
                else:
                    messages.append(Message(item, None, self.partition, i))
                i += 1
            self._pos = i
            self._pacer.sent_n(len(messages))
        return MessageBatch.from_messages(messages, self.name)

    def snapshot(self) -> dict[str, Any]:
        return {"offset": self._pos}

    def lag(self) -> float | None:
        return float(len(self.items) - self._pos)

    def shard(self, index: int, count: int) -> Source:
        return MemorySource(
            self.items[index::count],
            rate=self.rate,
            live=False,
            name=f"{self.name}[{index}/{count}]",
            partition=index,
        )


@register_source("memory")
def _memory_source(options: dict[str, Any], base_dir: Any = None, where: str = "source") -> Source:
    o = check_options(
        where,
        options,
        {
            "items": Opt(list, []),
            "rate": Opt((int, float), 0, non_negative, "a number of records per second >= 0"),
            "name": Opt(str, "memory"),
        },
    )
    return MemorySource(o["items"], rate=o["rate"], name=o["name"])
