"""The live-source contract: messages, message batches, sources, backpressure.

A :class:`Source` hands the runtime batches of messages and can say where
it stands, so a crashed pipeline resumes exactly where its last checkpoint
was taken (the partitioned-source model of bytewax, adapted to batches)::

    source.open(resume)                 # resume: a snapshot() from a checkpoint, or None
    while ...:
        batch = source.next_batch(max_records, timeout_s)   # None: the source is finished
        ...                                                 # (an empty batch: nothing came in time)
        snap = source.snapshot()        # JSON-able position after the last message returned
        <checkpoint holding snap is written and durable>
        source.commit(snap)             # e.g. Kafka commits its offsets here
    source.close()

A :class:`MessageBatch` is columnar: per-message ``offsets``, ``partitions``,
optional ``keys`` and ``timestamps``, and the payloads in one of three
forms, whichever is cheapest for the source:

* ``block``: the messages as lines of one ``bytes`` object (file readers:
  JSON Lines or CSV, parsed by Arrow in one call);
* ``table``: an Arrow record batch with one row per message (Parquet);
* ``payloads``: a list of ``bytes``, ``str`` or ``dict``, one per message
  (memory, Kafka, MQTT). :meth:`MessageBatch.from_messages` builds one from
  :class:`Message` objects.

Push sources (MQTT, sockets) receive messages on their own thread; they put
them in a :class:`BoundedBuffer`, whose ``put`` blocks when the pipeline
falls behind (backpressure), and drain it in ``next_batch``. Pull sources
(files, Kafka) are read only when the runtime asks for the next batch, which
it does after the previous one was processed: a slow model slows reading.

>>> b = MessageBatch.from_messages([Message(b'{"a": 1}', offset=7), Message({"a": 2}, offset=8)])
>>> len(b), b.offsets.tolist(), b.payload(0), b.payload(1)
(2, [7, 8], b'{"a": 1}', {'a': 2})
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from streamlearn.base.errors import InvalidParameterError

Payload = bytes | str | dict
#: Delivery guarantees a source or sink may state.
GUARANTEES = ("exactly-once", "at-least-once", "at-most-once", "best-effort")


@dataclass
class Message:
    """One message: a payload (JSON bytes/str, or an already parsed dict) and where it came from."""

    payload: Payload
    key: Hashable | None = None
    partition: int = 0
    offset: int = 0
    timestamp: float | None = None


@dataclass
class MessageBatch:
    """Messages in columns (see the module docstring for the three payload forms).

    ``sizes`` holds each message's size in bytes when the source cut an
    oversized message short (its payload is then only the first bytes);
    ``columns`` names CSV fields (from a header) for line payloads;
    ``origin`` names where the batch came from (a file name, a topic) for
    the dead letters; ``meta`` holds anything else a source wants to pass on
    (e.g. high watermarks).
    """

    offsets: np.ndarray
    partitions: np.ndarray
    block: bytes | None = None
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None
    table: pa.RecordBatch | None = None
    payloads: list[Payload] | None = None
    keys: list[Any] | None = None
    timestamps: np.ndarray | None = None
    sizes: np.ndarray | None = None
    columns: list[str] | None = None
    origin: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.offsets)

    @classmethod
    def empty(cls, origin: str = "") -> MessageBatch:
        z = np.empty(0, dtype=np.int64)
        return cls(offsets=z, partitions=z.copy(), payloads=[], origin=origin)

    @classmethod
    def from_messages(cls, messages: Sequence[Message], origin: str = "") -> MessageBatch:
        """A batch of payloads from :class:`Message` objects (what Kafka/MQTT sources build)."""
        n = len(messages)
        keys = [m.key for m in messages]
        ts = [m.timestamp for m in messages]
        return cls(
            offsets=np.fromiter((m.offset for m in messages), dtype=np.int64, count=n),
            partitions=np.fromiter((m.partition for m in messages), dtype=np.int64, count=n),
            payloads=[m.payload for m in messages],
            keys=keys if any(k is not None for k in keys) else None,
            timestamps=(
                np.array([np.nan if t is None else t for t in ts], dtype=np.float64)
                if any(t is not None for t in ts)
                else None
            ),
            origin=origin,
        )

    def payload(self, i: int) -> Payload:
        """The payload of message ``i`` (bytes for lines, a dict for table rows)."""
        if self.payloads is not None:
            return self.payloads[i]
        if self.block is not None:
            assert self.starts is not None and self.ends is not None
            return self.block[int(self.starts[i]) : int(self.ends[i])]
        if self.table is not None:
            return self.table.slice(i, 1).to_pylist()[0]  # type: ignore[no-any-return]
        raise IndexError(i)

    def size(self, i: int) -> int:
        """The original size of message ``i`` in bytes (before any cut)."""
        if self.sizes is not None:
            return int(self.sizes[i])
        p = self.payload(i)
        return len(p) if isinstance(p, (bytes, str)) else 0

    def to_messages(self) -> list[Message]:
        """The batch as :class:`Message` objects (slow; for tests and sinks that need them)."""
        out = []
        for i in range(len(self)):
            ts = None if self.timestamps is None else float(self.timestamps[i])
            out.append(
                Message(
                    self.payload(i),
                    None if self.keys is None else self.keys[i],
                    int(self.partitions[i]),
                    int(self.offsets[i]),
                    None if ts is None or ts != ts else ts,
                )
            )
        return out


class Source:
    """Base of every live source. Subclasses implement the methods below.

    Each source states its delivery guarantee in ``guarantee`` (and its
    docstring): ``"exactly-once"`` when resuming from a snapshot replays
    every message after it and none before (files, memory); Kafka is
    exactly-once into the model and metrics for the same reason.
    """

    #: The delivery guarantee the source gives when resumed from checkpoints.
    guarantee: ClassVar[str] = "exactly-once"
    #: A short name for logs, dead letters and the live view.
    name: str = "source"

    def open(self, resume: dict[str, Any] | None) -> None:
        """Start reading: from the beginning, or just after the position in ``resume``."""
        raise NotImplementedError

    def next_batch(self, max_records: int, timeout_s: float) -> MessageBatch | None:
        """Up to ``max_records`` messages, waiting at most ``timeout_s`` for the first one.

        Returns an empty batch when nothing arrived in time and ``None`` once the
        source is finished (a bounded source read to its end).
        """
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able position just after the last message returned."""
        raise NotImplementedError

    def commit(self, snapshot: dict[str, Any]) -> None:
        """Called once the checkpoint holding ``snapshot`` is durable (a no-op by default)."""

    def lag(self) -> float | None:
        """About how many messages are waiting behind the current position (None: unknown)."""
        return None

    def shard(self, index: int, count: int) -> Source:
        """The part of this source that worker ``index`` of ``count`` reads (for worker processes)."""
        raise InvalidParameterError(
            f"{type(self).__name__} cannot be split between worker processes; use workers: 1."
        )

    def close(self) -> None:
        """Release files, sockets and threads."""


class Pacer:
    """Replay at a fixed rate: how many records may go out now.

    ``rate`` records per second from the moment of the first ``allow`` call
    (0 or None: no limit). ``allow(want, timeout_s)`` sleeps as needed: it
    returns ``want`` when that many are due within ``timeout_s``, else what
    is due when the timeout ends (possibly 0).
    """

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate or 0.0
        self.clock = clock
        self.start: float | None = None
        self.sent = 0

    def allow(self, want: int, timeout_s: float) -> int:
        if self.rate <= 0 or want <= 0:
            return want
        now = self.clock()
        if self.start is None:
            self.start = now
        due_at = self.start + (self.sent + want - 1) / self.rate  # record i is due at start + i / rate
        if due_at <= now:
            return want
        if due_at - now <= timeout_s:
            time.sleep(due_at - now)
            return want
        if timeout_s > 0:
            time.sleep(timeout_s)
            now = self.clock()
        return max(0, min(want, int((now - self.start) * self.rate) + 1 - self.sent))

    def sent_n(self, n: int) -> None:
        self.sent += n


class BoundedBuffer:
    """A thread-safe queue of messages with a capacity: the backpressure point of push sources.

    The receiving thread calls :meth:`put`, which blocks while the buffer is
    full (up to ``timeout_s``; it returns False if the message could not be
    placed, so the caller can count it as dropped or retry). The pipeline
    thread drains it with :meth:`take`. ``blocked_seconds`` sums the time
    producers waited: a measure of backpressure.

    >>> buf = BoundedBuffer(2)
    >>> buf.put(Message(b"1")), buf.put(Message(b"2")), buf.put(Message(b"3"), timeout_s=0.01)
    (True, True, False)
    >>> [m.payload for m in buf.take(10, 0.0)]
    [b'1', b'2']
    """

    def __init__(self, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise InvalidParameterError(f"A BoundedBuffer needs an int capacity >= 1. Got {capacity!r}.")
        self.capacity = capacity
        self._items: collections.deque[Message] = collections.deque()
        self._cond = threading.Condition()
        self.blocked_seconds = 0.0
        self.closed = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, message: Message, timeout_s: float | None = None) -> bool:
        with self._cond:
            if len(self._items) >= self.capacity:
                t0 = time.monotonic()
                ok = self._cond.wait_for(lambda: len(self._items) < self.capacity or self.closed, timeout_s)
                self.blocked_seconds += time.monotonic() - t0
                if not ok or self.closed:
                    return False
            self._items.append(message)
            self._cond.notify_all()
            return True

    def take(self, max_records: int, timeout_s: float) -> list[Message]:
        with self._cond:
            if not self._items and timeout_s > 0:
                self._cond.wait_for(lambda: bool(self._items) or self.closed, timeout_s)
            n = min(max_records, len(self._items))
            out = [self._items.popleft() for _ in range(n)]
            if n:
                self._cond.notify_all()
            return out

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


# -- the registry of source types (the YAML `type:`) ----------------------------------------------
#: ``{type name: factory(options, base_dir) -> Source}``; see :func:`register_source`.
SOURCE_TYPES: dict[str, Callable[..., Source]] = {}


def register_source(name: str) -> Callable[[Callable[..., Source]], Callable[..., Source]]:
    """Register a factory for the YAML ``source: {type: name, ...}``.

    The factory is called as ``factory(options, base_dir)`` with the options
    (the mapping without ``type``, already a plain dict) and the folder of the
    YAML file (relative paths are relative to it); it must raise
    :class:`~streamlearn.base.errors.InvalidParameterError` with a clear message
    for bad options (:func:`streamlearn.streams.sources.options.check_options` helps).
    """

    def deco(factory: Callable[..., Source]) -> Callable[..., Source]:
        SOURCE_TYPES[name] = factory
        return factory

    return deco
