"""Schema: names and kinds of the columns of a batch, and category vocabularies.

Batches are 2-D float64 arrays. A numeric column holds its values; a
categorical column holds codes ``0, 1, 2, ...`` into the schema's vocabulary
for that column. ``NaN`` means *missing* in both. Schemas grow: a new column
or an unseen category is appended, never fatal.

Policy for values that do not fit their column (documented, counted in
``n_invalid``): a string that is not a number in a numeric column, and
``inf``/``-inf``, become missing (NaN). ``None`` is simply missing.

>>> s = Schema()
>>> s.row({"bytes": 10, "proto": "tcp"})
array([10.,  0.])
>>> s.row({"proto": "udp", "port": 53})
array([nan,  1., 53.])
>>> s.names, s.kinds, s.categories[1]
(['bytes', 'proto', 'port'], ['num', 'cat', 'num'], ['tcp', 'udp'])
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from streamlearn.base.errors import SchemaError

NUM = "num"
CAT = "cat"
NAN = float("nan")


def _kind_of(value: Any) -> str:
    return CAT if isinstance(value, str) else NUM


class Schema:
    """Ordered columns with a kind each (``"num"`` or ``"cat"``).

    Parameters
    ----------
    columns
        Column names, or ``(name, kind)`` pairs. Plain names are numeric.
    categories
        Optional initial vocabularies, ``{name: [values...]}``.
    """

    def __init__(
        self,
        columns: Iterable[Hashable | tuple[Hashable, str]] = (),
        categories: Mapping[Hashable, Sequence[Any]] | None = None,
    ):
        self.names: list[Hashable] = []
        self.kinds: list[str] = []
        self.categories: list[list[Any]] = []
        self._index: dict[Hashable, int] = {}
        self._codes: list[dict[Any, int]] = []
        self._plans: dict[int, _AlignPlan] = {}
        self.n_invalid = 0
        for col in columns:
            if isinstance(col, tuple):
                self.add(col[0], col[1])
            else:
                self.add(col, NUM)
        for name, values in (categories or {}).items():
            j = self._index[name]
            for v in values:
                self.code(j, v)

    # -- structure ---------------------------------------------------------
    @property
    def width(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __repr__(self) -> str:
        cols = ", ".join(f"{n!r}:{k}" for n, k in zip(self.names, self.kinds))
        return f"Schema({cols})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.to_dict() == other.to_dict()

    def index(self, name: Hashable) -> int:
        """Position of a column; raises :class:`SchemaError` if absent."""
        try:
            return self._index[name]
        except KeyError:
            raise SchemaError(f"No column {name!r}; columns are {self.names}.") from None

    def add(self, name: Hashable, kind: str = NUM) -> int:
        """Append a column (or return the position of an existing one)."""
        if kind not in (NUM, CAT):
            raise SchemaError(f"A column kind must be 'num' or 'cat'. Got {kind!r} for {name!r}.")
        if name in self._index:
            return self._index[name]
        self._index[name] = len(self.names)
        self.names.append(name)
        self.kinds.append(kind)
        self.categories.append([])
        self._codes.append({})
        return self._index[name]

    def is_categorical(self) -> np.ndarray:
        """Boolean mask of the categorical columns."""
        return np.array([k == CAT for k in self.kinds], dtype=bool)

    @property
    def numeric_names(self) -> list[Hashable]:
        return [n for n, k in zip(self.names, self.kinds) if k == NUM]

    @property
    def categorical_names(self) -> list[Hashable]:
        return [n for n, k in zip(self.names, self.kinds) if k == CAT]

    # -- values ------------------------------------------------------------
    def code(self, j: int, value: Any) -> int:
        """Code of ``value`` in column ``j``'s vocabulary (added if unseen)."""
        codes = self._codes[j]
        c = codes.get(value)
        if c is None:
            c = codes[value] = len(self.categories[j])
            self.categories[j].append(value)
        return c

    def decode(self, j: int, code: float) -> Any:
        """The category a code stands for (``None`` for a missing code)."""
        if code != code:
            return None
        return self.categories[j][int(code)]

    def _number(self, value: Any) -> float:
        if value is None:
            return NAN
        try:
            v = float(value)
        except (TypeError, ValueError):
            self.n_invalid += 1
            return NAN
        if math.isinf(v):
            self.n_invalid += 1
            return NAN
        return v

    def _cell(self, j: int, value: Any) -> float:
        if self.kinds[j] == NUM:
            return self._number(value)
        if value is None or (isinstance(value, float) and value != value):
            return NAN
        return float(self.code(j, value))

    def row(self, record: Mapping[Hashable, Any]) -> np.ndarray:
        """One record (a dict) as a row in this schema's layout; grows the schema."""
        if not isinstance(record, Mapping):
            raise SchemaError(
                f"A record must be a dict of feature name to value. Got {type(record).__name__}."
            )
        index = self._index
        for name, value in record.items():
            if name not in index and value is not None:
                self.add(name, _kind_of(value))
        out = np.full(len(self.names), NAN)
        for name, value in record.items():
            j = index.get(name)
            if j is not None:
                out[j] = self._cell(j, value)
        return out

    def rows(self, records: Iterable[Mapping[Hashable, Any]]) -> np.ndarray:
        """Many records as a 2-D array (the schema grows as needed)."""
        rows = [self.row(r) for r in records]
        out = np.full((len(rows), len(self.names)), NAN)
        for i, r in enumerate(rows):
            out[i, : len(r)] = r
        return out

    def record(self, row: np.ndarray) -> dict[Hashable, Any]:
        """A row back as a dict; missing values are left out."""
        out: dict[Hashable, Any] = {}
        for j, v in enumerate(row[: len(self.names)]):
            if v == v:
                out[self.names[j]] = self.decode(j, v) if self.kinds[j] == CAT else float(v)
        return out

    def align(self, X: np.ndarray, source: Schema | None = None) -> np.ndarray:
        """Re-express ``X`` (described by ``source``) in this schema's layout.

        Columns are matched by name; columns new to this schema are appended;
        columns this schema has but ``source`` lacks are missing (NaN);
        category codes are translated. With ``source=None`` the columns of
        ``X`` are named ``0, 1, ...`` and are numeric. Non-finite numbers
        become missing and are counted in ``n_invalid``.
        """
        X = np.asarray(X)
        if X.ndim != 2:
            raise SchemaError(f"A batch must be a 2-D array (rows x features). Got shape {X.shape}.")
        if source is None:
            source = Schema(range(X.shape[1]))
        if X.shape[1] != source.width:
            raise SchemaError(f"The batch has {X.shape[1]} columns but its schema describes {source.width}.")
        if X.dtype.kind not in "fiub":
            raise SchemaError(
                "A batch must be numeric (categorical columns hold codes). "
                f"Got dtype {X.dtype}; convert it with streamlearn.base.schema.as_matrix()."
            )
        plan = self._plan(source)
        if source is self or (plan.identity and self.width == source.width):
            out = np.array(X, dtype=np.float64, order="C", copy=True)
            self._finite(out)
            return out
        if plan.in_place and self.width == source.width:  # same positions: copy, then recode
            out = np.array(X, dtype=np.float64, order="C", copy=True)
        else:
            out = np.full((X.shape[0], self.width), NAN)
            if len(plan.num_src):
                out[:, plan.num_dst] = X[:, plan.num_src]
        for j_src, j in plan.cat:
            out[:, j] = self._translate(j, np.asarray(X[:, j_src], dtype=np.float64), source, j_src, plan)
        for j_src, j in plan.mixed:
            col = np.asarray(X[:, j_src], dtype=np.float64)
            if self.kinds[j] == CAT:  # numeric values into a categorical column
                out[:, j] = [NAN if v != v else self.code(j, v) for v in col.tolist()]
            else:  # categories into a numeric column
                out[:, j] = [self._number(source.decode(j_src, v)) for v in col.tolist()]
        self._finite(out)
        return out

    def _plan(self, source: Schema) -> _AlignPlan:
        """Where each column of ``source`` goes in this schema (cached per source and width)."""
        hit = self._plans.get(id(source))
        if hit is not None and hit.source is source and hit.width == source.width:
            return hit
        for name, kind in zip(source.names, source.kinds):
            self.add(name, kind)
        plan = _AlignPlan(source, source.width)
        num_src, num_dst = [], []
        for j_src, name in enumerate(source.names):
            j = self._index[name]
            if self.kinds[j] == NUM and source.kinds[j_src] == NUM:
                num_src.append(j_src)
                num_dst.append(j)
            elif self.kinds[j] == CAT and source.kinds[j_src] == CAT:
                plan.cat.append((j_src, j))
            else:
                plan.mixed.append((j_src, j))
        plan.num_src = np.array(num_src, dtype=np.intp)
        plan.num_dst = np.array(num_dst, dtype=np.intp)
        plan.identity = not plan.cat and not plan.mixed and num_dst == list(range(source.width))
        plan.in_place = all(source.names[k] == self.names[k] for k in range(min(source.width, self.width)))
        if len(self._plans) >= 16:
            self._plans.clear()
        self._plans[id(source)] = plan
        return plan

    def _translate(self, j: int, col: np.ndarray, source: Schema, j_src: int, plan: _AlignPlan) -> np.ndarray:
        """Codes of ``source``'s column ``j_src`` into column ``j``'s codes.

        Unseen categories are added in order of first appearance in ``col``
        (as a loop of :meth:`row` would), not in the other vocabulary's order.
        Known translations are cached in the plan (codes never change).
        """
        vocabulary = source.categories[j_src]
        remap = plan.remaps.get(j_src)
        if remap is None or len(remap) < len(vocabulary):
            grown = np.full(len(vocabulary), np.nan)
            if remap is not None:
                grown[: len(remap)] = remap
            remap = plan.remaps[j_src] = grown
        present = ~np.isnan(col)
        codes = col[present].astype(np.int64)
        mapped = remap[codes]
        unknown = np.isnan(mapped)
        if unknown.any():
            uniq, first = np.unique(codes[unknown], return_index=True)
            for c in uniq[np.argsort(first)].tolist():
                remap[c] = self.code(j, vocabulary[c])
            mapped = remap[codes]
        out = np.full(len(col), np.nan)
        out[present] = mapped
        return out

    def _finite(self, out: np.ndarray) -> None:
        bad = np.isinf(out)
        if bad.any():
            self.n_invalid += int(bad.sum())
            out[bad] = NAN

    # -- persistence -------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "kinds": list(self.kinds),
            "categories": [list(c) for c in self.categories],
            "n_invalid": self.n_invalid,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Schema:
        s = cls()
        for name, kind, cats in zip(d["names"], d["kinds"], d["categories"]):
            j = s.add(name, kind)
            for v in cats:
                s.code(j, v)
        s.n_invalid = int(d.get("n_invalid", 0))
        return s

    def copy(self) -> Schema:
        return Schema.from_dict(self.to_dict())


class _AlignPlan:
    """How the columns of one source schema map into another (a cache)."""

    def __init__(self, source: Schema, width: int):
        self.source, self.width = source, width
        self.num_src = np.empty(0, dtype=np.intp)
        self.num_dst = np.empty(0, dtype=np.intp)
        self.cat: list[tuple[int, int]] = []
        self.mixed: list[tuple[int, int]] = []
        self.identity = False
        self.in_place = False  # every source column lands at its own position (then copy and recode)
        self.remaps: dict[int, np.ndarray] = {}


def as_matrix(X: Any, schema: Schema | None = None) -> tuple[np.ndarray, Schema | None]:
    """Convert a batch at the edge: NumPy array, pandas DataFrame, or list of dicts.

    Returns ``(array, schema)``; a plain numeric array keeps ``schema`` as given.

    >>> import pandas as pd
    >>> X, s = as_matrix(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}))
    >>> X.tolist(), s.kinds
    ([[1.0, 0.0], [2.0, 1.0]], ['num', 'cat'])
    """
    if isinstance(X, np.ndarray):
        if X.dtype.kind in "fiub":
            return X, schema
        raise SchemaError(
            f"A batch must be numeric (got dtype {X.dtype}); pass a pandas DataFrame or a list of "
            "dicts for string columns, or encode them as codes with a Schema."
        )
    if isinstance(X, list) and (not X or isinstance(X[0], Mapping)):
        s = schema or Schema()
        return s.rows(X), s
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "__getitem__"):  # pandas or polars DataFrame
        s = Schema()
        cols = []
        for name in list(columns):
            values = np.asarray(X[name])
            if values.dtype.kind in "fiub":
                s.add(name, NUM)
                cols.append(values.astype(np.float64))
            else:
                j = s.add(name, CAT)
                cols.append(np.array([s._cell(j, v) for v in values.tolist()], dtype=np.float64))
        n = len(cols[0]) if cols else 0
        return (np.column_stack(cols) if cols else np.empty((n, 0))), s
    raise SchemaError(
        f"Cannot use a {type(X).__name__} as a batch: pass a 2-D NumPy array (with a Schema), "
        "a pandas/polars DataFrame, or a list of dicts."
    )
