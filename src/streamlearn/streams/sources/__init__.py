"""Live sources for the streaming runtime: memory, files, a watched directory, several readers, Kafka, MQTT.

Every source states its delivery guarantee (see :class:`Source` and the table
in :mod:`streamlearn.runtime`); more source types plug in with
:func:`register_source`.

:class:`~streamlearn.streams.sources.kafka.KafkaSource` (confluent-kafka) and
:class:`~streamlearn.streams.sources.mqtt.MQTTSource` (paho-mqtt) are
imported on first use: importing this package needs neither client, and
``from streamlearn.streams.sources import KafkaSource`` without confluent-kafka
raises :class:`ImportError` saying ``pip install 'streamlearn[kafka]'``
(``[mqtt]`` for paho-mqtt). They are in ``__all__`` when their client is
installed.
"""

from typing import TYPE_CHECKING

from streamlearn.streams.sources._optional import lazy_exports
from streamlearn.streams.sources.base import (
    SOURCE_TYPES,
    BoundedBuffer,
    Message,
    MessageBatch,
    Pacer,
    Source,
    register_source,
)
from streamlearn.streams.sources.files import DirectorySource, FileSource
from streamlearn.streams.sources.memory import InjectedCrash, MemorySource
from streamlearn.streams.sources.multi import MultiSource
from streamlearn.streams.sources.options import PipelineConfigError

if TYPE_CHECKING:
    from streamlearn.streams.sources.kafka import KafkaSource
    from streamlearn.streams.sources.mqtt import MQTTSource

__getattr__, __dir__, _present = lazy_exports(
    __name__,
    {
        "KafkaSource": ("streamlearn.streams.sources.kafka", "import_kafka", "confluent_kafka"),
        "MQTTSource": ("streamlearn.streams.sources.mqtt", "import_paho", "paho"),
    },
    globals(),
)

__all__ = [
    "SOURCE_TYPES",
    "BoundedBuffer",
    "DirectorySource",
    "FileSource",
    "InjectedCrash",
    "MemorySource",
    "Message",
    "MessageBatch",
    "MultiSource",
    "Pacer",
    "PipelineConfigError",
    "Source",
    "register_source",
]
if "KafkaSource" in _present:
    __all__ += ["KafkaSource"]
if "MQTTSource" in _present:
    __all__ += ["MQTTSource"]
