"""Checking the options of a source or sink given in a pipeline file.

:func:`check_options` validates a mapping against a spec of :class:`Opt`
and fills defaults; every error is a :class:`PipelineConfigError` that names
the place in the file (``sinks.predictions[0].path``), what is wrong and
what would be right, with a suggestion for misspelt keys.

>>> spec = {"path": Opt(str), "rate": Opt((int, float), 0, lambda v: v >= 0, "a number >= 0")}
>>> check_options("source", {"path": "a.jsonl"}, spec)
{'path': 'a.jsonl', 'rate': 0}
>>> try:
...     check_options("source", {"path": "a.jsonl", "rat": 5}, spec)
... except PipelineConfigError as e:
...     print(e)
source: unknown option 'rat' (did you mean 'rate'?). Options: path, rate.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from streamlearn.base.errors import InvalidParameterError


class PipelineConfigError(InvalidParameterError):
    """A pipeline definition (YAML or Python) is invalid; the message says where and how to fix it."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
T = TypeVar("T")

_TYPE_NAMES = {str: "a string", int: "an int", float: "a number", bool: "true or false", list: "a list"}
_TYPE_NAMES[dict] = "a mapping"


@dataclass
class Opt:
    """One option: its type(s), default (``REQUIRED`` when it must be given), an extra check."""

    kind: type | tuple[type, ...]
    default: Any = REQUIRED
    check: Callable[[Any], bool] | None = None
    description: str | None = None

    def describe(self) -> str:
        if self.description:
            return self.description
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)

    def ok(self, value: Any) -> bool:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        if isinstance(value, bool) and bool not in kinds:
            return False
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            pass
        elif not isinstance(value, kinds):
            return False
        if self.check is not None:
            try:
                return bool(self.check(value))
            except Exception:
                return False
        return True


def suggest(name: str, known: list[str]) -> str:
    """`` (did you mean 'x'?)`` for a close match, else an empty string."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_options(where: str, options: Any, spec: Mapping[str, Opt]) -> dict[str, Any]:
    """``options`` checked against ``spec``, with defaults filled in."""
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise PipelineConfigError(f"{where}: expected a mapping of options. Got {options!r}.")
    known = list(spec)
    for key in options:
        if key not in spec:
            raise PipelineConfigError(
                f"{where}: unknown option {key!r}{suggest(str(key), known)}. Options: {', '.join(known)}."
            )
    out: dict[str, Any] = {}
    for key, opt in spec.items():
        if key not in options or (options[key] is None and opt.default is None):
            if opt.default is REQUIRED:
                raise PipelineConfigError(f"{where}: the option {key!r} is required ({opt.describe()}).")
            out[key] = opt.default
            continue
        value = options[key]
        if not opt.ok(value):
            raise PipelineConfigError(f"{where}.{key}: must be {opt.describe()}. Got {value!r}.")
        out[key] = value
    return out


def name_or_names(v: Any) -> bool:
    """A non-empty string, or a non-empty list of non-empty strings (topics, topic filters)."""
    return (isinstance(v, str) and bool(v)) or (bool(v) and all(isinstance(t, str) and t for t in v))


def construct(where: str, factory: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``factory(*args, **kwargs)``; an :class:`InvalidParameterError` it raises becomes a
    :class:`PipelineConfigError` that names the place in the file."""
    try:
        return factory(*args, **kwargs)
    except InvalidParameterError as e:
        raise PipelineConfigError(f"{where}: {e}") from None


def positive(v: Any) -> bool:
    return bool(v > 0)


def non_negative(v: Any) -> bool:
    return bool(v >= 0)


def config_path(value: str, base_dir: Path | None) -> Path:
    """A path option: ``~`` expanded; a relative path is taken from ``base_dir`` (the pipeline
    file's folder) when there is one."""
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() or base_dir is None else base_dir / p
