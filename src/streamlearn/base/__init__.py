"""Contracts every streamlearn learner follows: learners, schemas, errors, persistence."""

from streamlearn.base.errors import (
    DataError,
    InvalidParameterError,
    NotFittedError,
    PersistenceError,
    SchemaError,
    StreamlearnError,
    UnknownNameError,
)
from streamlearn.base.learner import (
    AnomalyDetector,
    Classifier,
    Clusterer,
    DriftDetector,
    Learner,
    Regressor,
    Transformer,
)
from streamlearn.base.schema import CAT, NUM, Schema, as_matrix

__all__ = [
    "CAT",
    "NUM",
    "AnomalyDetector",
    "Classifier",
    "Clusterer",
    "DataError",
    "DriftDetector",
    "InvalidParameterError",
    "Learner",
    "NotFittedError",
    "PersistenceError",
    "Regressor",
    "Schema",
    "SchemaError",
    "StreamlearnError",
    "Transformer",
    "UnknownNameError",
    "as_matrix",
]
