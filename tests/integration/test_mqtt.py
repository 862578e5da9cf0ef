"""MQTT source and sink against a real mosquitto broker (started by the fixtures).

* MQTT -> scaler, one-hot encoder and LogisticRegression -> MQTT, defined in
  YAML: the predictions received on the output topic equal those of the same
  pipeline over the same records in memory.
* ``ack: checkpoint`` (QoS 1, persistent session): a process that took 300
  messages, acknowledged the first 200 (its checkpoint) and was killed with
  SIGKILL loses nothing: a new source with the same client id receives
  messages 200.. again, and those published while no one was connected.
* The broker stopped and started again: the source waits (empty batches, no
  error), reconnects and subscribes again by itself, and receives what is
  published afterwards (mosquitto runs without persistence here, so what was
  published while it was down is gone: that part is not tested).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("paho.mqtt", reason="paho-mqtt is missing: pip install -e '.[dev]'")

from streamlearn.base.errors import InvalidParameterError
from streamlearn.runtime import RecordSchema, StreamPipeline, pipeline_from_dict
from streamlearn.runtime.config import build_model
from streamlearn.streams.sinks import MemorySink
from streamlearn.streams.sources import MemorySource, PipelineConfigError
from streamlearn.streams.sources.mqtt import MQTTSource

MODEL = {"name": "logistic_regression", "params": {"lr": 0.05}}


def _records(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        x = [round(rng.gauss(0, 1), 4) for _ in range(3)]
        rec = {"id": i, "a": x[0], "b": x[1], "c": x[2], "proto": rng.choice(["tcp", "udp"])}
        rec["y"] = x[0] - 0.5 * x[1] + x[2] > 0
        out.append(json.dumps(rec).encode())
    return out


class _Client:
    """A plain paho client for the test side: publishes, or collects the messages of a topic."""

    def __init__(self, port: int, topic: str | None = None) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.messages: list[bytes] = []
        self.subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.on_message = lambda c, u, m: self.messages.append(bytes(m.payload))
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if topic is not None:
            self.client.subscribe(topic, 1)
            assert self.subscribed.wait(10)

    def publish(self, topic: str, payloads: list[bytes]) -> None:
        infos = []
        for i, p in enumerate(payloads):
            infos.append(self.client.publish(topic, p, 1))
            if i % 10_000 == 9_999:
                infos[-1].wait_for_publish(30)
        for info in infos:
            info.wait_for_publish(30)

    def wait_for(self, n: int, timeout: float = 20.0) -> list[bytes]:
        t0 = time.monotonic()
        while len(self.messages) < n and time.monotonic() - t0 < timeout:
            time.sleep(0.02)
        return list(self.messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_yaml_options_are_checked_without_a_broker():
    spec: dict[str, Any] = {
        "source": {"type": "mqtt", "topics": "a/#", "qos": 2},
        "model": {"name": "gaussian_nb"},
    }
    with pytest.raises(PipelineConfigError, match=r"source\.qos: must be 0 or 1"):
        pipeline_from_dict(spec)
    spec = {
        "source": {"type": "mqtt", "topics": "a/#", "ack": "checkpoint"},
        "model": {"name": "gaussian_nb"},
    }
    with pytest.raises(PipelineConfigError, match="needs a fixed client_id"):
        pipeline_from_dict(spec)
    spec = {
        "source": {"type": "mqtt", "topics": ["a/#", "b"], "ack": "checkpoint", "client_id": "ids"},
        "model": {"name": "gaussian_nb"},
        "sinks": {"predictions": {"type": "mqtt", "topic": "out", "qos": 0}},
    }
    pipe = pipeline_from_dict(spec)
    assert pipe.source.guarantee == "at-least-once" and pipe.sinks[0].guarantee == "at-most-once"
    with pytest.raises(InvalidParameterError, match="share_group"):
        pipe.source.shard(0, 2)


def test_mqtt_to_model_to_mqtt(mosquitto: Any, uid: Any):
    inp, out = uid("in"), uid("out")
    records = _records(2000, seed=1)
    server = {"host": "127.0.0.1", "port": mosquitto.port}
    spec = {
        "source": {"type": "mqtt", "topics": f"{inp}/#", "qos": 1, "max_records": len(records), **server},
        "schema": {"label": "y", "key": "id"},
        "model": MODEL,
        "metrics": ["accuracy", "log_loss"],
        "batch": {"max_records": 500, "max_seconds": 0.05},
        "sinks": {"predictions": {"type": "mqtt", "topic": out, "qos": 1, **server}},
    }
    pipe = pipeline_from_dict(spec)
    reader = _Client(mosquitto.port, out)
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.setdefault("summary", pipe.run()), daemon=True)
    thread.start()
    t0 = time.monotonic()  # publish once the pipeline subscribed (open() returns after the SUBACK)
    while not getattr(pipe.source, "_subscribed").is_set() and time.monotonic() - t0 < 20:  # noqa: B009
        time.sleep(0.01)
    writer = _Client(mosquitto.port)
    writer.publish(f"{inp}/flows", records)
    thread.join(60)
    assert not thread.is_alive(), "the pipeline did not finish"
    summary = result["summary"]
    got = [json.loads(p) for p in reader.wait_for(len(records))]
    reader.close()
    writer.close()

    preds = MemorySink()
    expected = StreamPipeline(
        MemorySource(records),
        build_model(MODEL),
        schema=RecordSchema(label="y", key="id"),
        sinks=[preds],
        metrics=["accuracy", "log_loss"],
    ).run()
    assert summary.records_in == len(records)
    assert summary.model_sha256 == expected.model_sha256
    assert summary.metrics == pytest.approx(expected.metrics, rel=1e-12)
    assert summary.metrics["accuracy"] > 0.9
    assert got == preds.rows  # every prediction, in order, as the model made it record by record


_CRASHING_READER = """
import json, os, signal, sys
from streamlearn.streams.sources.mqtt import MQTTSource
port, topic, client_id = int(sys.argv[1]), sys.argv[2], sys.argv[3]
src = MQTTSource(topic, host="127.0.0.1", port=port, qos=1, ack="checkpoint", client_id=client_id)
src.open(None)
print("subscribed", flush=True)
seen, snap = [], None
while len(seen) < 300:
    batch = src.next_batch(300 - len(seen), 5.0)
    seen += [json.loads(batch.payload(i))["id"] for i in range(len(batch))]
    if len(seen) >= 200 and snap is None:
        snap = {"received": 200}
src.commit(snap)  # the checkpoint holding the first 200 messages is durable: acknowledge them
import time; time.sleep(0.3)
print(json.dumps({"seen": seen, "snapshot": snap}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_ack_on_checkpoint_survives_sigkill(mosquitto: Any, uid: Any, tmp_path: Path):
    topic, client_id = uid("in"), uid("reader")
    records = [json.dumps({"id": i}).encode() for i in range(1000)]
    script = tmp_path / "reader.py"
    script.write_text(textwrap.dedent(_CRASHING_READER))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(mosquitto.port), topic, client_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "subscribed", proc.stderr.read() if proc.stderr else ""
    writer = _Client(mosquitto.port)
    writer.publish(topic, records[:400])
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == -9, stderr
    first = json.loads(stdout.splitlines()[-1])
    assert first["seen"][:300] == list(range(300))
    writer.publish(topic, records[400:])  # while no reader is connected: kept in the session

    src = MQTTSource(
        topic, host="127.0.0.1", port=mosquitto.port, qos=1, ack="checkpoint", client_id=client_id
    )
    src.open(first["snapshot"])
    ids: list[int] = []
    offsets: list[int] = []
    t0 = time.monotonic()
    while len(ids) < 800 and time.monotonic() - t0 < 20:
        batch = src.next_batch(800 - len(ids), 0.5)
        assert batch is not None
        ids += [json.loads(batch.payload(i))["id"] for i in range(len(batch))]  # type: ignore[arg-type]
        offsets += batch.offsets.tolist()
    src.commit(src.snapshot())
    extra = src.next_batch(10, 0.3)  # nothing more: the first 200 were acknowledged before the crash
    src.close()
    writer.close()
    assert ids == list(range(200, 1000))  # nothing lost, in order, the unacknowledged ones again
    assert offsets == list(range(200, 1000))  # offsets continue from the checkpoint
    assert extra is not None and len(extra) == 0


def test_source_reconnects_after_a_broker_restart(mosquitto_private: Any, uid: Any):
    broker = mosquitto_private
    topic = uid("in")
    src = MQTTSource(topic, host="127.0.0.1", port=broker.port, qos=1, broker_timeout_s=30)
    src.open(None)
    writer = _Client(broker.port)
    writer.publish(topic, [json.dumps({"id": i}).encode() for i in range(100)])
    writer.close()

    def take(n: int) -> list[int]:
        ids: list[int] = []
        t0 = time.monotonic()
        while len(ids) < n and time.monotonic() - t0 < 20:
            batch = src.next_batch(n - len(ids), 0.2)
            assert batch is not None
            ids += [json.loads(batch.payload(i))["id"] for i in range(len(batch))]  # type: ignore[arg-type]
        return ids

    assert take(100) == list(range(100))
    broker.stop()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.0:  # the broker is away: empty batches, no error
        batch = src.next_batch(10, 0.2)
        assert batch is not None and len(batch) == 0
    broker.start()  # same port
    assert src._subscribed.wait(20), "the source did not subscribe again"
    writer = _Client(broker.port)
    writer.publish(topic, [json.dumps({"id": i}).encode() for i in range(100, 200)])
    writer.close()
    assert take(100) == list(range(100, 200))
    assert src.snapshot() == {"received": 200}
    src.close()
