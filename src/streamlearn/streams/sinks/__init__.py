"""Sinks for the streaming runtime: files (JSON Lines, CSV, Parquet), memory, standard output, Kafka, MQTT.

Every sink states its delivery guarantee (see :class:`Sink` and the table in
:mod:`streamlearn.runtime`); more sink types plug in with :func:`register_sink`.

:class:`~streamlearn.streams.sinks.kafka.KafkaSink` (confluent-kafka) and
:class:`~streamlearn.streams.sinks.mqtt.MQTTSink` (paho-mqtt) are imported
on first use: importing this package needs neither client, and
``from streamlearn.streams.sinks import KafkaSink`` without confluent-kafka
raises :class:`ImportError` saying ``pip install 'streamlearn[kafka]'``
(``[mqtt]`` for paho-mqtt). They are in ``__all__`` when their client is
installed.
"""

from typing import TYPE_CHECKING

from streamlearn.streams.sinks.base import SINK_TYPES, Sink, encode_json_rows, encode_jsonl, register_sink
from streamlearn.streams.sinks.files import FileSink, ParquetSink
from streamlearn.streams.sinks.memory import MemorySink, StdoutSink
from streamlearn.streams.sources._optional import lazy_exports

if TYPE_CHECKING:
    from streamlearn.streams.sinks.kafka import KafkaSink
    from streamlearn.streams.sinks.mqtt import MQTTSink

__getattr__, __dir__, _present = lazy_exports(
    __name__,
    {
        "KafkaSink": ("streamlearn.streams.sinks.kafka", "import_kafka", "confluent_kafka"),
        "MQTTSink": ("streamlearn.streams.sinks.mqtt", "import_paho", "paho"),
    },
    globals(),
)

__all__ = [
    "SINK_TYPES",
    "FileSink",
    "MemorySink",
    "ParquetSink",
    "Sink",
    "StdoutSink",
    "encode_json_rows",
    "encode_jsonl",
    "register_sink",
]
if "KafkaSink" in _present:
    __all__ += ["KafkaSink"]
if "MQTTSink" in _present:
    __all__ += ["MQTTSink"]
