"""Concept-drift detectors, and a classifier wrapper that retrains on drift.

Every detector takes a stream of numbers with ``update(value) -> bool`` or
``update_many(values) -> positions`` (one compiled loop; identical to a loop
of ``update``), and exposes ``drift_detected`` / ``warning_detected`` for
the last value. Error-rate detectors (DDM, EDDM, HDDM_A, HDDM_W) take values
in ``[0, 1]``; ADWIN, PageHinkley and KSWIN take any real values. Missing
values (NaN, ``None``, ``±inf``) are skipped: they change nothing, report
neither drift nor warning and are counted in ``n_missing_``.

``DriftRetrainClassifier`` feeds a classifier's 0/1 errors to a detector
and replaces the model when they drift.

>>> import numpy as np
>>> from streamlearn.drift import ADWIN
>>> values = np.r_[np.full(500, 0.1), np.full(500, 0.9)]
>>> ADWIN().update_many(values)  # found at 511, then the window is trimmed twice more
array([511, 543, 607])
"""

from streamlearn.drift._base import BaseDriftDetector
from streamlearn.drift.adwin import ADWIN
from streamlearn.drift.ddm import DDM
from streamlearn.drift.eddm import EDDM
from streamlearn.drift.hddm_a import HDDM_A
from streamlearn.drift.hddm_w import HDDM_W
from streamlearn.drift.kswin import KSWIN
from streamlearn.drift.page_hinkley import PageHinkley
from streamlearn.drift.retrain import DriftRetrainClassifier

__all__ = [
    "ADWIN",
    "DDM",
    "EDDM",
    "HDDM_A",
    "HDDM_W",
    "KSWIN",
    "BaseDriftDetector",
    "DriftRetrainClassifier",
    "PageHinkley",
]
