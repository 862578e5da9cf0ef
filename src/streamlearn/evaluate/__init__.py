"""Prequential (test-then-train) evaluation with delayed and missing labels, and its report.

>>> from streamlearn.evaluate import prequential, PrequentialReport
"""

from streamlearn.evaluate.prequential import prequential
from streamlearn.evaluate.report import PrequentialReport

__all__ = ["PrequentialReport", "prequential"]
