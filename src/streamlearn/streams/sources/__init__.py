"""Live sources for the streaming runtime: memory, files, a watched directory, several readers.

Every source states its delivery guarantee (see :class:`Source`); more source
types (Kafka, MQTT) plug in with :func:`register_source`.
"""

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
