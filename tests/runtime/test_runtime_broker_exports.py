"""Kafka and MQTT classes: exported (lazily) by the sources and sinks packages, reached from YAML.

No broker is needed: building a pipeline connects to nothing (the integration tests in
``tests/integration`` run them against real brokers).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import streamlearn.streams.sinks as sinks
import streamlearn.streams.sources as sources
from streamlearn.runtime import load_pipeline, pipeline_from_dict

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pipelines"

EXPORTS = [
    (sources, "KafkaSource", "streamlearn.streams.sources.kafka", "confluent_kafka"),
    (sources, "MQTTSource", "streamlearn.streams.sources.mqtt", "paho.mqtt"),
    (sinks, "KafkaSink", "streamlearn.streams.sinks.kafka", "confluent_kafka"),
    (sinks, "MQTTSink", "streamlearn.streams.sinks.mqtt", "paho.mqtt"),
]


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(("package", "name", "module", "client"), EXPORTS)
def test_broker_classes_are_exported(package, name, module, client):
    pytest.importorskip(client)
    cls = getattr(package, name)
    assert cls is getattr(importlib.import_module(module), name)
    assert name in package.__all__ and name in dir(package)
    namespace: dict[str, object] = {}
    exec(f"from {package.__name__} import {name}", namespace)
    assert namespace[name] is cls
    with pytest.raises(AttributeError, match="has no attribute 'KafkaSauce'"):
        package.KafkaSauce  # noqa: B018


def test_yaml_reaches_them_by_their_type_names():
    pytest.importorskip("confluent_kafka")
    pytest.importorskip("paho.mqtt")
    spec = {
        "source": {
            "type": "kafka",
            "topics": ["a", "b"],
            "bootstrap_servers": "127.0.0.1:1",
            "group_id": "g",
        },
        "labels": {"type": "mqtt", "topics": "labels/#", "host": "127.0.0.1", "port": 1},
        "schema": {"label": "y", "key": "id"},
        "model": {"name": "gaussian_nb"},
        "sinks": {
            "predictions": [
                {"type": "kafka", "topic": "preds", "key": "key"},
                {"type": "mqtt", "topic": "p", "qos": 0},
            ],
            "dead_letters": {"type": "kafka", "topic": "dead"},
        },
    }
    pipe = pipeline_from_dict(spec)
    assert type(pipe.source) is sources.KafkaSource and pipe.source.topics == ["a", "b"]
    assert type(pipe.labels) is sources.MQTTSource and pipe.labels.topics == ["labels/#"]
    assert [type(s) for s in pipe.sinks] == [sinks.KafkaSink, sinks.MQTTSink]
    assert type(pipe.dead_letters) is sinks.KafkaSink and pipe.dead_letters.topic == "dead"
    assert pipe.source.guarantee == "exactly-once" and pipe.labels.guarantee == "at-most-once"
    assert [s.guarantee for s in pipe.sinks] == ["at-least-once", "at-most-once"]
    assert sources.SOURCE_TYPES["kafka"] is not None and sinks.SINK_TYPES["mqtt"] is not None


def test_shipped_broker_examples_build_without_connecting():
    pytest.importorskip("confluent_kafka")
    pytest.importorskip("paho.mqtt")
    kafka = load_pipeline(EXAMPLES / "kafka.yaml")
    assert type(kafka.source) is sources.KafkaSource and kafka.source.bootstrap_servers == "127.0.0.1:9092"
    assert type(kafka.sinks[0]) is sinks.KafkaSink and kafka.sinks[0].topic == "flow-predictions"
    assert type(kafka.dead_letters) is sinks.KafkaSink and kafka.dead_letters.topic == "flow-dead-letters"
    mqtt = load_pipeline(EXAMPLES / "mqtt.yaml")
    assert type(mqtt.source) is sources.MQTTSource
    assert (mqtt.source.ack, mqtt.source.client_id, mqtt.source.clean_session) == (
        "checkpoint",
        "streamlearn-flows",
        False,
    )
    assert (
        mqtt.source.guarantee == "at-least-once" and mqtt.checkpoint_dir == EXAMPLES / "out/mqtt/checkpoints"
    )
    assert type(mqtt.sinks[0]) is sinks.MQTTSink and mqtt.sinks[0].guarantee == "at-least-once"


def test_importing_the_packages_imports_no_client():
    out = _python(
        """
import sys, json
import streamlearn.streams.sources, streamlearn.streams.sinks
names = ("confluent_kafka", "paho", "streamlearn.streams.sources.kafka", "streamlearn.streams.sources.mqtt",
         "streamlearn.streams.sinks.kafka", "streamlearn.streams.sinks.mqtt")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(names))))
"""
    )
    assert json.loads(out) == []


def test_without_the_clients_the_import_names_the_extra():
    # None in sys.modules makes ``import confluent_kafka`` (and paho) fail as if not installed
    out = _python(
        """
import sys, json
for m in ("confluent_kafka", "paho", "paho.mqtt", "paho.mqtt.client", "paho.mqtt.enums"):
    sys.modules[m] = None
import streamlearn.streams.sources as so, streamlearn.streams.sinks as si
from streamlearn.streams.sources import *
from streamlearn.streams.sinks import *
out = {"all": [n for n in so.__all__ + si.__all__ if "Kafka" in n or "MQTT" in n]}
for pkg, name in ((so, "KafkaSource"), (so, "MQTTSource"), (si, "KafkaSink"), (si, "MQTTSink")):
    try:
        exec(f"from {pkg.__name__} import {name}")
    except ImportError as e:
        out[name] = str(e)
from streamlearn.runtime import pipeline_from_dict
spec = {"source": {"type": "kafka", "topics": "t"}, "model": {"name": "gaussian_nb"},
        "sinks": {"predictions": {"type": "mqtt", "topic": "p"}}}
p = pipeline_from_dict(spec)
out["yaml"] = [type(p.source).__name__, type(p.sinks[0]).__name__]
try:
    p.source.open(None)
except Exception as e:
    out["open"] = str(e)
print(json.dumps(out))
"""
    )
    got = json.loads(out)
    assert got["all"] == []
    kafka = "need confluent-kafka: pip install 'streamlearn[kafka]'."
    mqtt = "need paho-mqtt 2.x: pip install 'streamlearn[mqtt]'."
    assert got["KafkaSource"] == f"streamlearn.streams.sources.KafkaSource: The Kafka source and sink {kafka}"
    assert got["KafkaSink"] == f"streamlearn.streams.sinks.KafkaSink: The Kafka source and sink {kafka}"
    assert got["MQTTSource"] == f"streamlearn.streams.sources.MQTTSource: The MQTT source and sink {mqtt}"
    assert got["MQTTSink"] == f"streamlearn.streams.sinks.MQTTSink: The MQTT source and sink {mqtt}"
    # pipeline files still reach the classes by their type names; opening says what to install
    assert got["yaml"] == ["KafkaSource", "MQTTSink"]
    assert got["open"] == f"The Kafka source and sink {kafka}"
