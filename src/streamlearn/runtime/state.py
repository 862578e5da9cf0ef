"""Runtime state as JSON plus arrays (never pickle): metrics, detectors, the label store.

:func:`encode` turns nested values - numbers, strings, lists, dicts, NumPy
arrays, metrics (by their ``_state()``), learners (by their ``_state()``),
schemas - into a JSON-able tree whose arrays are set aside under keys;
:func:`decode` rebuilds it. Metrics nested in metrics (``Rolling``) are
rebuilt from streamlearn's own metric classes only.

>>> import numpy as np
>>> from streamlearn.metrics import Accuracy, Rolling
>>> m = Rolling(Accuracy(), 3)
>>> _ = m.update_many([1, 0, 1, 1], [1, 1, 1, 0])
>>> arrays = {}
>>> tree = encode(m._state(), arrays)
>>> twin = Rolling(Accuracy(), 3)
>>> twin._set_state(decode(tree, arrays))
>>> twin.get() == m.get(), twin.n
(True, 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from streamlearn.base.errors import PersistenceError
from streamlearn.base.learner import Learner
from streamlearn.base.schema import Schema
from streamlearn.metrics.base import Metric


def encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able tree for ``value``; arrays go into ``arrays`` under new keys."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, np.generic):
        return encode(value.item(), arrays)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            if value.dtype.kind == "O":
                return {"__objects__": [encode(v, arrays) for v in value.tolist()]}
            raise PersistenceError(f"Cannot checkpoint an array of dtype {value.dtype}.")
        key = f"s{len(arrays)}"
        arrays[key] = np.array(value, order="C", copy=True)  # a copy: the live array changes
        return {"__array__": key}
    if isinstance(value, Metric):
        return {
            "__metric__": type(value).__name__,
            "params": {k: encode(v, arrays) for k, v in value.get_params().items()},
            "state": encode(value._state(), arrays),
        }
    if isinstance(value, Schema):
        return {"__schema__": encode(value.to_dict(), arrays)}
    if isinstance(value, Learner):
        return {"__learner_state__": type(value).__name__, "state": encode(value._state(), arrays)}
    if isinstance(value, np.random.Generator):
        return {"__rng__": encode(value.bit_generator.state, arrays)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [encode(v, arrays) for v in value]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v, arrays) for k, v in value.items()}
        return {"__items__": [[encode(k, arrays), encode(v, arrays)] for k, v in value.items()]}
    raise PersistenceError(f"Cannot checkpoint a value of type {type(value).__name__}.")


def decode(tree: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """The value :func:`encode` described."""
    if isinstance(tree, list):
        return [decode(v, arrays) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "__array__" in tree:
        try:
            return np.array(arrays[tree["__array__"]])
        except KeyError:
            raise PersistenceError(f"The checkpoint lacks array {tree['__array__']!r}.") from None
    if "__float__" in tree:
        return float(tree["__float__"])
    if "__objects__" in tree:
        out = np.empty(len(tree["__objects__"]), dtype=object)
        out[:] = [decode(v, arrays) for v in tree["__objects__"]]
        return out
    if "__metric__" in tree:
        from streamlearn import metrics

        name = tree["__metric__"]
        params = {k: decode(v, arrays) for k, v in tree["params"].items()}
        try:
            metric = metrics.get(name, **params)
        except Exception as e:
            raise PersistenceError(
                f"The checkpoint names a metric {name!r} that cannot be built: {e}"
            ) from None
        metric._set_state(decode(tree["state"], arrays))
        return metric
    if "__schema__" in tree:
        return Schema.from_dict(decode(tree["__schema__"], arrays))
    if "__learner_state__" in tree:
        return decode(tree["state"], arrays)
    if "__rng__" in tree:
        state = decode(tree["__rng__"], arrays)
        bitgen = getattr(np.random, state["bit_generator"], None)
        if bitgen is None or not isinstance(bitgen, type) or not issubclass(bitgen, np.random.BitGenerator):
            raise PersistenceError(f"Unknown random generator {state['bit_generator']!r}.")
        gen = np.random.Generator(bitgen())
        gen.bit_generator.state = state
        return gen
    if "__tuple__" in tree:
        return tuple(decode(v, arrays) for v in tree["__tuple__"])
    if "__items__" in tree:
        return {_hashable(decode(k, arrays)): decode(v, arrays) for k, v in tree["__items__"]}
    return {k: decode(v, arrays) for k, v in tree.items()}


def _hashable(k: Any) -> Any:
    return tuple(_hashable(e) for e in k) if isinstance(k, list) else k
