"""The metric contract.

A metric reduces a stream of (truth, prediction) pairs to one number that is
correct after every update. Every metric works the same way inside:

* ``_encode(...)`` turns a batch of inputs into per-record *contributions*, a
  tuple of 1-D arrays of equal length (label codes, losses, squared errors,
  ...). It may grow a vocabulary but never changes the accumulated value.
* ``_add(rec)`` / ``_remove(rec)`` fold contributions in and out of the
  running state (integer counts, running means, sorted scores).
* ``get()`` reads the value.

``update``/``update_many`` are ``_add(_encode(...))``; ``revert``/``revert_many``
are ``_remove(_encode(...))``; :class:`~streamlearn.metrics.rolling.Rolling`
keeps the contributions of the last ``N`` records in a ring buffer and removes
what leaves the window. ``update_many`` equals a loop of ``update`` (exactly
for counts, to rounding for sums).

``update_batch(batch)`` takes a classifier's batch as a
:class:`~streamlearn.metrics._labels.ScoredBatch` (labels, probabilities,
classes) and equals ``update_many(y_true, proba=..., classes=...)``; the
metrics updated with one batch share its factorised labels (and the label
metrics their codes and counts), so a prequential run does that work once
per batch instead of once per metric.

Like learners, a metric stores its constructor arguments under their own
names (``clone`` and ``get_params`` rely on it) and keeps its state in
attributes ending in ``_`` (``_state`` / ``_set_state`` for checkpoints).
"""

from __future__ import annotations

import copy
import inspect
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.params import Rule, validate

if TYPE_CHECKING:
    from streamlearn.metrics._labels import ScoredBatch

Record = tuple[np.ndarray, ...]

#: Which learners' outputs a metric reads, by its ``input``.
TASKS_BY_INPUT: dict[str, tuple[str, ...]] = {
    "labels": ("classification",),
    "proba": ("classification",),
    "score": ("classification", "anomaly"),
    "regression": ("regression",),
    "clustering": ("clustering",),
}


class Metric:
    """Base of every streaming metric."""

    _param_rules: ClassVar[dict[str, Rule]] = {}
    #: What the metric reads: "labels", "proba", "score", "regression" or "clustering".
    input: ClassVar[str] = "labels"
    #: Whether a larger value is better.
    bigger_is_better: ClassVar[bool] = True
    #: Whether ``_remove`` undoes ``_add`` exactly (integer counts). If not, a
    #: rolling window recomputes the state from its buffer now and then.
    _exact_revert: ClassVar[bool] = True
    #: The registry name of the metric with default parameters.
    _short: ClassVar[str] = "metric"

    def __init__(self) -> None:
        self._validate_params()
        self._init_state()

    # -- parameters ---------------------------------------------------------
    def _validate_params(self) -> None:
        validate(type(self).__name__, self.get_params(), self._param_rules)

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as stored."""
        return {name: getattr(self, name) for name in self._param_names()}

    def clone(self) -> Metric:
        """A fresh metric with the same parameters."""
        return type(self)(**copy.deepcopy(self.get_params()))

    @property
    def name(self) -> str:
        """A short name (``accuracy``, ``macro_f1``, ...) used as a report key."""
        return self._short

    @classmethod
    def works_with(cls, task: str) -> bool:
        """Whether the metric can score a learner of this task."""
        return task in TASKS_BY_INPUT.get(cls.input, ())

    # -- state --------------------------------------------------------------
    def _init_state(self) -> None:
        """Create the whole state (vocabularies included)."""
        self._clear()

    def _clear(self) -> None:
        """Zero the accumulated value (vocabularies are kept)."""
        raise NotImplementedError

    def _state(self) -> dict[str, Any]:
        """The state: public attributes ending in ``_``."""
        return {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}

    def _set_state(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        self._after_load()

    def _after_load(self) -> None:
        """Rebuild private caches after the state was restored (hook)."""

    # -- contributions --------------------------------------------------------
    def _encode(self, *args: Any, **kwargs: Any) -> Record:
        raise NotImplementedError

    def _encode_one(self, *args: Any, **kwargs: Any) -> Record:
        raise NotImplementedError

    def _encode_batch(self, batch: ScoredBatch) -> Record:
        """Contributions of a classifier's batch (labels and probabilities)."""
        return self._encode(batch.y_true, proba=batch.proba, classes=batch.classes)

    def _add(self, rec: Record) -> None:
        raise NotImplementedError

    def _remove(self, rec: Record) -> None:
        raise NotImplementedError

    # -- public API -----------------------------------------------------------
    def update(self, *args: Any, **kwargs: Any) -> Metric:
        """Fold in one record."""
        self._add(self._encode_one(*args, **kwargs))
        return self

    def update_many(self, *args: Any, **kwargs: Any) -> Metric:
        """Fold in a batch (equal to a loop of ``update``)."""
        rec = self._encode(*args, **kwargs)
        if len(rec[0]):
            self._add(rec)
        return self

    def update_batch(self, batch: ScoredBatch) -> Metric:
        """Fold in a classifier's batch: the same as ``update_many(batch.y_true,
        proba=batch.proba, classes=batch.classes)``, sharing the batch's
        factorised labels with the other metrics updated with it."""
        rec = self._encode_batch(batch)
        if len(rec[0]):
            self._add(rec)
        return self

    def revert(self, *args: Any, **kwargs: Any) -> Metric:
        """Undo an earlier ``update`` with the same arguments."""
        self._remove(self._encode_one(*args, **kwargs))
        return self

    def revert_many(self, *args: Any, **kwargs: Any) -> Metric:
        """Undo an earlier ``update_many`` with the same arguments."""
        rec = self._encode(*args, **kwargs)
        if len(rec[0]):
            self._remove(rec)
        return self

    def get(self) -> Any:
        """The current value."""
        raise NotImplementedError

    def _head(self) -> str:
        """The class name and the parameters that differ from their defaults."""
        sig = inspect.signature(type(self).__init__).parameters
        shown = []
        for k, v in self.get_params().items():
            d = sig[k].default
            if d is inspect.Parameter.empty or type(d) is not type(v) or d != v:
                shown.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(shown)})" if shown else type(self).__name__

    def __repr__(self) -> str:
        head = self._head()
        value = self.get()
        return f"{head}: {value:.6f}" if isinstance(value, float) else f"{head}: {value}"


def check_lengths(*arrays: np.ndarray) -> int:
    """The common length of 1-D inputs; a clear error when they differ."""
    n = len(arrays[0])
    for a in arrays[1:]:
        if len(a) != n:
            raise SchemaError(f"Got {n} true values but {len(a)} predictions; they must match.")
    return n


def as_float_array(values: Any, what: str) -> np.ndarray:
    """A 1-D float64 array (``None`` becomes NaN)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        out = values.astype(np.float64, copy=False)
    else:
        seq = values.tolist() if isinstance(values, np.ndarray) else list(values)
        try:
            out = np.array([np.nan if v is None else v for v in seq], dtype=np.float64)
        except (TypeError, ValueError):
            raise SchemaError(f"{what} must be numbers.") from None
    if out.ndim != 1:
        raise SchemaError(f"{what} must be 1-D (one per row). Got shape {out.shape}.")
    return out


class MeanMetric(Metric):
    """A metric that is the mean of a per-record value (losses, errors, scores).

    Contributions are ``(value, weight)`` with weight 1 (counted) or 0
    (skipped). The mean is kept with the numerically stable update
    ``mean += (sum_b - n_b * mean) / n`` (Chan et al.), batch by batch.
    """

    _exact_revert = False

    def _clear(self) -> None:
        self.n_ = 0.0
        self.mean_ = 0.0

    def _add(self, rec: Record) -> None:
        v, w = rec
        nb = float(w.sum())
        if nb == 0:
            return
        sb = float(np.dot(v, w)) if nb != len(w) else float(v.sum())
        self.n_ += nb
        self.mean_ += (sb - nb * self.mean_) / self.n_

    def _remove(self, rec: Record) -> None:
        v, w = rec
        nb = float(w.sum())
        if nb == 0:
            return
        sb = float(np.dot(v, w)) if nb != len(w) else float(v.sum())
        n = self.n_ - nb
        if n <= 0:
            self._clear()
            return
        self.mean_ = (self.n_ * self.mean_ - sb) / n
        self.n_ = n

    def _value(self, mean: float) -> float:
        return mean

    def get(self) -> float:
        return self._value(self.mean_) if self.n_ > 0 else 0.0
