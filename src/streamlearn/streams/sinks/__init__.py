"""Sinks for the streaming runtime: files (JSON Lines, CSV, Parquet), memory, standard output.

Every sink states its delivery guarantee (see :class:`Sink`); more sink types
(Kafka, MQTT) plug in with :func:`register_sink`.
"""

from streamlearn.streams.sinks.base import SINK_TYPES, Sink, encode_json_rows, encode_jsonl, register_sink
from streamlearn.streams.sinks.files import FileSink, ParquetSink
from streamlearn.streams.sinks.memory import MemorySink, StdoutSink

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
