"""Feature hashing: any number of features into ``n_features`` columns.

Each feature is hashed to one of ``n_features`` buckets: a categorical
value by the string ``f"{column}={value}"`` (contributing 1), a numeric
column by its name (contributing its value). With ``alternate_sign`` a
second bit of the hash gives the contribution a sign, so collisions cancel
out on average (Weinberger et al., 2009). Values landing in one bucket are
summed; missing values (NaN) contribute nothing.

The hash is BLAKE2b (8-byte digest) over the UTF-8 string: the same
feature lands in the same bucket in every process and on every machine
(Python's ``hash()`` is salted per process and is not used). Nothing is
learned apart from the input schema, so the output never depends on the
order of the records. The output is dense, with columns named
``hash_0 ... hash_{n_features-1}``: keep ``n_features`` moderate.

Parameters
----------
n_features
    The number of output columns (buckets).
alternate_sign
    Give each feature a sign drawn from its hash (default ``True``).

Examples
--------
>>> from streamlearn.preprocessing import FeatureHasher
>>> hasher = FeatureHasher(n_features=8, alternate_sign=False)
>>> out = hasher.transform_one({"proto": "tcp", "bytes": 3.0})
>>> sorted(out.values())
[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 3.0]
>>> hasher.transform_one({"proto": "tcp", "bytes": 3.0}) == out
True

References
----------
K. Weinberger, A. Dasgupta, J. Langford, A. Smola, J. Attenberg (2009).
Feature hashing for large scale multitask learning. ICML.
M-J. Saarinen, J-P. Aumasson (2015). The BLAKE2 cryptographic hash and
message authentication code (MAC). RFC 7693.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.learner import Transformer
from streamlearn.base.params import BOOL, Interval, Rule
from streamlearn.base.registry import register
from streamlearn.base.schema import NUM, Schema
from streamlearn.preprocessing._common import as_width


def stable_hash(key: str) -> int:
    """A 64-bit hash of ``key`` that is the same in every process."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def feature_key(column: Hashable, value: Any = None) -> str:
    """The string hashed for a numeric column (``value=None``) or a category."""
    return str(column) if value is None else f"{column}={value}"


@register()
class FeatureHasher(Transformer):
    """Hashes features into a fixed number of signed buckets (stateless)."""

    _buckets: list[np.ndarray] | None
    _param_rules: ClassVar[dict[str, Rule]] = {
        "n_features": Interval(int, 1, None),
        "alternate_sign": BOOL,
    }

    def __init__(self, n_features: int = 256, alternate_sign: bool = True):
        self.n_features = n_features
        self.alternate_sign = alternate_sign
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Any:
        yield {"n_features": 16}
        yield {"n_features": 4, "alternate_sign": False}

    def _bucket(self, key: str) -> tuple[int, float]:
        h = stable_hash(key)
        sign = -1.0 if self.alternate_sign and h >> 63 else 1.0
        return h % self.n_features, sign

    def _after_load(self) -> None:
        self._buckets = None

    def _sync(self) -> None:
        """Hash the columns and categories not hashed yet (cached per code)."""
        schema = self._input_schema()
        if getattr(self, "_buckets", None) is None:
            self._buckets = []
            self._signs: list[np.ndarray] = []
        buckets, signs = self._buckets, self._signs
        assert buckets is not None
        for j in range(len(buckets), schema.width):
            if schema.kinds[j] == NUM:
                b, s = self._bucket(feature_key(schema.names[j]))
                buckets.append(np.array([b], dtype=np.int64))
                signs.append(np.array([s]))
            else:
                buckets.append(np.empty(0, dtype=np.int64))
                signs.append(np.empty(0))
        for j, kind in enumerate(schema.kinds):
            cats = schema.categories[j]
            if kind == NUM or len(buckets[j]) >= len(cats):
                continue
            new = [self._bucket(feature_key(schema.names[j], v)) for v in cats[len(buckets[j]) :]]
            buckets[j] = np.concatenate([buckets[j], np.array([b for b, _ in new], dtype=np.int64)])
            signs[j] = np.concatenate([signs[j], np.array([s for _, s in new])])

    def output_schema(self) -> Schema:
        out = getattr(self, "_out", None)
        if out is None or out.width != self.n_features:
            out = self._out = Schema(f"hash_{k}" for k in range(self.n_features))
        return out

    def _learn(self, X: np.ndarray) -> None:
        """Nothing to learn: the schema was already updated by the caller."""

    def _transform(self, X: np.ndarray) -> np.ndarray:
        self._sync()
        schema = self.schema_
        X = as_width(X, schema.width)
        out = np.zeros((len(X), self.n_features))
        assert self._buckets is not None
        for j, kind in enumerate(schema.kinds):
            col = X[:, j]
            rows = np.flatnonzero(~np.isnan(col))
            if not len(rows):
                continue
            if kind == NUM:
                # One value per row and column: no repeated (row, bucket) pair here.
                out[rows, self._buckets[j][0]] += self._signs[j][0] * col[rows]
            else:
                codes = col[rows].astype(np.int64)
                out[rows, self._buckets[j][codes]] += self._signs[j][codes]
        return out

    def _prequential(self, X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._transform(X_pred), self._transform(X_learn)
