"""Modules by name: the built-ins of :mod:`streamlearn.nn.modules` and the user's own.

A learner's ``module`` parameter may name a module, e.g. ``"mlp"`` or
``"lstm"``; a name is what makes a model savable (``streamlearn.save``
stores the name, never the class). Names resolve without importing torch,
so parameters are checked before torch is needed.

>>> from streamlearn.nn import register_module, module_names
>>> "lstm" in module_names()
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T", bound=type)

# name -> (class name in streamlearn.nn.modules, fixed keyword arguments, reads windows?)
_BUILTIN: dict[str, tuple[str, dict[str, Any], bool]] = {
    "mlp": ("MLP", {}, False),
    "autoencoder": ("Autoencoder", {}, False),
    "rnn": ("RNN", {}, True),
    "lstm": ("RNN", {"cell": "lstm"}, True),
    "gru": ("RNN", {"cell": "gru"}, True),
    "cnn1d": ("CNN1d", {}, True),
    "transformer": ("Transformer", {}, True),
}
_USER: dict[str, tuple[type, bool]] = {}


def register_module(name: str, windowed: bool = False) -> Callable[[T], T]:
    """Class decorator: make a ``torch.nn.Module`` class available as ``module=name``.

    The class should take ``n_features`` and ``n_outputs`` (and ``window`` if
    ``windowed``) keyword arguments so the learner can size it and grow it.
    Register it again in the process that loads a saved model.
    """
    if not isinstance(name, str) or not name or name in _BUILTIN:
        raise ValueError(f"Cannot register a module as {name!r}: use a new, non-empty name.")

    def deco(cls: T) -> T:
        _USER[name] = (cls, windowed)
        return cls

    return deco


def module_names() -> list[str]:
    """The names a ``module`` parameter accepts."""
    return sorted([*_BUILTIN, *_USER])


def is_known(name: str) -> bool:
    return name in _BUILTIN or name in _USER


def is_windowed(name: str) -> bool:
    if name in _BUILTIN:
        return _BUILTIN[name][2]
    return _USER[name][1] if name in _USER else False


def resolve(name: str) -> tuple[type, dict[str, Any]]:
    """The module class and fixed keyword arguments registered as ``name`` (imports torch)."""
    if name in _USER:
        return _USER[name][0], {}
    from streamlearn.nn import modules

    attr, fixed, _ = _BUILTIN[name]
    return getattr(modules, attr), dict(fixed)
