"""Sources of batches: file readers and the :class:`Dataset` they return.

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

__all__ = ["ArrayDataset", "Dataset", "read", "read_arff", "read_csv", "read_jsonl", "read_parquet"]
