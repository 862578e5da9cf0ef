"""Data sets: real streams (Elec2, NSL-KDD, NAB), a bundled demo sample, drifting generators.

Everything here returns a :class:`~streamlearn.streams.dataset.Dataset`: an
iterable of :class:`~streamlearn.base.batch.Batch` objects that re-opens its
source on every iteration. Real data sets are read from
``$STREAMLEARN_DATA`` (see :func:`data_dir`).

>>> from streamlearn import datasets
>>> ds = datasets.load("stagger:3000", batch_size=1000)
>>> [len(b) for b in ds]
[1000, 1000, 1000]
"""

from streamlearn.datasets.base import ENV, data_dir, data_file
from streamlearn.datasets.catalog import load, names
from streamlearn.datasets.demo import demo
from streamlearn.datasets.elec2 import elec2
from streamlearn.datasets.nab import nab, nab_series
from streamlearn.datasets.nsl_kdd import nsl_kdd
from streamlearn.datasets.synth import SEA, STAGGER, Agrawal, Hyperplane, RandomRBF, Sine
from streamlearn.streams.dataset import ArrayDataset, Dataset

__all__ = [
    "ENV",
    "SEA",
    "STAGGER",
    "Agrawal",
    "ArrayDataset",
    "Dataset",
    "Hyperplane",
    "RandomRBF",
    "Sine",
    "data_dir",
    "data_file",
    "demo",
    "elec2",
    "load",
    "nab",
    "nab_series",
    "names",
    "nsl_kdd",
]
