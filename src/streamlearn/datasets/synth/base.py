"""Shared machinery of the synthetic drifting generators.

Every generator is a :class:`~streamlearn.streams.dataset.Dataset` of
``n_rows`` rows made in fixed internal chunks of :data:`CHUNK` rows. Chunk
``k`` draws from its own NumPy generators seeded with ``(seed, k, purpose)``
(one for the features, one for the drift draws, one for label noise, ...), so

* the same ``seed`` gives the same stream, whatever ``batch_size`` is (the
  batches are cut from the chunks afterwards), and a shorter stream is a
  prefix of a longer one;
* the features do not depend on the drift settings: adding a drift changes
  only the labels after it.

Concept drift follows MOA's ``ConceptDriftStream`` (Bifet et al., 2009): a
drift ``(position, concept, width)`` makes row ``t`` (counted from 0) follow
the new concept with probability ``1 / (1 + exp(-4 (t - position) / width))``;
``width=0`` is abrupt (rows ``t >= position`` follow the new concept). Drifts
apply in order, a later one taking over from the earlier ones.

References
----------
A. Bifet, G. Holmes, B. Pfahringer, R. Kirkby, R. Gavaldà. New ensemble
methods for evolving data streams. KDD 2009 (the sigmoid drift model).
MOA, ``moa.streams.ConceptDriftStream``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import Interval, Rule, validate
from streamlearn.base.schema import Schema
from streamlearn.streams.dataset import Block, Dataset

#: Rows per internal chunk (fixed: the stream must not depend on batch_size).
CHUNK = 8192

# Purposes of the per-chunk random generators.
FEATURES, DRIFT, NOISE, DYNAMICS = 0, 1, 2, 3

Drift = tuple[int, int, int]


class Synthetic(Dataset):
    """Base of the generators: chunking, seeding and drift mixing.

    Subclasses set ``_rules`` (parameter checks), ``n_concepts`` (None when any
    int >= 0 is a concept) and implement :meth:`_make_schema` and :meth:`_chunk`.
    """

    _rules: ClassVar[dict[str, Rule]] = {}
    #: How many concepts (functions) exist; None: any int >= 0 names a concept.
    n_concepts: ClassVar[int | None] = None
    #: The name of the parameter that picks the initial concept.
    concept_param: ClassVar[str] = "function"
    #: The data set name (as in ``datasets.load``).
    short_name: ClassVar[str] = "synthetic"

    def __init__(
        self,
        n_rows: int,
        seed: int,
        concept: int,
        drifts: Iterable[Sequence[int]] | None,
        batch_size: int,
        target: str = "y",
    ):
        super().__init__(self.short_name, target, batch_size)
        self._length = n_rows
        self.seed = seed
        params = self.get_params()
        rules = {
            "n_rows": Interval(int, 0, None),
            "seed": Interval(int, 0, None),
            **self._rules,
        }
        validate(type(self).__name__, params, rules)
        self._check_concept(concept, self.concept_param)
        self.drifts: list[Drift] = self._check_drifts(drifts)
        self._initial = int(concept)

    # -- parameters -------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The generator's parameters (for reports)."""
        import inspect

        names = [
            p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "batch_size")
        ]
        out = {n: getattr(self, n) for n in names if n != "n_rows" and hasattr(self, n)}
        return {"n_rows": self._length, **out}

    def _check_concept(self, c: Any, what: str) -> None:
        n = self.n_concepts
        ok = isinstance(c, numbers.Integral) and not isinstance(c, bool) and int(c) >= 0
        ok = ok and (n is None or int(c) < n)
        if not ok:
            rng = f"an int in 0..{n - 1}" if n is not None else "an int >= 0"
            raise InvalidParameterError(f"The {what!r} of {type(self).__name__} must be {rng}. Got {c!r}.")

    def _check_drifts(self, drifts: Iterable[Sequence[int]] | None) -> list[Drift]:
        out: list[Drift] = []
        for d in drifts or ():
            if not isinstance(d, (tuple, list)) or len(d) not in (2, 3):
                raise InvalidParameterError(
                    f"Each drift of {type(self).__name__} must be (position, {self.concept_param}, width) "
                    f"or (position, {self.concept_param}). Got {d!r}."
                )
            pos, concept = d[0], d[1]
            width = d[2] if len(d) == 3 else 0
            for label, v in (("position", pos), ("width", width)):
                if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
                    raise InvalidParameterError(
                        f"A drift {label} of {type(self).__name__} must be an int >= 0. Got {v!r} in {d!r}."
                    )
            self._check_concept(concept, f"{self.concept_param} of drift {tuple(d)!r}")
            out.append((int(pos), int(concept), int(width)))
        return sorted(out, key=lambda d: d[0])

    # -- the stream ----------------------------------------------------------------
    def _source_rows(self) -> int:
        return int(self._length)

    def _make_schema(self) -> Schema:
        raise NotImplementedError

    def _chunk(self, start: int, n: int, concepts: np.ndarray, k: int, state: dict[str, Any]) -> Block:
        """Rows ``start .. start+n-1`` (chunk ``k``) following ``concepts`` (one per row).

        ``state`` is a dict carried from chunk to chunk within one iteration.
        """
        raise NotImplementedError

    def rng(self, k: int, purpose: int) -> np.random.Generator:
        """The random generator of chunk ``k`` for one purpose."""
        return np.random.default_rng([self.seed, k, purpose])

    def model_rng(self, concept: int) -> np.random.Generator:
        """The random generator that builds the model of a concept."""
        return np.random.default_rng([self.seed, 1_000_003, concept])

    def concepts(self, start: int, n: int, k: int) -> np.ndarray:
        """The concept each row of chunk ``k`` follows (drift mixing)."""
        out = np.full(n, self._initial, dtype=np.int64)
        if not self.drifts:
            return out
        t = np.arange(start, start + n, dtype=np.float64)
        rng = self.rng(k, DRIFT)
        for pos, concept, width in self.drifts:
            if width == 0:
                hit = t >= pos
            else:
                p = 0.5 * (1.0 + np.tanh(2.0 * (t - pos) / width))  # = 1 / (1 + exp(-4 (t - pos) / width))
                hit = rng.random(n) < p
            out[hit] = concept
        return out

    def _open(self) -> tuple[Schema, Iterator[Block]]:
        return self._make_schema(), self._blocks()

    def _blocks(self) -> Iterator[Block]:
        total = int(self._length)
        state: dict[str, Any] = {}
        k = 0
        while k * CHUNK < total:
            start = k * CHUNK
            concepts = self.concepts(start, CHUNK, k)
            X, y = self._chunk(start, CHUNK, concepts, k, state)
            m = min(CHUNK, total - start)
            yield (X[:m], None if y is None else y[:m])
            k += 1

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({shown})"


def numbered_schema(n_features: int) -> Schema:
    """Numeric columns ``x1 .. x<n_features>``."""
    return Schema([f"x{i + 1}" for i in range(n_features)])


def concept_rows(concepts: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Each concept of a chunk (in increasing order) with the mask of its rows."""
    for c in np.unique(concepts).tolist():
        yield c, concepts == c


def labels_by_concept(labels: np.ndarray, concepts: np.ndarray) -> np.ndarray:
    """Row ``t``'s label under its own concept: ``labels[concepts[t], t]`` (as int64)."""
    return labels[concepts, np.arange(len(concepts))].astype(np.int64)


def flip(y: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Flip binary labels with probability ``noise``."""
    if noise <= 0:
        return y
    return np.where(rng.random(len(y)) < noise, 1 - y, y)
