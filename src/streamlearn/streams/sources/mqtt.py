"""MQTT topics as a live (push) source, with paho-mqtt 2.x.

The client's network thread receives the messages and puts them in a
:class:`~streamlearn.streams.sources.base.BoundedBuffer`; ``put`` blocks when
the pipeline falls behind, which stops reading from the socket, so the broker
holds (QoS 1) or drops (QoS 0) what comes next: that is the backpressure.
A message's payload is its body (JSON by default); its topic is the message
key (``schema: {key: $key}`` uses it), its arrival time the timestamp.
Offsets number the messages handed to the pipeline, from 0, continued from
the checkpoint after a restart (MQTT itself has no offsets).

MQTT cannot replay, so the delivery guarantee depends on how messages are
acknowledged (``ack``):

=====================  ==================================================================
``qos: 0``             **at-most-once**: the broker sends each message once, unacknowledged
``qos: 1``,            **at-most-once across crashes**: the client acknowledges a message
``ack: receipt``       as soon as it is in the buffer; the messages taken after the last
(default)              checkpoint are lost with a crash (the model is rolled back to the
                       checkpoint and they are not sent again)
``qos: 1``,            **at-least-once**: acknowledgements are held back (paho's manual
``ack: checkpoint``    acks) and sent in :meth:`MQTTSource.commit`, once the checkpoint
                       holding the messages is durable. The session is persistent (a fixed
                       ``client_id``, ``clean_session: false``), so after a crash the broker
                       sends the unacknowledged messages again, and those that came while
                       the pipeline was down. A message is learned twice only if a crash
                       falls between a checkpoint and its acknowledgements.
=====================  ==================================================================

With ``ack: checkpoint`` the broker must let that many messages be in flight
unacknowledged between two checkpoints: mosquitto sends at most
``max_inflight_messages`` (default 20) and queues at most
``max_queued_messages`` (default 1000, then drops) per client, so set e.g.
``max_inflight_messages 0`` and ``max_queued_messages 0`` (no limits) or
limits above the messages per checkpoint interval; otherwise the stream
stalls at that many messages until the next checkpoint. It needs a pipeline
with checkpoints (without, nothing is ever acknowledged).

A broker that goes away: paho reconnects by itself (backoff 1 s to 5 s) and
subscribes again; the source logs ``mqtt_broker_waiting`` and
``mqtt_broker_back``, returns empty batches meanwhile and raises
:class:`~streamlearn.streams.sources.kafka.BrokerUnavailableError` after
``broker_timeout_s``. With a persistent session the broker keeps QoS 1
messages for it while it is away. What the tests check
(``tests/integration/test_mqtt.py``, real mosquitto): reconnecting and
subscribing again after a broker restart; with ``ack: checkpoint``, a reader
killed with SIGKILL after acknowledging 200 of 300 messages loses nothing (a
new reader with the same client id gets messages 200.. again, in order, and
those published while none was connected).

The stream never ends by itself: ``max_records`` ends it after that many
messages (counted across restarts), ``idle_seconds`` after that long
without one. With worker processes (``workers: N``) each worker subscribes
through an MQTT 5 shared subscription (``$share/<share_group>/<topic>``), so the
broker hands each message to one worker; this needs ``share_group``.

>>> src = MQTTSource("sensors/#", host="127.0.0.1", port=1883, qos=1)
>>> src.guarantee, src.ack
('at-most-once', 'receipt')
>>> MQTTSource("sensors/#", qos=1, ack="checkpoint", client_id="ids-1").guarantee
'at-least-once'
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams.sources.base import BoundedBuffer, Message, MessageBatch, Source, register_source
from streamlearn.streams.sources.kafka import BrokerUnavailableError, Outage, log_event
from streamlearn.streams.sources.options import (
    Opt,
    check_options,
    construct,
    name_or_names,
    non_negative,
    positive,
)

ACKS = ("receipt", "checkpoint")


def import_paho() -> Any:
    """The paho.mqtt.client module (2.x), or an error that says how to install it."""
    try:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion  # noqa: F401  (2.x only)
    except ImportError:
        raise InvalidParameterError(
            "The MQTT source and sink need paho-mqtt 2.x: pip install 'streamlearn[mqtt]'."
        ) from None
    return mqtt


def connect(client: Any, host: str, port: int, keepalive: int, outage: Outage, name: str) -> None:
    """Connect, retrying with backoff (bounded by the outage's timeout) while the broker is away."""
    while True:
        try:
            client.connect(host, port, keepalive)
            outage.ok(name)
            return
        except OSError as e:
            outage.failed(f"cannot connect: {e}", name)
            time.sleep(max(0.0, outage.next_probe - time.monotonic()))


class MQTTSource(Source):
    """Messages of MQTT topics (push, through a bounded buffer); see the module docstring.

    Parameters
    ----------
    topics
        A topic filter (``sensors/#``) or a list of them.
    host, port
        The broker.
    qos
        0 or 1: the subscription's quality of service.
    ack
        ``receipt`` or ``checkpoint`` (QoS 1 only): when messages are acknowledged.
    client_id
        The client identifier (required with ``ack: checkpoint``: the broker keeps
        the session under it); default: a random one.
    clean_session
        Start without the broker's stored session (default: true, false with
        ``ack: checkpoint``).
    buffer
        Capacity of the buffer between the network thread and the pipeline.
    max_records
        End the stream after this many messages (None: never).
    idle_seconds
        End the stream after this long without a message (None: never).
    keepalive
        Seconds between keep-alive pings.
    username, password
        Credentials (None: anonymous).
    broker_timeout_s
        How long the broker may be away before :class:`BrokerUnavailableError`.
    share_group
        The shared-subscription group for worker processes.
    name
        The source's name (default: the topic filters).
    """

    guarantee: ClassVar[str] = "at-most-once"

    def __init__(
        self,
        topics: str | Sequence[str],
        *,
        host: str = "localhost",
        port: int = 1883,
        qos: int = 1,
        ack: str = "receipt",
        client_id: str | None = None,
        clean_session: bool | None = None,
        buffer: int = 10_000,
        max_records: int | None = None,
        idle_seconds: float | None = None,
        keepalive: int = 30,
        username: str | None = None,
        password: str | None = None,
        broker_timeout_s: float = 120.0,
        share_group: str | None = None,
        name: str | None = None,
    ) -> None:
        self.topics = [topics] if isinstance(topics, str) else list(topics)
        if not self.topics or not all(isinstance(t, str) and t for t in self.topics):
            raise InvalidParameterError(f"topics must be a topic filter or a list of them. Got {topics!r}.")
        if qos not in (0, 1):
            raise InvalidParameterError(f"qos must be 0 or 1. Got {qos!r}.")
        if ack not in ACKS:
            raise InvalidParameterError(f"ack must be receipt or checkpoint. Got {ack!r}.")
        if ack == "checkpoint" and qos != 1:
            raise InvalidParameterError(
                "ack: checkpoint needs qos: 1 (QoS 0 messages are never acknowledged)."
            )
        if ack == "checkpoint" and not client_id:
            raise InvalidParameterError(
                "ack: checkpoint needs a fixed client_id: the broker keeps the unacknowledged messages "
                "in the session of that client and sends them again after a restart."
            )
        if broker_timeout_s <= 0:
            raise InvalidParameterError(f"broker_timeout_s must be > 0. Got {broker_timeout_s!r}.")
        self.host = host
        self.port = port
        self.qos = qos
        self.ack = ack
        self.client_id = client_id
        self.clean_session = (ack != "checkpoint") if clean_session is None else clean_session
        self.buffer_size = buffer
        self.max_records = max_records
        self.idle_seconds = idle_seconds
        self.keepalive = keepalive
        self.username = username
        self.password = password
        self.broker_timeout_s = float(broker_timeout_s)
        self.share_group = share_group
        self.name = name or ",".join(self.topics)
        self.guarantee = "at-least-once" if ack == "checkpoint" else "at-most-once"  # type: ignore[misc]
        self._client: Any = None
        self._buffer = BoundedBuffer(buffer)
        self._subscribed = threading.Event()
        self._outage = Outage("mqtt", f"{host}:{port}", self.broker_timeout_s)
        self._lock = threading.Lock()
        self._disconnected_at: float | None = None
        self._disconnect_reason = ""
        self._seq = 0
        self._unacked: collections.deque[tuple[int, int]] = collections.deque()  # (seq, mid)
        self._finished = False
        self._last_message = 0.0

    # -- paho callbacks (network thread) -------------------------------------------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            with self._lock:
                self._disconnect_reason = f"connection refused: {reason}"
            return
        client.subscribe([(self._filter(t), self.qos) for t in self.topics])

    def _on_subscribe(self, client: Any, userdata: Any, mid: Any, reasons: Any, properties: Any) -> None:
        bad = [str(r) for r in reasons if r.is_failure]
        with self._lock:
            if bad:
                self._disconnect_reason = f"subscription refused: {', '.join(bad)}"
                return
            self._disconnected_at = None
        self._subscribed.set()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self._subscribed.clear()
        with self._lock:
            if self._disconnected_at is None:
                self._disconnected_at = time.monotonic()
            self._disconnect_reason = f"disconnected: {reason}"

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        # ``offset`` carries the MQTT message id until next_batch numbers the message
        self._buffer.put(Message(msg.payload, msg.topic, 0, msg.mid, time.time()))

    def _filter(self, topic: str) -> str:
        return f"$share/{self.share_group}/{topic}" if self.share_group else topic

    # -- life cycle ----------------------------------------------------------------------------------
    def open(self, resume: dict[str, Any] | None) -> None:
        self.close()
        mqtt = import_paho()
        from paho.mqtt.enums import CallbackAPIVersion

        self._buffer = BoundedBuffer(self.buffer_size)
        self._subscribed.clear()
        self._outage = Outage("mqtt", f"{self.host}:{self.port}", self.broker_timeout_s)
        self._disconnected_at = None
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id or f"streamlearn-{uuid.uuid4().hex[:12]}",
            clean_session=self.clean_session,
            manual_ack=self.ack == "checkpoint",
        )
        if self.username is not None:
            client.username_pw_set(self.username, self.password)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        connect(client, self.host, self.port, self.keepalive, self._outage, self.name)
        client.loop_start()
        if not self._subscribed.wait(self.broker_timeout_s):
            reason = self._disconnect_reason or "no answer to the subscription"
            self.close()
            raise BrokerUnavailableError(
                f"{self.name}: cannot subscribe at {self.host}:{self.port}: {reason}"
            )
        self._seq = 0 if resume is None else int(resume.get("received", 0))
        self._unacked.clear()
        self._finished = False
        self._last_message = time.monotonic()
        log_event("mqtt_source_opened", source=self.name, topics=self.topics, resumed=resume is not None)

    def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._buffer.close()
            try:
                client.disconnect()
            finally:
                client.loop_stop()

    # -- reading ------------------------------------------------------------------------------------
    def _health(self) -> None:
        with self._lock:
            since, reason = self._disconnected_at, self._disconnect_reason
        if since is None:
            if self._outage.down:
                self._outage.ok(self.name)
            return
        if not self._outage.down:
            self._outage.trouble(reason)
            self._outage.since = since
        if self._outage.due():
            self._outage.failed(reason, self.name)

    def next_batch(self, max_records: int, timeout_s: float) -> MessageBatch | None:
        if self._client is None:
            raise DataError(f"The source {self.name} is not open.")
        if self._finished:
            return None
        want = max_records
        if self.max_records is not None:
            want = min(want, self.max_records - self._seq)
            if want <= 0:
                self._finished = True
                return None
        deadline = time.monotonic() + timeout_s
        got: list[Message] = []
        while True:
            self._health()
            left = deadline - time.monotonic()
            got += self._buffer.take(want - len(got), max(0.0, min(left, 0.5)))
            if len(got) >= want or time.monotonic() >= deadline:
                break
        n = len(got)
        now = time.monotonic()
        if not n:
            idle = self.idle_seconds
            if idle is not None and not self._outage.down and now - self._last_message >= idle:
                self._finished = True
                return None
            return MessageBatch.empty(self.name)
        self._last_message = now
        first = self._seq
        if self.ack == "checkpoint":
            self._unacked.extend((first + i, m.offset) for i, m in enumerate(got))
        self._seq += n
        return MessageBatch(
            offsets=np.arange(first, first + n, dtype=np.int64),
            partitions=np.zeros(n, dtype=np.int64),
            payloads=[m.payload for m in got],
            keys=[m.key for m in got],
            timestamps=np.array([m.timestamp for m in got], dtype=np.float64),
            origin=self.name,
        )

    def snapshot(self) -> dict[str, Any]:
        return {"received": self._seq}

    def commit(self, snapshot: dict[str, Any]) -> None:
        """Acknowledge (``ack: checkpoint``) the messages the durable checkpoint holds."""
        if self.ack != "checkpoint" or self._client is None:
            return
        upto = int(snapshot.get("received", 0))
        client = self._client
        while self._unacked and self._unacked[0][0] < upto:
            _, mid = self._unacked.popleft()
            client.ack(mid, self.qos)

    def lag(self) -> float | None:
        return float(len(self._buffer))

    def shard(self, index: int, count: int) -> Source:
        if not self.share_group:
            raise InvalidParameterError(
                f"{self.name}: MQTT workers need share_group (an MQTT 5 shared subscription), so that "
                "the broker hands each message to one worker."
            )
        return MQTTSource(
            self.topics,
            host=self.host,
            port=self.port,
            qos=self.qos,
            ack=self.ack,
            client_id=None if self.client_id is None else f"{self.client_id}-w{index}",
            clean_session=self.clean_session,
            buffer=self.buffer_size,
            max_records=self.max_records,
            idle_seconds=self.idle_seconds,
            keepalive=self.keepalive,
            username=self.username,
            password=self.password,
            broker_timeout_s=self.broker_timeout_s,
            share_group=self.share_group,
            name=f"{self.name}[{index}/{count}]",
        )


@register_source("mqtt")
def _mqtt_source(options: dict[str, Any], base_dir: Path | None = None, where: str = "source") -> Source:
    o = check_options(
        where,
        options,
        {
            "topics": Opt((str, list), check=name_or_names, description="a topic filter or a list of them"),
            "host": Opt(str, "localhost"),
            "port": Opt(int, 1883, positive, "a port number"),
            "qos": Opt(int, 1, lambda v: v in (0, 1), "0 or 1"),
            "ack": Opt(str, "receipt", lambda v: v in ACKS, "receipt or checkpoint"),
            "client_id": Opt(str, None),
            "clean_session": Opt(bool, None),
            "buffer": Opt(int, 10_000, positive, "an int >= 1"),
            "max_records": Opt(int, None, non_negative, "an int >= 0"),
            "idle_seconds": Opt((int, float), None, positive, "a number of seconds > 0"),
            "keepalive": Opt(int, 30, positive, "a number of seconds >= 1"),
            "username": Opt(str, None),
            "password": Opt(str, None),
            "broker_timeout_s": Opt((int, float), 120.0, positive, "a number of seconds > 0"),
            "share_group": Opt(str, None),
            "name": Opt(str, None),
        },
    )
    return construct(where, MQTTSource, o.pop("topics"), **o)
