"""The streamlearn exception tree.

Every error raised on purpose by streamlearn derives from
:class:`StreamlearnError` and also from the matching builtin, so callers may
catch either::

    StreamlearnError
     ├── InvalidParameterError (ValueError)  a constructor argument is wrong
     ├── NotFittedError (RuntimeError)       the learner has not learned yet
     ├── SchemaError (ValueError)            input shape/columns do not fit
     ├── UnknownNameError (KeyError)         unknown model / data set name
     ├── PersistenceError (ValueError)       a saved model cannot be read
     └── DataError (ValueError)              a file or record cannot be parsed

>>> from streamlearn.base.errors import InvalidParameterError
>>> issubclass(InvalidParameterError, ValueError)
True
"""

from __future__ import annotations


class StreamlearnError(Exception):
    """Root of every error streamlearn raises on purpose."""


class InvalidParameterError(StreamlearnError, ValueError):
    """A parameter given to a learner's constructor is invalid."""


class NotFittedError(StreamlearnError, RuntimeError):
    """An operation needs learned state that does not exist yet."""


class SchemaError(StreamlearnError, ValueError):
    """Input data does not fit what the learner expects (shape, columns, kinds)."""


class UnknownNameError(StreamlearnError, KeyError):
    """A name (model, data set, metric, parameter) is not known."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable.
        return str(self.args[0]) if self.args else ""


class PersistenceError(StreamlearnError, ValueError):
    """A saved model is corrupt, of an unknown class, or of another version."""


class DataError(StreamlearnError, ValueError):
    """A file or record cannot be read or parsed."""
