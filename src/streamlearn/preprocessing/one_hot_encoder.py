"""Online one-hot encoding of categorical columns.

Numeric columns pass through. Each categorical column becomes one numeric
0/1 column per category *learned* so far, named ``f"{column}_{category}"``
as in River's ``preprocessing.OneHotEncoder``. The output grows: a column
for a new category is appended at the end, so earlier output positions never
move and models downstream keep their weights.

At transform time a category that was never learned gives all zeros for
its column group, and so does a missing value (NaN). ``transform_*`` never
learns a category; like the input schema, it does give a numeric column met
for the first time its output position.

Test-then-train over a batch (``_prequential``) gives the output columns of
the whole batch; at row ``i`` a column whose category was not learned yet
*does not exist* and holds NaN (missing), exactly as the row-by-row loop
(``Transformer._prequential``) and one record at a time, where it is absent.
A downstream learner thus skips it rather than learning a 0 it would never
have seen one record at a time.

Examples
--------
>>> from streamlearn.preprocessing import OneHotEncoder
>>> enc = OneHotEncoder()
>>> _ = enc.learn_one({"proto": "tcp", "bytes": 10.0})
>>> _ = enc.learn_one({"proto": "udp", "bytes": 20.0})
>>> enc.transform_one({"proto": "udp", "bytes": 5.0})
{'bytes': 5.0, 'proto_tcp': 0.0, 'proto_udp': 1.0}
>>> enc.transform_one({"proto": "icmp"})
{'proto_tcp': 0.0, 'proto_udp': 0.0}
>>> enc.output_schema().names
['bytes', 'proto_tcp', 'proto_udp']

References
----------
River, ``preprocessing.OneHotEncoder`` (column naming, online vocabulary).
"""

from __future__ import annotations

import numpy as np

from streamlearn.base.registry import register
from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.preprocessing._common import EncoderTransformer, as_width, grow_lookup, unique_name


@register()
class OneHotEncoder(EncoderTransformer):
    """One 0/1 column per learned category; numeric columns pass through.

    Learned state: the output layout, one entry per output column in output
    order: ``columns_[k]`` is its input column and ``codes_[k]`` the category
    code (in ``schema_``'s vocabulary) it stands for, or ``-1`` for a numeric
    column passed through. A numeric column takes its place at its first
    present (non-missing) value, transformed or learned; a category when it
    is first learned (in a record, numeric columns come first, then new
    categories, each in input-column order). This depends only on the order
    of the records, so a batch and the same records one by one (alone or in
    a pipeline) give the same output layout.
    """

    def __init__(self) -> None:
        self._validate_params()

    # -- state ----------------------------------------------------------------
    def _grow(self, width: int) -> None:
        if not hasattr(self, "columns_"):
            self.columns_: list[int] = []
            self.codes_: list[int] = []

    def _sync(self) -> None:
        """Bring the caches (output schema, lookups) up to date with the state."""
        schema = self._input_schema()
        self._grow(schema.width)
        if getattr(self, "_out", None) is None:
            self._out = Schema()
            self._lookup: list[np.ndarray] = []
            self._numpos: list[int] = []
            self._placed = 0
        while len(self._lookup) < schema.width:
            self._lookup.append(np.empty(0, dtype=np.int64))
            self._numpos.append(-1)
        for j, kind in enumerate(schema.kinds):
            if kind == CAT and len(self._lookup[j]) < len(schema.categories[j]):
                self._lookup[j] = grow_lookup(self._lookup[j], len(schema.categories[j]))
        out = self._out
        assert out is not None
        for k in range(self._placed, len(self.columns_)):
            j, c = self.columns_[k], self.codes_[k]
            if c < 0:
                self._numpos[j] = k
                name = schema.names[j]
            else:
                self._lookup[j][c] = k
                name = f"{schema.names[j]}_{schema.categories[j][c]}"
            out.add(unique_name(out, name), NUM)
        self._placed = len(self.columns_)

    def _new_numeric(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numeric columns not placed yet that have a value in ``X``: (first row, column)."""
        rows, cols = [], []
        for j, kind in enumerate(self.schema_.kinds):
            if kind == NUM and self._numpos[j] < 0:
                present = np.flatnonzero(~np.isnan(X[:, j]))
                if len(present):
                    rows.append(int(present[0]))
                    cols.append(j)
        return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)

    def _place(self, cols: np.ndarray, codes: np.ndarray) -> None:
        self.columns_.extend(cols.tolist())
        self.codes_.extend(codes.tolist())
        self._sync()

    # -- hooks ----------------------------------------------------------------
    def _encode(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros((len(X), len(self.columns_)))
        numpos = np.asarray(self._numpos[: X.shape[1]], dtype=np.intp)
        placed = np.flatnonzero(numpos >= 0)
        out[:, numpos[placed]] = X[:, placed]  # numeric columns, all at once
        for j, kind in enumerate(self.schema_.kinds):
            if kind == NUM:
                continue
            col = X[:, j]
            rows = np.flatnonzero(~np.isnan(col))
            pos = self._lookup[j][col[rows].astype(np.int64)]
            hit = pos >= 0
            out[rows[hit], pos[hit]] = 1.0
        return out

    def _learn(self, X: np.ndarray) -> None:
        # Row by row; in a row its numeric columns first, then its new categories.
        self._sync()
        X = as_width(X, self.schema_.width)
        n_rows, n_cols = self._new_numeric(X)
        c_rows, c_cols, c_codes = self._new_categories(X)
        rows = np.concatenate([n_rows, c_rows])
        cols = np.concatenate([n_cols, c_cols])
        codes = np.concatenate([np.full(len(n_rows), -1, dtype=np.int64), c_codes])
        order = np.lexsort((cols, codes >= 0, rows))
        self._place(cols[order], codes[order])

    def _transform(self, X: np.ndarray) -> np.ndarray:
        self._sync()
        X = as_width(X, self.schema_.width)
        rows, cols = self._new_numeric(X)
        if len(rows):
            self._place(cols[np.lexsort((cols, rows))], np.full(len(rows), -1, dtype=np.int64))
        return self._encode(X)

    def _prequential(self, X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Row i: transforming X_pred[i] places its numeric columns (phase 0); learning
        # X_learn[i] places its other numeric columns (phase 1), then its new categories
        # (phase 2), column by column; X_learn[i] is then transformed.
        self._sync()
        width = self.schema_.width
        X_pred, X_learn = as_width(X_pred, width), as_width(X_learn, width)
        first = len(self.columns_)
        p_rows, p_cols = self._new_numeric(X_pred)
        l_rows, l_cols = self._new_numeric(X_learn)
        c_rows, c_cols, c_codes = self._new_categories(X_learn)
        births = {j: (r, 1) for r, j in zip(l_rows.tolist(), l_cols.tolist(), strict=True)}
        for r, j in zip(p_rows.tolist(), p_cols.tolist(), strict=True):
            if j not in births or r <= births[j][0]:
                births[j] = (r, 0)
        n_cols = np.array(list(births), dtype=np.int64)
        n_rows = np.array([b[0] for b in births.values()], dtype=np.int64)
        n_phase = np.array([b[1] for b in births.values()], dtype=np.int64)
        rows = np.concatenate([n_rows, c_rows])
        phase = np.concatenate([n_phase, np.full(len(c_rows), 2, dtype=np.int64)])
        cols = np.concatenate([n_cols, c_cols])
        codes = np.concatenate([np.full(len(n_rows), -1, dtype=np.int64), c_codes])
        order = np.lexsort((cols, phase, rows))
        rows, phase = rows[order], phase[order]
        self._place(cols[order], codes[order])
        out_p, out_l = self._encode(X_pred), self._encode(X_learn)
        # Output column first + k exists from event (rows[k], phase[k]) on.
        for k, (r, ph) in enumerate(zip(rows.tolist(), phase.tolist(), strict=True)):
            out_p[: r + (ph > 0), first + k] = np.nan
            out_l[:r, first + k] = np.nan
        return out_p, out_l
