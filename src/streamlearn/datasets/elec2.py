"""Elec2: the NSW electricity market stream (MOA's normalised ``elecNormNew.arff``).

45,312 rows in time order (7 May 1996 - 5 December 1998, one every 30
minutes); eight features - ``date``, ``day`` (categorical, 1-7), ``period``,
``nswprice``, ``nswdemand``, ``vicprice``, ``vicdemand``, ``transfer`` -
and the target ``class``: whether the price went ``"UP"`` or ``"DOWN"``
(19,237 UP, 26,075 DOWN).

Reference: M. Harries. SPLICE-2 comparative evaluation: Electricity pricing.
Technical report, University of New South Wales, 1999.
"""

from __future__ import annotations

from streamlearn.datasets.base import data_file
from streamlearn.streams.arff import read_arff
from streamlearn.streams.dataset import Dataset


def elec2(batch_size: int = 1000) -> Dataset:
    """The Elec2 stream from ``$STREAMLEARN_DATA/elec2/elecNormNew.arff`` (target ``"class"``)."""
    return read_arff(
        data_file("elec2", "elecNormNew.arff"), target="class", batch_size=batch_size, name="elec2"
    )
