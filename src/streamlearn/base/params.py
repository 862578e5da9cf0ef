"""Declarative parameter checks shared by every learner.

A learner lists its rules in ``_param_rules``; ``Learner.__init__`` helpers
call :func:`validate` and a wrong value raises one message format:

>>> from streamlearn.base.params import Interval, validate
>>> validate("HT", {"grace_period": -3}, {"grace_period": Interval(int, 1, None)})
Traceback (most recent call last):
...
streamlearn.base.errors.InvalidParameterError: The 'grace_period' parameter of HT must be an int >= 1. Got -3.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from streamlearn.base.errors import InvalidParameterError


class Rule:
    """One condition on a parameter's value."""

    description = "valid"

    def ok(self, value: Any) -> bool:
        raise NotImplementedError

    def __or__(self, other: Rule) -> Rule:
        return AnyOf(self, other)


class Interval(Rule):
    """A number of type ``kind`` (int or float) within ``[low, high]``.

    ``open_low`` / ``open_high`` exclude the bounds.
    """

    def __init__(
        self,
        kind: type,
        low: float | None = None,
        high: float | None = None,
        open_low: bool = False,
        open_high: bool = False,
    ):
        self.kind, self.low, self.high = kind, low, high
        self.open_low, self.open_high = open_low, open_high
        name = "an int" if kind is int else "a number"
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if open_low else '>='} {low}")
        if high is not None:
            bounds.append(f"{'<' if open_high else '<='} {high}")
        self.description = name + (" " + " and ".join(bounds) if bounds else "")

    def ok(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if not isinstance(value, numbers.Real) or math.isnan(float(value)):
            return False
        v = float(value)
        if self.low is not None and (v <= self.low if self.open_low else v < self.low):
            return False
        return not (self.high is not None and (v >= self.high if self.open_high else v > self.high))


class OneOf(Rule):
    """One of a fixed set of values."""

    def __init__(self, *options: Any):
        self.options = options
        self.description = "one of " + ", ".join(repr(o) for o in options)

    def ok(self, value: Any) -> bool:
        return any(value == o and type(value) is type(o) for o in self.options)


class InstanceOf(Rule):
    """An instance of the given type(s)."""

    def __init__(self, *types: type, description: str | None = None):
        self.types = types
        self.description = description or "an instance of " + " or ".join(t.__name__ for t in types)

    def ok(self, value: Any) -> bool:
        return isinstance(value, self.types) and not (isinstance(value, bool) and bool not in self.types)


class Satisfies(Rule):
    """Any custom predicate, with its description."""

    def __init__(self, predicate: Callable[[Any], bool], description: str):
        self.predicate, self.description = predicate, description

    def ok(self, value: Any) -> bool:
        try:
            return bool(self.predicate(value))
        except Exception:
            return False


class AnyOf(Rule):
    """Either rule holds."""

    def __init__(self, *rules: Rule):
        self.rules = rules
        self.description = " or ".join(r.description for r in rules)

    def ok(self, value: Any) -> bool:
        return any(r.ok(value) for r in self.rules)


NONE = OneOf(None)
BOOL = InstanceOf(bool, description="a bool")
SEED = NONE | Interval(int, 0, None)


def validate(owner: str, params: Mapping[str, Any], rules: Mapping[str, Rule]) -> None:
    """Raise :class:`InvalidParameterError` for the first value that breaks its rule."""
    for name, rule in rules.items():
        if name in params and not rule.ok(params[name]):
            raise InvalidParameterError(
                f"The {name!r} parameter of {owner} must be {rule.description}. Got {params[name]!r}."
            )


def unknown_parameter_error(owner: str, name: str, known: Iterable[str]) -> InvalidParameterError:
    """The error for a parameter name a learner does not have."""
    known = sorted(known)
    return InvalidParameterError(
        f"{owner} has no parameter {name!r}. Its parameters are: {', '.join(known) or '(none)'}."
    )
