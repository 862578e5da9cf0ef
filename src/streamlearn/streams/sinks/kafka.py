"""Predictions, alerts and dead letters to a Kafka topic (confluent-kafka producer).

Delivery guarantee: **at-least-once**. Each record becomes one JSON message
(:func:`~streamlearn.streams.sinks.base.encode_json_rows`), optionally keyed
by a column (``key: key`` sends each prediction under its record's key, so
all predictions of a key land in one partition, in order). Before every
checkpoint :meth:`KafkaSink.flush` waits until the broker has acknowledged
every message written so far (``acks=all``, idempotent producer: the
client's own retries do not duplicate), so a checkpoint never covers a
message that could still be lost. After a crash, the records processed
since the last checkpoint are predicted again and their messages sent a
second time (a Kafka topic cannot be cut back): readers that need each
prediction once should keep the last message per key, or per ``offset``
for unkeyed pipelines (a replayed record gets the same prediction).

A broker that goes away: the client keeps the messages and retries;
:meth:`KafkaSink.flush` waits for the acknowledgements, logging
``kafka_broker_waiting``, for up to ``broker_timeout_s`` and then raises
:class:`~streamlearn.streams.sources.kafka.BrokerUnavailableError` (the
pipeline stops without writing a checkpoint; a restart resumes from the last
one and sends the unacknowledged messages again). A message the broker
refuses (too large, no such topic, not authorised) raises the same way.
What the tests check (against tansu): messages written while the broker is
stopped are delivered once it is back. tansu keeps no state across a restart,
producer ids included, so an idempotent producer's messages time out after
one; the test turns idempotence off (``config: {enable.idempotence: false}``),
which a broker that keeps its state does not need.

The same sink serves as the **dead-letter sink** in a pipeline file::

    sinks:
      predictions: {type: kafka, topic: predictions, key: key, bootstrap_servers: "broker:9092"}
      dead_letters: {type: kafka, topic: dead-letters, bootstrap_servers: "broker:9092"}

Dead letters carry their ``source``, ``partition``, ``offset``, ``reason``,
``payload`` and ``bytes``. With worker processes every worker has its own
producer writing to the same topic.

>>> sink = KafkaSink("predictions", bootstrap_servers="127.0.0.1:9092", key="key")
>>> sink.guarantee, sink.shard(1, 2).name
('at-least-once', 'predictions[1]')
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams.sinks.base import Sink, encode_json_rows, register_sink
from streamlearn.streams.sources.kafka import CLIENT_CONFIG, BrokerUnavailableError, import_kafka, log_event
from streamlearn.streams.sources.options import Opt, check_options, construct, positive


class KafkaSink(Sink):
    """Records as JSON messages on a Kafka topic; at-least-once (see the module docstring).

    Parameters
    ----------
    topic
        The topic to write to (it must exist, or the broker must create topics on use).
    bootstrap_servers
        ``host:port[,host:port...]`` of the brokers.
    key
        The column whose value keys each message (None: no key). Batches without
        that column (dead letters) are sent without a key.
    broker_timeout_s
        How long :meth:`flush` waits for acknowledgements before it raises.
    config
        More librdkafka producer settings (they override the defaults).
    name
        The sink's name (default: the topic).
    """

    guarantee: ClassVar[str] = "at-least-once"

    def __init__(
        self,
        topic: str,
        *,
        bootstrap_servers: str = "localhost:9092",
        key: str | None = None,
        broker_timeout_s: float = 120.0,
        config: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        if not isinstance(topic, str) or not topic:
            raise InvalidParameterError(f"A Kafka sink needs a topic name. Got {topic!r}.")
        if broker_timeout_s <= 0:
            raise InvalidParameterError(f"broker_timeout_s must be > 0. Got {broker_timeout_s!r}.")
        self.topic = topic
        self.bootstrap_servers = bootstrap_servers
        self.key = key
        self.broker_timeout_s = float(broker_timeout_s)
        self.config = dict(config or {})
        self.name = name or topic
        self._producer: Any = None
        self.sent = 0
        self.acked = 0
        self._errors: list[str] = []
        self._fatal: str | None = None
        self._queue_limit = 100_000

    def _producer_config(self) -> dict[str, Any]:
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            "batch.num.messages": 10_000,
            "queue.buffering.max.messages": 500_000,
            "message.timeout.ms": int(self.broker_timeout_s * 1000),
            **CLIENT_CONFIG,
            "error_cb": self._on_error,
            "on_delivery": self._on_delivery,
        }
        conf.update(self.config)
        return conf

    def open(self, resume: dict[str, Any] | None) -> None:
        self.close()
        ck = import_kafka()
        conf = self._producer_config()
        self._queue_limit = int(conf.get("queue.buffering.max.messages", 100_000))
        self._producer = ck.Producer(conf)
        self._errors = []
        self._fatal = None

    def _on_error(self, err: Any) -> None:
        if err.fatal():
            self._fatal = str(err)

    def _on_delivery(self, err: Any, msg: Any) -> None:
        if err is None:
            self.acked += 1
        elif len(self._errors) < 10:
            self._errors.append(str(err))

    def _check(self) -> None:
        if self._fatal is not None:
            raise BrokerUnavailableError(f"{self.name}: fatal Kafka producer error: {self._fatal}")
        if self._errors:
            first = self._errors[0]
            self._errors = []
            raise BrokerUnavailableError(
                f"{self.name}: the broker at {self.bootstrap_servers} did not take messages for topic "
                f"{self.topic!r}: {first}"
            )

    def write(self, batch: pa.RecordBatch) -> None:
        if self._producer is None:
            raise DataError(f"The sink {self.name} is not open.")
        n = batch.num_rows
        if not n:
            return
        values = encode_json_rows(batch)
        keys: list[Any] | None = None
        if self.key is not None and self.key in batch.schema.names:
            keys = [None if k is None else str(k).encode() for k in batch.column(self.key).to_pylist()]
        produce = self._producer.produce
        topic = self.topic
        for i, value in enumerate(values):
            key = None if keys is None else keys[i]
            try:
                produce(topic, value, key)
            except BufferError:  # the client's queue is full: let it drain, then go on
                self._wait_for_room()
                produce(topic, value, key)
        self.sent += n
        self._producer.poll(0)
        self._check()

    def _wait_for_room(self) -> None:
        t0 = time.monotonic()
        while len(self._producer) >= 0.9 * self._queue_limit:
            self._producer.poll(0.05)
            self._check()
            if time.monotonic() - t0 > self.broker_timeout_s:
                raise BrokerUnavailableError(
                    f"{self.name}: the producer queue stayed full for {self.broker_timeout_s:g} s; is the "
                    f"broker at {self.bootstrap_servers} up?"
                )

    def flush(self) -> None:
        """Wait until the broker acknowledged every message written so far (bounded)."""
        if self._producer is None:
            return
        t0 = time.monotonic()
        logged = 0.0
        while True:
            left = self._producer.flush(0.5)
            self._check()
            if left == 0:
                break
            waited = time.monotonic() - t0
            if waited - logged >= 2.0:
                logged = waited
                log_event(
                    "kafka_broker_waiting",
                    logging.WARNING,
                    sink=self.name,
                    broker=self.bootstrap_servers,
                    unacknowledged=left,
                    waited_s=round(waited, 3),
                )
            if waited > self.broker_timeout_s:
                raise BrokerUnavailableError(
                    f"{self.name}: {left} messages were not acknowledged by the broker at "
                    f"{self.bootstrap_servers} within {self.broker_timeout_s:g} s."
                )
        if logged:
            log_event("kafka_broker_back", sink=self.name, broker=self.bootstrap_servers)

    def snapshot(self) -> dict[str, Any]:
        return {"acknowledged": self.acked}

    def shard(self, index: int, count: int) -> Sink:
        return KafkaSink(
            self.topic,
            bootstrap_servers=self.bootstrap_servers,
            key=self.key,
            broker_timeout_s=self.broker_timeout_s,
            config=self.config,
            name=f"{self.name}[{index}]",
        )

    def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            left = producer.flush(min(5.0, self.broker_timeout_s))
            if left:
                log_event("kafka_sink_closed_unacknowledged", logging.WARNING, sink=self.name, messages=left)


@register_sink("kafka")
def _kafka_sink(options: dict[str, Any], base_dir: Path | None = None, where: str = "sink") -> Sink:
    o = check_options(
        where,
        options,
        {
            "topic": Opt(str, check=lambda v: bool(v), description="a topic name"),
            "bootstrap_servers": Opt(str, "localhost:9092"),
            "key": Opt(str, None),
            "broker_timeout_s": Opt((int, float), 120.0, positive, "a number of seconds > 0"),
            "config": Opt(dict, None),
            "name": Opt(str, None),
        },
    )
    return construct(where, KafkaSink, o.pop("topic"), **o)
