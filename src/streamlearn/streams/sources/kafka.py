"""Kafka topics as a live source (confluent-kafka), resumed exactly from checkpoints.

Delivery guarantee: **exactly-once into the model and the metrics across
crashes**; predictions written to an at-least-once sink (Kafka, MQTT, stdout)
are **at-least-once**. The checkpoint is the source of truth: its snapshot
holds, per topic-partition, the offset of the next message to read
(``{"offsets": {"flows:0": 1200, "flows:1": 1187}, "records": 2387}``), and
:meth:`KafkaSource.open` seeks every partition there, so a restarted
pipeline reads each message after its last checkpoint once and none before
it. The offsets are also committed to the consumer group in
:meth:`KafkaSource.commit` (after the checkpoint is durable), but only as a
convenience for lag tools (``kafka-consumer-groups``, Burrow): the group's
committed offsets are read back only with ``start: committed`` and no checkpoint.

Partitions are **assigned statically** (the consumer does not join the group
and no rebalance ever moves a partition): all partitions of the topics, or
those listed in ``partitions``; with worker processes (``workers: N``),
worker ``i`` reads the ``k``-th partition (topics in the given order,
partitions in increasing order) when ``k % N == i``, with its own model and
checkpoint. A group rebalance would move a partition, and the state learned
from it, to another model between checkpoints, which would break the
guarantee above.

A message's payload is its value (JSON by default); the message key is
available to the schema as ``key: $key`` and the broker timestamp is the
event time when the record has none. With several topics the batch's
partition numbers are ``topic index * 1,000,000 + partition``.

The stream never ends by itself; ``max_records`` ends it after that many
messages (counted across restarts, from the checkpoint), ``idle_seconds``
after that long without a message (not while the broker is away).

**A broker that goes away** (restart, network): the client reconnects by
itself (with backoff); the source notices the outage from the client's
error events, probes the broker (metadata request) with exponential backoff
(0.25 s doubling to 5 s), logs ``kafka_broker_waiting`` and returns empty
batches meanwhile, then logs ``kafka_broker_back`` and goes on from its
position - nothing is skipped or read twice. A partition whose position is
out of range when the broker is back (a broker that lost data) is sought
back to the source's position at each probe, so reading resumes as soon as
the data is there. If the broker (or a topic) stays away longer than
``broker_timeout_s`` the source raises :class:`BrokerUnavailableError`; the
pipeline stops, and a restart resumes from the last checkpoint.
What the tests check (``tests/integration/test_kafka.py``, against a real
tansu broker): a pipeline whose broker is stopped and restarted mid-stream
ends with the same model and metrics as an uninterrupted run. tansu keeps
data in memory only, so the test re-produces the same records at the same
offsets into the restarted broker, as a durable broker would have kept them.

``lag()`` is the high watermark minus the position, summed over the
partitions, from the watermarks the client caches with each fetch (no
broker round trip). Some brokers get the high watermark wrong (tansu
reports the first offset of the last produced batch + 1), so lag is
indicative only; do not use it to decide that a stream was read to its end.
``start: latest`` asks the broker for the same end offsets (with tansu it
starts too early and reads some older messages).
tansu also answers a fetch only when ``fetch.wait.max.ms`` (500 ms by
default) has passed, even if data came in meanwhile; for low latency with it
pass ``config: {fetch.wait.max.ms: 5}`` (a broker that long-polls properly
answers as soon as data arrives).

Options (YAML ``source: {type: kafka, ...}``): ``topics`` (a name or a
list), ``bootstrap_servers``, ``group_id``, ``partitions``, ``start``
(``earliest``, ``latest`` or ``committed``: where to begin without a
checkpoint), ``max_records``, ``idle_seconds``, ``rate``,
``broker_timeout_s``, ``commit_offsets``, ``config`` (more librdkafka
settings, e.g. security), ``name``.

>>> src = KafkaSource("flows", bootstrap_servers="127.0.0.1:9092", group_id="ids")
>>> src.shard(1, 2).name, src.guarantee
('flows[1/2]', 'exactly-once')
>>> sorted(_offsets_from({"offsets": {"flows:0": 12, "flows:1": 7}}).items())
[(('flows', 0), 12), (('flows', 1), 7)]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import DataError, InvalidParameterError, StreamlearnError
from streamlearn.streams.sources.base import MessageBatch, Pacer, Source, register_source
from streamlearn.streams.sources.options import (
    Opt,
    check_options,
    construct,
    name_or_names,
    non_negative,
    positive,
)

#: Structured events go to the runtime's logger (``streamlearn run --log json|text`` shows them).
LOGGER = logging.getLogger("streamlearn.runtime.brokers")


class _Throttle(logging.Filter):
    """Lets one message per kind (librdkafka's facility, e.g. ``FAIL``) through every ``seconds``.

    While a broker is away the client reports each failed connection attempt
    (several a second); the source's own ``kafka_broker_waiting`` events say
    the same thing at a bounded rate.
    """

    def __init__(self, seconds: float = 30.0) -> None:
        super().__init__()
        self.seconds = seconds
        self.last: dict[str, float] = {}
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.getMessage().split(" ", 1)[0]
        now = time.monotonic()
        if now - self.last.get(kind, -1e9) < self.seconds:
            self.suppressed += 1
            return False
        self.last[kind] = now
        return True


#: The client library's own messages (warnings and errors, throttled per kind).
CLIENT_LOGGER = logging.getLogger("streamlearn.runtime.brokers.client")
CLIENT_LOGGER.setLevel(logging.WARNING)
CLIENT_LOGGER.addFilter(_Throttle())

#: librdkafka settings of every client (consumer and producer): quick reconnects, quiet logs.
CLIENT_CONFIG: dict[str, Any] = {
    "reconnect.backoff.ms": 100,
    "reconnect.backoff.max.ms": 2000,
    "log.connection.close": False,
    "logger": CLIENT_LOGGER,
}

STARTS = ("earliest", "latest", "committed")
TOPIC_FACTOR = 1_000_000


class BrokerUnavailableError(StreamlearnError, ConnectionError):
    """A message broker (or a topic on it) stayed unreachable longer than ``broker_timeout_s``."""


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One structured event (same shape as :func:`streamlearn.runtime.observe.log`)."""
    LOGGER.log(level, event, extra={"fields": fields})


def import_kafka() -> Any:
    """The confluent_kafka module, or an error that says how to install it."""
    try:
        import confluent_kafka
    except ImportError:
        raise InvalidParameterError(
            "The Kafka source and sink need confluent-kafka: pip install 'streamlearn[kafka]'."
        ) from None
    return confluent_kafka


class Outage:
    """Tracks one outage of a broker: when it began, when to probe next, when to give up.

    ``trouble(reason)`` marks the broker suspect; ``due()`` says whether a probe
    should run now (exponential backoff from ``first`` to ``cap`` seconds);
    ``failed(reason, name)`` records a failed probe (logs ``<kind>_broker_waiting`` the
    first time and at each backoff step; raises :class:`BrokerUnavailableError`
    after ``timeout_s``); ``ok(name)`` ends the outage (logs ``<kind>_broker_back``
    if a probe had failed).

    >>> o = Outage("kafka", "b:9092", timeout_s=60.0, first=0.25, cap=5.0)
    >>> o.down, o.due()
    (False, False)
    >>> o.trouble("connection refused"); o.down, o.due()
    (True, True)
    >>> o.ok("src"); o.down
    False
    """

    def __init__(
        self, kind: str, where: str, timeout_s: float, first: float = 0.25, cap: float = 5.0
    ) -> None:
        self.kind = kind
        self.where = where
        self.timeout_s = timeout_s
        self.first = first
        self.cap = cap
        self.since: float | None = None
        self.next_probe = 0.0
        self.backoff = first
        self.failures = 0
        self.reason = ""
        self.outages = 0

    @property
    def down(self) -> bool:
        return self.since is not None

    def trouble(self, reason: str) -> None:
        if self.since is None:
            self.since = time.monotonic()
            self.next_probe = 0.0
            self.backoff = self.first
            self.failures = 0
        self.reason = reason

    def due(self) -> bool:
        return self.since is not None and time.monotonic() >= self.next_probe

    def failed(self, reason: str, name: str) -> None:
        now = time.monotonic()
        if self.since is None:
            self.trouble(reason)
        assert self.since is not None
        self.reason = reason or self.reason
        self.failures += 1
        if self.failures == 1:
            self.outages += 1
        waited = now - self.since
        log_event(
            f"{self.kind}_broker_waiting",
            logging.WARNING,
            source=name,
            broker=self.where,
            waited_s=round(waited, 3),
            retry_in_s=self.backoff,
            reason=self.reason,
        )
        if waited > self.timeout_s:
            raise BrokerUnavailableError(
                f"{name}: the {self.kind} broker at {self.where} has been unavailable for {waited:.1f} s "
                f"(broker_timeout_s={self.timeout_s:g}): {self.reason}. Check that it runs and that the "
                "topics exist; a restarted pipeline resumes from its last checkpoint."
            )
        self.next_probe = now + self.backoff
        self.backoff = min(self.cap, self.backoff * 2)

    def ok(self, name: str) -> None:
        if self.since is not None and self.failures:
            log_event(
                f"{self.kind}_broker_back",
                source=name,
                broker=self.where,
                down_s=round(time.monotonic() - self.since, 3),
            )
        self.since = None
        self.failures = 0
        self.backoff = self.first


def _offsets_from(snapshot: dict[str, Any] | None) -> dict[tuple[str, int], int]:
    """``{(topic, partition): next offset}`` from a snapshot's ``{"topic:partition": offset}``."""
    if not snapshot:
        return {}
    out: dict[tuple[str, int], int] = {}
    for k, v in snapshot.get("offsets", {}).items():
        topic, _, part = str(k).rpartition(":")
        out[(topic, int(part))] = int(v)
    return out


class KafkaSource(Source):
    """Messages of Kafka topics; exactly-once from checkpoints (see the module docstring).

    Parameters
    ----------
    topics
        A topic name or a list of names.
    bootstrap_servers
        ``host:port[,host:port...]`` of the brokers.
    group_id
        The consumer group the offsets are committed to (for lag tools).
    partitions
        Read only these partition numbers (of every topic); None: all.
    start
        Where to begin without a checkpoint: ``earliest``, ``latest``, or
        ``committed`` (the group's committed offsets; earliest where none).
    max_records
        End the stream after this many messages (None: never).
    idle_seconds
        End the stream after this long without a message (None: never).
    rate
        Replay rate in messages per second (0 or None: as fast as they come).
    broker_timeout_s
        How long the broker may be away before :class:`BrokerUnavailableError`.
    commit_offsets
        Commit the checkpointed offsets to the group (a convenience for lag tools).
    config
        More librdkafka consumer settings (they override the defaults).
    name
        The source's name (default: the topic names).
    shard
        ``(index, count)``: read only this worker's share of the partitions.
    """

    guarantee: ClassVar[str] = "exactly-once"

    def __init__(
        self,
        topics: str | Sequence[str],
        *,
        bootstrap_servers: str = "localhost:9092",
        group_id: str = "streamlearn",
        partitions: Sequence[int] | None = None,
        start: str = "earliest",
        max_records: int | None = None,
        idle_seconds: float | None = None,
        rate: float | None = None,
        broker_timeout_s: float = 120.0,
        commit_offsets: bool = True,
        config: dict[str, Any] | None = None,
        name: str | None = None,
        shard: tuple[int, int] | None = None,
    ) -> None:
        self.topics = [topics] if isinstance(topics, str) else list(topics)
        if not self.topics or not all(isinstance(t, str) and t for t in self.topics):
            raise InvalidParameterError(f"topics must be a topic name or a list of names. Got {topics!r}.")
        if start not in STARTS:
            raise InvalidParameterError(f"start must be one of {', '.join(STARTS)}. Got {start!r}.")
        if max_records is not None and max_records < 0:
            raise InvalidParameterError(f"max_records must be >= 0 or None. Got {max_records!r}.")
        if broker_timeout_s <= 0:
            raise InvalidParameterError(f"broker_timeout_s must be > 0. Got {broker_timeout_s!r}.")
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.partitions = None if partitions is None else sorted({int(p) for p in partitions})
        self.start = start
        self.max_records = max_records
        self.idle_seconds = idle_seconds
        self.rate = rate
        self.broker_timeout_s = float(broker_timeout_s)
        self.commit_offsets = commit_offsets
        self.config = dict(config or {})
        self.shard_of = shard
        base = name or ",".join(self.topics)
        self.name = base if shard is None else f"{base}[{shard[0]}/{shard[1]}]"
        self._base_name = base
        self._consumer: Any = None
        self._tps: list[tuple[str, int]] = []
        self._next: dict[tuple[str, int], int] = {}
        self._count = 0
        self._finished = False
        self._last_message = 0.0
        self._pacer = Pacer(rate)
        self._outage = Outage("kafka", bootstrap_servers, self.broker_timeout_s)
        self._reseek = False
        self._topic_index = {t: i for i, t in enumerate(self.topics)}
        self._fatal: str | None = None

    # -- life cycle -------------------------------------------------------------------------------
    def _consumer_config(self) -> dict[str, Any]:
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "group.id": self.group_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "error",  # never jump silently: the checkpoint says where to read
            "enable.partition.eof": False,
            **CLIENT_CONFIG,
            "error_cb": self._on_error,
            "on_commit": self._on_commit,
        }
        conf.update(self.config)
        return conf

    def open(self, resume: dict[str, Any] | None) -> None:
        self.close()
        ck = import_kafka()
        self._consumer = ck.Consumer(self._consumer_config())
        self._outage = Outage("kafka", self.bootstrap_servers, self.broker_timeout_s)
        self._fatal = None
        try:
            self._tps = self._discover()
        except BaseException:
            self.close()
            raise
        saved = _offsets_from(resume)
        stray = sorted(set(saved) - set(self._tps))
        if stray:
            raise DataError(
                f"{self.name}: the checkpoint holds offsets of partitions this source does not read "
                f"({', '.join(f'{t}:{p}' for t, p in stray)}); the topics, partitions or number of "
                "workers changed. Use a fresh checkpoint directory."
            )
        self._next = dict(saved)
        starts = self._start_offsets(ck, [tp for tp in self._tps if tp not in saved])
        assignment = [
            ck.TopicPartition(t, p, saved[(t, p)] if (t, p) in saved else starts[(t, p)])
            for t, p in self._tps
        ]
        self._consumer.assign(assignment)
        self._count = 0 if resume is None else int(resume.get("records", 0))
        self._finished = False
        self._pacer = Pacer(self.rate)
        self._last_message = time.monotonic()
        self._reseek = False
        log_event(
            "kafka_source_opened",
            source=self.name,
            partitions=[f"{t}:{p}" for t, p in self._tps],
            resumed=resume is not None,
        )

    def _discover(self) -> list[tuple[str, int]]:
        """This source's (topic, partition) pairs, waiting (bounded) for the broker and topics."""
        assert self._consumer is not None
        while True:
            missing: list[str] = []
            found: dict[str, list[int]] = {}
            reason = ""
            try:
                md = self._consumer.list_topics(timeout=min(5.0, self.broker_timeout_s))
                for t in self.topics:
                    tm = md.topics.get(t)
                    if tm is None or tm.error is not None or not tm.partitions:
                        missing.append(t)
                    else:
                        found[t] = sorted(tm.partitions)
                reason = f"topics not found: {', '.join(missing)}" if missing else ""
            except Exception as e:  # KafkaException: broker unreachable
                reason = str(e)
                missing = list(self.topics)
            if not missing:
                self._outage.ok(self.name)
                break
            self._outage.failed(reason, self.name)
            time.sleep(max(0.0, self._outage.next_probe - time.monotonic()))
        pairs = []
        for t in self.topics:
            parts = found[t]
            if self.partitions is not None:
                absent = [p for p in self.partitions if p not in parts]
                if absent:
                    raise DataError(f"{self.name}: topic {t!r} has no partition {absent} (it has {parts}).")
                parts = self.partitions
            pairs += [(t, p) for p in parts]
        if self.shard_of is not None:
            i, n = self.shard_of
            total = len(pairs)
            pairs = [tp for k, tp in enumerate(pairs) if k % n == i]
            if not pairs:
                raise InvalidParameterError(
                    f"{self.name}: worker {i} of {n} has no partition to read (the topics have "
                    f"{total} partitions in all); use at most as many workers as partitions."
                )
        return pairs

    def _start_offsets(self, ck: Any, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        logical = ck.OFFSET_END if self.start == "latest" else ck.OFFSET_BEGINNING
        out = {tp: logical for tp in tps}
        if self.start == "committed" and tps:
            try:
                got = self._consumer.committed([ck.TopicPartition(t, p) for t, p in tps], timeout=10.0)
            except Exception as e:
                raise BrokerUnavailableError(
                    f"{self.name}: cannot read the committed offsets of group {self.group_id!r}: {e}"
                ) from None
            for tp in got:
                if tp.error is None and tp.offset >= 0:
                    out[(tp.topic, tp.partition)] = tp.offset
        return out

    def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                consumer.close()
            except Exception as e:  # closing must not hide the error that stopped a run
                log_event("kafka_close_failed", logging.WARNING, source=self.name, error=str(e))

    # -- client callbacks (served inside consume/poll, on the pipeline thread) ----------------------
    def _on_error(self, err: Any) -> None:
        if err.fatal():
            self._fatal = str(err)
            return
        self._outage.trouble(str(err))

    def _on_commit(self, err: Any, partitions: Any) -> None:
        if err is not None:
            log_event("kafka_commit_failed", logging.WARNING, source=self.name, error=str(err))

    def _message_error(self, err: Any, topic: str | None, partition: int | None) -> None:
        ck = import_kafka()
        code = err.code()
        if code == ck.KafkaError._PARTITION_EOF:
            return
        if err.fatal():
            self._fatal = str(err)
            return
        if code in (ck.KafkaError._AUTO_OFFSET_RESET, ck.KafkaError.OFFSET_OUT_OF_RANGE):
            self._reseek = True  # the fetcher stopped: seek back to our position once the data is there
        self._outage.trouble(f"{topic}:{partition}: {err}")

    # -- reading ------------------------------------------------------------------------------------
    def _probe(self) -> None:
        """One health check of the broker during an outage (metadata of the topics; re-seek)."""
        consumer = self._consumer
        try:
            md = consumer.list_topics(timeout=1.0)
            missing = [t for t in self.topics if t not in md.topics or md.topics[t].error is not None]
            if missing:
                raise RuntimeError(f"topics not found: {', '.join(missing)}")
            if self._reseek:
                self._reassign()
                # still out of range (a broker that lost data) until messages flow again: keep
                # waiting, bounded by broker_timeout_s
                raise RuntimeError(f"position out of range, sought back to {self.snapshot()['offsets']}")
        except Exception as e:
            self._outage.failed(str(e), self.name)
            return
        self._outage.ok(self.name)

    def _reassign(self) -> None:
        """Assign every partition again at the source's own position (after an offset error)."""
        ck = import_kafka()
        logical = ck.OFFSET_END if self.start == "latest" else ck.OFFSET_BEGINNING
        self._consumer.assign(
            [ck.TopicPartition(t, p, self._next.get((t, p), logical)) for t, p in self._tps]
        )
        self._reseek = False

    def next_batch(self, max_records: int, timeout_s: float) -> MessageBatch | None:
        if self._consumer is None:
            raise DataError(f"The source {self.name} is not open.")
        if self._finished:
            return None
        want = max_records
        if self.max_records is not None:
            want = min(want, self.max_records - self._count)
            if want <= 0:
                self._finished = True
                return None
        want = self._pacer.allow(want, timeout_s)
        if want <= 0:
            return MessageBatch.empty(self.name)
        deadline = time.monotonic() + timeout_s
        consumer = self._consumer
        single = len(self.topics) == 1
        index = self._topic_index
        nxt = self._next
        payloads: list[Any] = []
        offsets: list[int] = []
        parts: list[int] = []
        keys: list[Any] = []
        stamps: list[float] = []
        any_key = False
        while True:
            left = deadline - time.monotonic()
            msgs = consumer.consume(want - len(payloads), max(0.0, min(left, 1.0)))
            for m in msgs:
                err = m.error()
                if err is not None:
                    self._message_error(err, m.topic(), m.partition())
                    continue
                topic, part, off = m.topic(), m.partition(), m.offset()
                nxt[(topic, part)] = off + 1
                payloads.append(m.value() or b"")
                offsets.append(off)
                parts.append(part if single else index[topic] * TOPIC_FACTOR + part)
                k = m.key()
                if k is not None:
                    any_key = True
                    k = k.decode("utf-8", "replace")
                keys.append(k)
                ts_type, ts = m.timestamp()
                stamps.append(ts / 1000.0 if ts_type and ts >= 0 else np.nan)
            if self._fatal is not None:
                raise BrokerUnavailableError(f"{self.name}: fatal Kafka client error: {self._fatal}")
            if msgs and self._outage.down:
                self._outage.next_probe = 0.0  # messages flow: confirm the broker is back now
            if self._outage.due():
                self._probe()
            if len(payloads) >= want or time.monotonic() >= deadline:
                break
        n = len(payloads)
        now = time.monotonic()
        if not n:
            if (
                self.idle_seconds is not None
                and not self._outage.down
                and now - self._last_message >= self.idle_seconds
            ):
                self._finished = True
                return None
            return MessageBatch.empty(self.name)
        self._last_message = now
        self._count += n
        self._pacer.sent_n(n)
        return MessageBatch(
            offsets=np.array(offsets, dtype=np.int64),
            partitions=np.array(parts, dtype=np.int64),
            payloads=payloads,
            keys=keys if any_key else None,
            timestamps=np.array(stamps, dtype=np.float64),
            origin=self.topics[0] if single else ",".join(self.topics),
        )

    # -- positions ----------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        nxt = dict(self._next)
        untouched = [tp for tp in self._tps if tp not in nxt]
        if untouched and self._consumer is not None:  # where they start (e.g. the end, for latest)
            ck = import_kafka()
            try:
                for tp in self._consumer.position([ck.TopicPartition(t, p) for t, p in untouched]):
                    if tp.offset >= 0:
                        nxt[(tp.topic, tp.partition)] = tp.offset
            except Exception:  # not known yet: the start policy applies again on resume
                pass
        offsets = {f"{t}:{p}": o for (t, p), o in sorted(nxt.items())}
        return {"offsets": offsets, "records": self._count}

    def commit(self, snapshot: dict[str, Any]) -> None:
        if not self.commit_offsets or self._consumer is None:
            return
        saved = _offsets_from(snapshot)
        if not saved:
            return
        ck = import_kafka()
        try:
            self._consumer.commit(
                offsets=[ck.TopicPartition(t, p, o) for (t, p), o in saved.items()], asynchronous=True
            )
        except Exception as e:  # a convenience: never stop the stream for it
            log_event("kafka_commit_failed", logging.WARNING, source=self.name, error=str(e))

    def lag(self) -> float | None:
        if self._consumer is None or not self._tps:
            return None
        ck = import_kafka()
        total = 0
        for t, p in self._tps:
            try:
                low, high = self._consumer.get_watermark_offsets(ck.TopicPartition(t, p), cached=True)
            except Exception:
                return None
            if high is None or high < 0:
                return None
            total += max(0, high - self._next.get((t, p), max(low, 0)))
        return float(total)

    def shard(self, index: int, count: int) -> Source:
        if self.shard_of is not None:
            raise InvalidParameterError(f"{self.name} is already a shard.")
        return KafkaSource(
            self.topics,
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.group_id,
            partitions=self.partitions,
            start=self.start,
            max_records=self.max_records,
            idle_seconds=self.idle_seconds,
            rate=self.rate,
            broker_timeout_s=self.broker_timeout_s,
            commit_offsets=self.commit_offsets,
            config=self.config,
            name=self._base_name,
            shard=(index, count),
        )


@register_source("kafka")
def _kafka_source(options: dict[str, Any], base_dir: Path | None = None, where: str = "source") -> Source:
    o = check_options(
        where,
        options,
        {
            "topics": Opt((str, list), check=name_or_names, description="a topic name or a list of names"),
            "bootstrap_servers": Opt(str, "localhost:9092"),
            "group_id": Opt(str, "streamlearn"),
            "partitions": Opt(list, None, lambda v: all(isinstance(p, int) and p >= 0 for p in v)),
            "start": Opt(str, "earliest", lambda v: v in STARTS, "earliest, latest or committed"),
            "max_records": Opt(int, None, non_negative, "an int >= 0"),
            "idle_seconds": Opt((int, float), None, positive, "a number of seconds > 0"),
            "rate": Opt((int, float), 0, non_negative, "a number of records per second >= 0"),
            "broker_timeout_s": Opt((int, float), 120.0, positive, "a number of seconds > 0"),
            "commit_offsets": Opt(bool, True),
            "config": Opt(dict, None),
            "name": Opt(str, None),
        },
    )
    return construct(where, KafkaSource, o.pop("topics"), **o)
