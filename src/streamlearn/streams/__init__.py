"""Sources of batches: file readers and the :class:`Dataset` they return; live sources and sinks.

The readers (``read_csv``, ...) give re-iterable :class:`Dataset` objects for
evaluation; :mod:`streamlearn.streams.sources` and
:mod:`streamlearn.streams.sinks` hold the live sources and sinks of the
streaming runtime (:mod:`streamlearn.runtime`).

>>> from streamlearn.streams import read
>>> callable(read)
True
"""

from streamlearn.streams.arff import read_arff
from streamlearn.streams.csv_reader import read_csv
from streamlearn.streams.dataset import ArrayDataset, Dataset
from streamlearn.streams.jsonl import read_jsonl
from streamlearn.streams.parquet import read_parquet
from streamlearn.streams.read import read
from streamlearn.streams.sinks import FileSink, MemorySink, ParquetSink, Sink, StdoutSink
from streamlearn.streams.sources import (
    DirectorySource,
    FileSource,
    MemorySource,
    Message,
    MessageBatch,
    MultiSource,
    Source,
)

__all__ = [
    "ArrayDataset",
    "Dataset",
    "DirectorySource",
    "FileSink",
    "FileSource",
    "MemorySink",
    "MemorySource",
    "Message",
    "MessageBatch",
    "MultiSource",
    "ParquetSink",
    "Sink",
    "Source",
    "StdoutSink",
    "read",
    "read_arff",
    "read_csv",
    "read_jsonl",
    "read_parquet",
]
