"""Seeded synthetic streams with concept drift.

Each generator is a :class:`~streamlearn.streams.dataset.Dataset`: same
``seed``, same rows, whatever the ``batch_size``; ``drifts=[(position,
concept, width)]`` changes the concept abruptly (width 0) or gradually
(sigmoid of that width), as MOA's ConceptDriftStream.

>>> from streamlearn.datasets.synth import SEA
>>> ds = SEA(n_rows=20_000, drifts=[(10_000, 2, 0)], seed=1)
>>> ds.n_rows, ds.drifts
(20000, [(10000, 2, 0)])
"""

from streamlearn.datasets.synth.agrawal import Agrawal
from streamlearn.datasets.synth.base import CHUNK, Synthetic
from streamlearn.datasets.synth.hyperplane import Hyperplane
from streamlearn.datasets.synth.rbf import RandomRBF
from streamlearn.datasets.synth.sea import SEA
from streamlearn.datasets.synth.sine import Sine
from streamlearn.datasets.synth.stagger import STAGGER

#: Generator classes by their data set name (``datasets.load("sea:1000")``).
GENERATORS: dict[str, type[Synthetic]] = {
    "sea": SEA,
    "hyperplane": Hyperplane,
    "rbf": RandomRBF,
    "agrawal": Agrawal,
    "stagger": STAGGER,
    "sine": Sine,
}

__all__ = ["CHUNK", "GENERATORS", "SEA", "STAGGER", "Agrawal", "Hyperplane", "RandomRBF", "Sine", "Synthetic"]
