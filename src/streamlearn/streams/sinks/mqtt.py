"""Predictions and alerts to an MQTT topic (paho-mqtt 2.x).

Each record becomes one JSON message
(:func:`~streamlearn.streams.sinks.base.encode_json_rows`) published to
``topic``. Delivery guarantee:

* ``qos: 1`` (default): **at-least-once**. :meth:`MQTTSink.flush` (before
  every checkpoint) waits until the broker acknowledged every message
  published so far, so a checkpoint never covers a message that could still
  be lost; after a crash the records since the last checkpoint are predicted
  and published again (duplicates: keep the last message per ``key``).
  While the broker is away paho keeps QoS 1 messages and sends them after
  reconnecting; ``flush`` waits for them up to ``broker_timeout_s``, then
  raises :class:`~streamlearn.streams.sources.kafka.BrokerUnavailableError`.
* ``qos: 0``: **at-most-once**: messages published while the connection is
  down are dropped (counted in ``dropped`` and logged as ``mqtt_dropped``).

At most ``max_unacknowledged`` messages are in flight: ``write`` waits for
acknowledgements beyond that (the client counts message ids in 16 bits).

>>> sink = MQTTSink("alerts/ids", host="127.0.0.1", qos=1)
>>> sink.guarantee, MQTTSink("alerts/ids", qos=0).guarantee
('at-least-once', 'at-most-once')
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams.sinks.base import Sink, encode_json_rows, register_sink
from streamlearn.streams.sources.kafka import BrokerUnavailableError, Outage, log_event
from streamlearn.streams.sources.mqtt import connect, import_paho
from streamlearn.streams.sources.options import Opt, check_options, construct, positive


class MQTTSink(Sink):
    """Records as JSON messages on an MQTT topic; see the module docstring for the guarantee.

    Parameters
    ----------
    topic
        The topic to publish to.
    host, port
        The broker.
    qos
        0 or 1.
    retain
        Publish with the retain flag (the broker keeps the last message for new subscribers).
    client_id
        The client identifier (default: a random one).
    keepalive
        Seconds between keep-alive pings.
    username, password
        Credentials (None: anonymous).
    broker_timeout_s
        How long :meth:`flush` waits for acknowledgements before it raises.
    max_unacknowledged
        Messages in flight at most before ``write`` waits.
    name
        The sink's name (default: the topic).
    """

    guarantee: ClassVar[str] = "at-least-once"

    def __init__(
        self,
        topic: str,
        *,
        host: str = "localhost",
        port: int = 1883,
        qos: int = 1,
        retain: bool = False,
        client_id: str | None = None,
        keepalive: int = 30,
        username: str | None = None,
        password: str | None = None,
        broker_timeout_s: float = 120.0,
        max_unacknowledged: int = 20_000,
        name: str | None = None,
    ) -> None:
        if not isinstance(topic, str) or not topic or "+" in topic or "#" in topic:
            raise InvalidParameterError(f"An MQTT sink needs a topic name without wildcards. Got {topic!r}.")
        if qos not in (0, 1):
            raise InvalidParameterError(f"qos must be 0 or 1. Got {qos!r}.")
        if broker_timeout_s <= 0:
            raise InvalidParameterError(f"broker_timeout_s must be > 0. Got {broker_timeout_s!r}.")
        if not 1 <= max_unacknowledged <= 60_000:
            raise InvalidParameterError(
                f"max_unacknowledged must be in [1, 60000]. Got {max_unacknowledged!r}."
            )
        self.topic = topic
        self.host = host
        self.port = port
        self.qos = qos
        self.retain = retain
        self.client_id = client_id
        self.keepalive = keepalive
        self.username = username
        self.password = password
        self.broker_timeout_s = float(broker_timeout_s)
        self.max_unacknowledged = max_unacknowledged
        self.name = name or topic
        self.guarantee = "at-least-once" if qos == 1 else "at-most-once"  # type: ignore[misc]
        self._client: Any = None
        self._cond = threading.Condition()
        self.sent = 0
        self.acked = 0
        self.dropped = 0

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        with self._cond:
            self.acked += 1
            self._cond.notify_all()

    def open(self, resume: dict[str, Any] | None) -> None:
        self.close()
        mqtt = import_paho()
        from paho.mqtt.enums import CallbackAPIVersion

        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id or f"streamlearn-{uuid.uuid4().hex[:12]}"
        )
        if self.username is not None:
            client.username_pw_set(self.username, self.password)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.on_publish = self._on_publish
        self._client = client
        self.sent = self.acked = self.dropped = 0
        connect(
            client,
            self.host,
            self.port,
            self.keepalive,
            Outage("mqtt", f"{self.host}:{self.port}", self.broker_timeout_s),
            self.name,
        )
        client.loop_start()

    def write(self, batch: pa.RecordBatch) -> None:
        if self._client is None:
            raise DataError(f"The sink {self.name} is not open.")
        if not batch.num_rows:
            return
        import paho.mqtt.client as mqtt

        publish = self._client.publish
        topic, qos, retain = self.topic, self.qos, self.retain
        dropped = 0
        for value in encode_json_rows(batch):
            if self.sent - self.acked >= self.max_unacknowledged:
                self._wait(self.sent - self.max_unacknowledged // 2)
            info = publish(topic, value, qos, retain)
            if info.rc == mqtt.MQTT_ERR_SUCCESS or (qos > 0 and info.rc == mqtt.MQTT_ERR_NO_CONN):
                self.sent += 1  # QoS 1 while disconnected: paho keeps it and sends it on reconnect
            else:
                dropped += 1
        if dropped:
            self.dropped += dropped
            log_event("mqtt_dropped", logging.WARNING, sink=self.name, messages=dropped)

    def _wait(self, target: int) -> None:
        """Wait until at least ``target`` messages are acknowledged (bounded by broker_timeout_s)."""
        t0 = time.monotonic()
        logged = 0.0
        with self._cond:
            while self.acked < target:
                waited = time.monotonic() - t0
                if waited > self.broker_timeout_s:
                    raise BrokerUnavailableError(
                        f"{self.name}: {self.sent - self.acked} messages were not acknowledged by the "
                        f"broker at {self.host}:{self.port} within {self.broker_timeout_s:g} s."
                    )
                if waited - logged >= 2.0:
                    logged = waited
                    log_event(
                        "mqtt_broker_waiting",
                        logging.WARNING,
                        sink=self.name,
                        broker=f"{self.host}:{self.port}",
                        unacknowledged=self.sent - self.acked,
                        waited_s=round(waited, 3),
                    )
                self._cond.wait(0.5)
        if logged:
            log_event("mqtt_broker_back", sink=self.name, broker=f"{self.host}:{self.port}")

    def flush(self) -> None:
        """Wait until the broker acknowledged every message published so far (bounded)."""
        if self._client is not None:
            self._wait(self.sent)

    def snapshot(self) -> dict[str, Any]:
        return {"acknowledged": self.acked}

    def shard(self, index: int, count: int) -> Sink:
        return MQTTSink(
            self.topic,
            host=self.host,
            port=self.port,
            qos=self.qos,
            retain=self.retain,
            client_id=None if self.client_id is None else f"{self.client_id}-w{index}",
            keepalive=self.keepalive,
            username=self.username,
            password=self.password,
            broker_timeout_s=self.broker_timeout_s,
            max_unacknowledged=self.max_unacknowledged,
            name=f"{self.name}[{index}]",
        )

    def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                with self._cond:
                    self._cond.wait_for(lambda: self.acked >= self.sent, min(5.0, self.broker_timeout_s))
                client.disconnect()
            finally:
                client.loop_stop()


@register_sink("mqtt")
def _mqtt_sink(options: dict[str, Any], base_dir: Path | None = None, where: str = "sink") -> Sink:
    o = check_options(
        where,
        options,
        {
            "topic": Opt(str, check=lambda v: bool(v), description="a topic name"),
            "host": Opt(str, "localhost"),
            "port": Opt(int, 1883, positive, "a port number"),
            "qos": Opt(int, 1, lambda v: v in (0, 1), "0 or 1"),
            "retain": Opt(bool, False),
            "client_id": Opt(str, None),
            "keepalive": Opt(int, 30, positive, "a number of seconds >= 1"),
            "username": Opt(str, None),
            "password": Opt(str, None),
            "broker_timeout_s": Opt((int, float), 120.0, positive, "a number of seconds > 0"),
            "max_unacknowledged": Opt(int, 20_000, lambda v: 1 <= v <= 60_000, "an int in [1, 60000]"),
            "name": Opt(str, None),
        },
    )
    return construct(where, MQTTSink, o.pop("topic"), **o)
