"""Safe persistence: a JSON manifest plus NumPy arrays, never pickle.

``save(model, path)`` writes one ``.npz`` file holding ``manifest.json``
(class names, parameters, learned state, version) and one entry per array.
``load(path)`` rebuilds only classes from streamlearn's registry and reads
arrays with ``allow_pickle=False``. ``digest(model)`` hashes the same
content, so two runs can be compared.

>>> import tempfile, os
>>> from streamlearn.naive_bayes import GaussianNB
>>> m = GaussianNB().learn_one({"a": 1.0}, "x").learn_one({"a": 3.0}, "y")
>>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
>>> save(m, path)
>>> load(path).predict_one({"a": 2.9}) == m.predict_one({"a": 2.9})
True
>>> digest(load(path)) == digest(m)
True
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from streamlearn.base.errors import PersistenceError
from streamlearn.base.learner import Learner
from streamlearn.base.schema import Schema

FORMAT = 1
MANIFEST = "manifest.json"


def _version() -> str:
    from streamlearn import __version__

    return __version__


class _Encoder:
    """Turns a learner into JSON-able nodes, with arrays set aside by key."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def learner(self, obj: Learner) -> dict[str, Any]:
        name = getattr(type(obj), "registry_name", None)
        if name is None:
            raise PersistenceError(
                f"{type(obj).__name__} is not a registered streamlearn learner; only registered "
                "classes can be saved (decorate it with @streamlearn.register())."
            )
        return {
            "__learner__": name,
            "params": {k: self.value(v) for k, v in obj.get_params().items()},
            "state": {k: self.value(v) for k, v in sorted(obj._state().items())},
        }

    def value(self, v: Any) -> Any:
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)):
            if isinstance(v, float) and not np.isfinite(v):
                return {"__float__": repr(v)}
            return v
        if isinstance(v, np.generic):
            return self.value(v.item())
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in "biufc":
                raise PersistenceError(
                    f"Cannot save an array of dtype {v.dtype} (object arrays are not allowed)."
                )
            key = f"a{len(self.arrays)}"
            self.arrays[key] = v
            return {"__array__": key}
        if isinstance(v, Learner):
            return self.learner(v)
        if isinstance(v, Schema):
            return {"__schema__": self.value(v.to_dict())}
        if isinstance(v, np.random.Generator):
            return {"__rng__": self.value(v.bit_generator.state)}
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(e) for e in v]}
        if isinstance(v, list):
            return [self.value(e) for e in v]
        if isinstance(v, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in v):
                return {k: self.value(e) for k, e in v.items()}
            return {"__items__": [[self.value(k), self.value(e)] for k, e in v.items()]}
        raise PersistenceError(
            f"Cannot save a value of type {type(v).__name__}; learned state must be arrays, "
            "numbers, strings, lists, dicts, schemas or learners."
        )


def _decode(node: Any, arrays: Callable[[str], np.ndarray]) -> Any:
    if isinstance(node, list):
        return [_decode(e, arrays) for e in node]
    if not isinstance(node, dict):
        return node
    if "__learner__" in node:
        return _build(node, arrays)
    if "__array__" in node:
        return arrays(node["__array__"])
    if "__float__" in node:
        return float(node["__float__"])
    if "__schema__" in node:
        return Schema.from_dict(_decode(node["__schema__"], arrays))
    if "__rng__" in node:
        state = _decode(node["__rng__"], arrays)
        bitgen = getattr(np.random, state["bit_generator"], None)
        if bitgen is None or not isinstance(bitgen, type) or not issubclass(bitgen, np.random.BitGenerator):
            raise PersistenceError(f"Unknown random generator {state['bit_generator']!r}.")
        gen = np.random.Generator(bitgen())
        gen.bit_generator.state = state
        return gen
    if "__tuple__" in node:
        return tuple(_decode(e, arrays) for e in node["__tuple__"])
    if "__items__" in node:
        return {_hashable(_decode(k, arrays)): _decode(v, arrays) for k, v in node["__items__"]}
    return {k: _decode(v, arrays) for k, v in node.items()}


def _hashable(k: Any) -> Any:
    return tuple(_hashable(e) for e in k) if isinstance(k, list) else k


def _build(node: dict[str, Any], arrays: Callable[[str], np.ndarray]) -> Learner:
    from streamlearn.base.registry import registry

    classes = registry()
    name = node["__learner__"]
    cls = classes.get(name)
    if cls is None:
        raise PersistenceError(f"The file names an unknown learner class {name!r}; refusing to load it.")
    params = {k: _decode(v, arrays) for k, v in node.get("params", {}).items()}
    try:
        obj: Learner = cls(**params)
    except TypeError as e:
        raise PersistenceError(f"Saved parameters do not fit {cls.__name__}: {e}") from None
    obj._set_state({k: _decode(v, arrays) for k, v in node.get("state", {}).items()})
    return obj


def to_manifest(model: Learner) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The manifest (JSON-able) and the arrays that describe ``model`` completely."""
    enc = _Encoder()
    root = enc.learner(model)
    manifest = {"format": FORMAT, "streamlearn": _version(), "model": root}
    return manifest, enc.arrays


def from_manifest(manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> Learner:
    """Rebuild a learner from :func:`to_manifest`'s output."""
    if manifest.get("format") != FORMAT:
        raise PersistenceError(
            f"Unsupported model file format {manifest.get('format')!r}; expected {FORMAT}."
        )

    def get(key: str) -> np.ndarray:
        try:
            return np.array(arrays[key])
        except KeyError:
            raise PersistenceError(f"The model file lacks array {key!r}; it is incomplete.") from None

    return _build(manifest["model"], get)


def save(model: Learner, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` atomically (temporary file, fsync, rename)."""
    if not isinstance(model, Learner):
        raise TypeError(f"save() takes a streamlearn learner. Got {type(model).__name__}.")
    manifest, arrays = to_manifest(model)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr(MANIFEST, json.dumps(manifest, sort_keys=True))
            for key, arr in arrays.items():
                buf = io.BytesIO()
                np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
                z.writestr(key + ".npy", buf.getvalue())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: str | os.PathLike[str]) -> Learner:
    """Read a model written by :func:`save`. Never unpickles anything."""
    try:
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read(MANIFEST))
            arrays = {}
            for name in z.namelist():
                if name.endswith(".npy"):
                    arrays[name[:-4]] = np.load(io.BytesIO(z.read(name)), allow_pickle=False)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, ValueError) as e:
        raise PersistenceError(f"{path} is not a streamlearn model file: {e}") from None
    return from_manifest(manifest, arrays)


def size_bytes(model: Learner) -> int:
    """Bytes of the model's saved state: its manifest plus its arrays (uncompressed)."""
    manifest, arrays = to_manifest(model)
    return len(json.dumps(manifest)) + sum(a.nbytes for a in arrays.values())


def digest(model: Learner) -> str:
    """A stable SHA-256 of the model's class, parameters and learned state."""
    manifest, arrays = to_manifest(model)
    manifest.pop("streamlearn", None)
    h = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode())
    for key in sorted(arrays, key=lambda k: int(k[1:])):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()
