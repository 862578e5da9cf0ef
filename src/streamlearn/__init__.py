"""streamlearn: machine learning on data streams.

>>> import streamlearn
>>> from streamlearn.linear_model import LogisticRegression
>>> from streamlearn.preprocessing import StandardScaler
>>> model = StandardScaler() | LogisticRegression()
>>> model.learn_one({"bytes": 120.0, "port": 80.0}, False).predict_one({"bytes": 9e5, "port": 22.0})
False
"""

from streamlearn.base.errors import (
    DataError,
    InvalidParameterError,
    NotFittedError,
    PersistenceError,
    SchemaError,
    StreamlearnError,
    UnknownNameError,
)
from streamlearn.base.persistence import digest, load, save
from streamlearn.base.registry import make, register, registry
from streamlearn.base.schema import Schema

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "InvalidParameterError",
    "NotFittedError",
    "PersistenceError",
    "Schema",
    "SchemaError",
    "StreamlearnError",
    "UnknownNameError",
    "__version__",
    "digest",
    "load",
    "make",
    "register",
    "registry",
    "save",
]
