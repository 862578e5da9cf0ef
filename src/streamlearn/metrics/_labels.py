"""Label handling shared by the metrics: vectorised factorising and growing vocabularies.

Labels are any hashable scalars (bool, int, str, float). A batch of labels is
*factorised* into its distinct values and integer codes with NumPy (a
bincount/table lookup for bool and small-range int arrays, ``np.unique``
for floats and strings, one dict pass for object arrays). Missing values
(``None`` and ``NaN``) get code ``-1``.

A :class:`Vocab` turns distinct values into stable codes ``0, 1, ...`` in order
of first appearance; labels that compare equal in Python (``True == 1``) share a
code, exactly as in a ``dict``.

>>> v = Vocab()
>>> t, p = v.encode_pair(np.array(["b", "a"]), np.array(["c", None], dtype=object))
>>> v.labels, t.tolist(), p.tolist()
(['b', 'c', 'a'], [0, 2], [1, -1])

A :class:`ScoredBatch` holds one batch of true labels and a classifier's
probabilities; the metrics that read labels share its factorised truth and
argmax (see :meth:`~streamlearn.metrics.base.Metric.update_batch`), so a
prequential run factorises each batch once, not once per metric.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from streamlearn.base.errors import SchemaError


def label_array(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """A 1-D array of labels that never changes them.

    ``np.asarray(["a", 1])`` would turn ``1`` into ``"1"``; this keeps a typed
    array only when every value has the same kind (bool, int or float) and
    uses an object array otherwise (strings, mixtures, ``None``).

    >>> label_array([True, False]).dtype, label_array([1, 2]).dtype, label_array(["a", 1]).dtype
    (dtype('bool'), dtype('int64'), dtype('O'))
    """
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise SchemaError(f"Labels must be 1-D (one per row). Got shape {values.shape}.")
        return values
    values = list(values)
    kinds = {type(v) for v in values}
    if kinds and kinds <= {bool, np.bool_}:
        return np.array(values, dtype=bool)
    if kinds and kinds <= {int}:
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            kinds = {object}
    if kinds and kinds <= {float, int}:
        return np.array(values, dtype=np.float64)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def missing_mask(y: np.ndarray) -> np.ndarray:
    """Boolean mask of missing labels (``None`` or ``NaN``)."""
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype.kind == "O":
        return np.asarray((y == None) | (y != y), dtype=bool)  # noqa: E711
    return np.zeros(len(y), dtype=bool)


def factorize(y: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """Distinct values of ``y`` (as Python scalars) and int64 codes into them.

    Missing values (``None``, ``NaN``) are left out of the values and coded ``-1``.
    The order of the distinct values is unspecified.

    >>> factorize(np.array([3, 1, 3]))
    ([1, 3], array([1, 0, 1]))
    >>> factorize(np.array([1.5, np.nan]))
    ([1.5], array([ 0, -1]))
    """
    n = len(y)
    kind = y.dtype.kind
    if n == 0:
        return [], np.empty(0, dtype=np.int64)
    if kind == "b":
        small = y.view(np.uint8)
        present = np.flatnonzero(np.bincount(small, minlength=2))
        table = np.full(2, -1, dtype=np.int64)
        table[present] = np.arange(len(present))
        return [bool(v) for v in present], table[small]
    if kind in "iu":
        lo, hi = int(y.min()), int(y.max())
        if hi - lo <= max(1024, 2 * n):
            off = y.astype(np.intp) - lo if lo != 0 else y.astype(np.intp, copy=False)
            present = np.flatnonzero(np.bincount(off, minlength=hi - lo + 1))
            table = np.full(hi - lo + 1, -1, dtype=np.int64)
            table[present] = np.arange(len(present))
            return [int(v) + lo for v in present], table[off]
        uniq, inv = np.unique(y, return_inverse=True)
        return uniq.tolist(), inv.reshape(-1).astype(np.int64, copy=False)
    if kind == "f":
        if not np.signbit(y).any():  # whole numbers 0, 1, ... (no -0.0): counted like small ints
            hi = y.max()
            if hi <= max(1024, 2 * n):  # False for NaN
                iy = y.astype(np.intp)
                if (iy == y).all():
                    present = np.flatnonzero(np.bincount(iy, minlength=int(hi) + 1))
                    table = np.full(int(hi) + 1, -1, dtype=np.int64)
                    table[present] = np.arange(len(present))
                    return [float(v) for v in present.tolist()], table[iy]
        nan = np.isnan(y)
        codes = np.full(n, -1, dtype=np.int64)
        if nan.all():
            return [], codes
        uniq, inv = np.unique(y[~nan] if nan.any() else y, return_inverse=True)
        codes[~nan] = inv.reshape(-1)
        return uniq.tolist(), codes
    if kind in "US":
        uniq, inv = np.unique(y, return_inverse=True)
        return uniq.tolist(), inv.reshape(-1).astype(np.int64, copy=False)
    if kind == "O":
        values = y.tolist()
        try:
            firsts: dict[Any, int] = dict.fromkeys(values, -1)
        except TypeError:
            raise SchemaError("Labels must be hashable scalars (bool, int, str, float).") from None
        found: list[Any] = []
        for v in firsts:
            if v is None or v != v:
                continue
            if isinstance(v, np.generic):
                v = v.item()
            firsts[v] = len(found)
            found.append(v)
        codes = np.fromiter(map(firsts.__getitem__, values), dtype=np.int64, count=n)
        return found, codes
    raise SchemaError(f"Cannot use an array of dtype {y.dtype} as labels.")


def as_labels(y: Any) -> np.ndarray:
    """Any 1-D sequence of labels as an array (see :func:`label_array`)."""
    if isinstance(y, np.ndarray):
        return label_array(y)
    if hasattr(y, "to_numpy"):  # pandas / polars series
        return label_array(np.asarray(y.to_numpy()))
    return label_array(list(y))


class Vocab:
    """A growing vocabulary: labels in order of first appearance, coded ``0, 1, ...``.

    ``labels`` (a list of distinct labels) is used in place: the vocabulary
    appends to it, so an owner can keep it as its saved state.
    """

    def __init__(self, labels: list[Hashable] | None = None):
        self.labels: list[Any] = [] if labels is None else labels
        self.index: dict[Any, int] = {}
        for i, v in enumerate(self.labels):
            self.index.setdefault(v, i)

    def __len__(self) -> int:
        return len(self.labels)

    def add(self, value: Any) -> int:
        c = self.index.get(value)
        if c is None:
            c = self.index[value] = len(self.labels)
            self.labels.append(value)
        return c

    def encode_factorized(self, parts: Sequence[tuple[list[Any], np.ndarray]]) -> list[np.ndarray]:
        """Codes of several factorised arrays of one batch, read row by row.

        New labels are added in order of first appearance as if the rows were
        read one at a time, each row's arrays in the given order (true label
        before predicted label).
        """
        index = self.index
        maps = []
        new: list[tuple[int, Any]] = []
        m = len(parts)
        for a, (uniq, codes) in enumerate(parts):
            out = np.empty(len(uniq) + 1, dtype=np.int64)
            out[-1] = -1  # code -1 (missing) stays -1
            for j, u in enumerate(uniq):
                c = index.get(u)
                if c is None:
                    out[j] = -2
                    new.append((int(np.argmax(codes == j)) * m + a, u))
                else:
                    out[j] = c
            maps.append(out)
        if new:
            for _, u in sorted(new, key=lambda t: t[0]):
                self.add(u)
            for (uniq, _), out in zip(parts, maps, strict=True):
                for j, u in enumerate(uniq):
                    if out[j] == -2:
                        out[j] = index[u]
        return [out[codes] for out, (_, codes) in zip(maps, parts, strict=True)]

    def encode(self, y: np.ndarray) -> np.ndarray:
        """Codes of one array of labels (``-1`` for missing)."""
        return self.encode_factorized([factorize(y)])[0]

    def encode_pair(self, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Codes of true and predicted labels, new labels in order of appearance."""
        t, p = self.encode_factorized([factorize(y_true), factorize(y_pred)])
        return t, p

    def lookup(self, y: np.ndarray) -> np.ndarray:
        """Codes of labels without growing (``-1`` for unknown or missing)."""
        uniq, codes = factorize(y)
        table = np.array([self.index.get(u, -1) for u in uniq] + [-1], dtype=np.int64)
        return table[codes]


def argmax_labels(proba: np.ndarray, classes: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    """Predicted labels of probability rows, factorised over ``classes``.

    The most probable class wins (the first on ties); a row whose
    probabilities are all zero (nothing learned) has no prediction: code -1.
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2:
        raise SchemaError(f"proba must be 2-D (rows x classes). Got shape {proba.shape}.")
    if proba.shape[1] != len(classes):
        raise SchemaError(f"proba has {proba.shape[1]} columns but {len(classes)} classes were given.")
    if proba.shape[1] == 0:
        return [], np.full(len(proba), -1, dtype=np.int64)
    k = proba.shape[1]
    codes = proba.argmax(axis=1).astype(np.int64, copy=False)
    codes[proba[np.arange(len(proba)), codes] <= 0] = -1
    # Only the classes some row predicts (a loop of update never sees the others).
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=k))
    if len(used) == k:
        return list(classes), codes
    remap = np.full(k + 1, -1, dtype=np.int64)  # remap[-1] keeps -1
    remap[used] = np.arange(len(used))
    return [classes[j] for j in used.tolist()], remap[codes]


class ScoredBatch:
    """One batch of true labels with a classifier's probabilities, for several metrics.

    ``true()`` (the factorised truth) and ``pred()`` (the factorised
    predictions: the argmax of each row, see :func:`argmax_labels`) are
    computed once, on first use, and shared by every metric updated with
    :meth:`~streamlearn.metrics.base.Metric.update_batch`. ``true`` may be
    passed in when the caller already factorised ``y_true``. ``memo`` is a
    scratch dict where metrics share what else they derive from the batch.

    >>> batch = ScoredBatch(["a", "b"], np.array([[0.9, 0.1], [0.8, 0.2]]), ["a", "b"])
    >>> batch.true()[1].tolist(), batch.pred()
    ([0, 1], (['a'], array([0, 0])))
    """

    __slots__ = ("_pred", "_true", "classes", "memo", "proba", "y_true")

    def __init__(
        self,
        y_true: Any,
        proba: np.ndarray,
        classes: Sequence[Any],
        true: tuple[list[Any], np.ndarray] | None = None,
    ) -> None:
        self.y_true = y_true
        self.proba = proba
        self.classes = list(classes)
        self._true = true
        self._pred: tuple[list[Any], np.ndarray] | None = None
        self.memo: dict[Any, Any] = {}

    def true(self) -> tuple[list[Any], np.ndarray]:
        """The distinct true labels and the codes of the rows (as :func:`factorize`)."""
        if self._true is None:
            self._true = factorize(as_labels(self.y_true))
        return self._true

    def pred(self) -> tuple[list[Any], np.ndarray]:
        """The predicted labels, factorised (as :func:`argmax_labels`)."""
        if self._pred is None:
            self._pred = argmax_labels(self.proba, self.classes)
        return self._pred


def best_label(proba: dict[Any, float]) -> Any:
    """The most probable label of a ``{label: probability}`` dict (the first on ties).

    ``None`` when the dict is empty or every probability is zero.
    """
    best, best_p = None, 0.0
    for label, p in proba.items():
        if p > best_p:
            best, best_p = label, p
    return best
