"""The registry of learners by name.

Classes register themselves with :func:`register`; ``make`` builds one by
name with checked parameters; persistence loads only registered classes; the
check suite runs over every entry.

>>> from streamlearn.base.registry import make
>>> make("gaussian_nb")
GaussianNB()
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from streamlearn.base.errors import UnknownNameError

if TYPE_CHECKING:
    from streamlearn.base.learner import Learner

T = TypeVar("T", bound=type)

_REGISTRY: dict[str, type[Learner]] = {}

# Modules whose import registers the built-in learners.
_BUILTIN_MODULES = (
    "streamlearn.compose",
    "streamlearn.preprocessing",
    "streamlearn.linear_model",
    "streamlearn.naive_bayes",
    "streamlearn.cluster",
    "streamlearn.drift",
    "streamlearn.tree",
    "streamlearn.ensemble",
    "streamlearn.time_series",
    "streamlearn.nn",  # imports no torch: torch is loaded when a torch learner is built
)


def snake_case(name: str) -> str:
    """``GaussianNB`` -> ``gaussian_nb``; ``LogisticRegression`` -> ``logistic_regression``."""
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s)
    return s.lower()


def register(name: str | None = None) -> Callable[[T], T]:
    """Class decorator: add a learner to the registry (name defaults to snake case)."""

    def deco(cls: T) -> T:
        key = name or snake_case(cls.__name__)
        if key in _REGISTRY and _REGISTRY[key] is not cls:
            raise RuntimeError(f"Two learners registered as {key!r}: {_REGISTRY[key]} and {cls}.")
        _REGISTRY[key] = cls  # type: ignore[assignment]
        cls.registry_name = key  # type: ignore[attr-defined]
        return cls

    return deco


def _load_builtins() -> None:
    for mod in _BUILTIN_MODULES:
        importlib.import_module(mod)


def registry() -> dict[str, type[Learner]]:
    """All registered learner classes, by name (built-ins imported on demand)."""
    _load_builtins()
    return dict(sorted(_REGISTRY.items()))


def get(name: str) -> type[Learner]:
    """The class registered as ``name``; a clear error lists the known names."""
    classes = registry()
    if name in classes:
        return classes[name]
    by_class = {cls.__name__: cls for cls in classes.values()}
    if name in by_class:
        return by_class[name]
    raise UnknownNameError(f"Unknown model {name!r}. Known models: {', '.join(classes)}.")


def _route_module_params(known: list[str], params: dict[str, Any]) -> dict[str, Any]:
    """``module__hidden=64`` -> ``module_params={"hidden": 64}`` for learners with a
    ``module_params`` argument, else -> ``hidden=64`` (as skorch routes ``module__*``)."""
    routed = {k[len("module__") :]: v for k, v in params.items() if k.startswith("module__")}
    if not routed:
        return params
    out = {k: v for k, v in params.items() if not k.startswith("module__")}
    if "module_params" in known:
        out["module_params"] = {**(out.get("module_params") or {}), **routed}
    else:
        out.update(routed)
    return out


def make(name: str, **params: Any) -> Any:
    """Build the learner registered as ``name`` with ``params`` (checked).

    ``module__x=v`` sets the module argument ``x`` of a torch learner.
    """
    cls = get(name)
    known = cls._param_names()
    params = _route_module_params(known, params)
    for p in params:
        if p not in known:
            from streamlearn.base.params import unknown_parameter_error

            raise unknown_parameter_error(cls.__name__, p, known)
    return cls(**params)
