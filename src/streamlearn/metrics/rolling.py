"""Rolling (windowed) metrics: any metric over the last ``window_size`` records.

``Rolling(metric, N)`` keeps the per-record contributions of the last ``N``
records in a ring buffer of NumPy arrays (label codes, losses, scores, ...).
Each batch is encoded once, folded into the wrapped metric, and what leaves
the window is folded out with the metric's exact inverse: integer counts
(confusion-matrix metrics, ROC AUC) are exact; running means (log loss, MAE,
RMSE, R2, clustering) are recomputed from the buffer whenever ``N`` records
have left since the last recomputation, so rounding cannot build up. A batch
of ``N`` or more rows replaces the window by its last ``N`` rows. All of it is
vectorised per batch; the value equals the metric computed afresh on the last
``N`` records (to rounding for sums).

>>> from streamlearn.metrics import Accuracy, Rolling
>>> m = Rolling(Accuracy(), window_size=3)
>>> _ = m.update_many([1, 1, 1, 1, 1], [1, 1, 0, 0, 0])
>>> m.get(), m.name
(0.0, 'rolling_accuracy')
>>> _ = m.update(1, 1)
>>> round(m.get(), 4)
0.3333
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import Interval, Rule
from streamlearn.metrics._labels import ScoredBatch
from streamlearn.metrics.base import Metric, Record


class Rolling(Metric):
    """A metric over the last ``window_size`` records.

    Parameters
    ----------
    metric
        The metric to compute over the window (it is cloned: the argument is
        not updated).
    window_size
        The number of most recent records the value covers.
    """

    _param_rules: ClassVar[dict[str, Rule]] = {"window_size": Interval(int, 1, None)}

    def __init__(self, metric: Metric, window_size: int) -> None:
        self.metric = metric
        self.window_size = window_size
        if not isinstance(metric, Metric) or isinstance(metric, Rolling):
            from streamlearn.base.errors import InvalidParameterError

            raise InvalidParameterError(
                f"The 'metric' parameter of Rolling must be a streamlearn metric (not a Rolling). "
                f"Got {metric!r}."
            )
        super().__init__()

    # Behaves like the wrapped metric.
    @property
    def name(self) -> str:
        return f"rolling_{self.metric.name}"

    @property
    def input(self) -> str:  # type: ignore[override]
        return self.metric.input

    @property
    def bigger_is_better(self) -> bool:  # type: ignore[override]
        return self.metric.bigger_is_better

    def works_with(self, task: str) -> bool:  # type: ignore[override]
        return self.metric.works_with(task)

    # -- state -----------------------------------------------------------------
    def _init_state(self) -> None:
        self.metric_ = self.metric.clone()
        self.buffer_: list[np.ndarray] = []
        self.start_ = 0  # position of the oldest record
        self.size_ = 0  # records in the window
        self.since_refresh_ = 0  # records removed since the last recomputation

    def _clear(self) -> None:
        self.metric_._clear()
        self.start_ = self.size_ = self.since_refresh_ = 0

    # -- ring buffer -------------------------------------------------------------
    def _take(self, first: int, count: int) -> Record:
        """``count`` records starting ``first`` records after the oldest, in order."""
        W = self.window_size
        idx = (self.start_ + first + np.arange(count)) % W
        return tuple(b[idx] for b in self.buffer_)

    def _push(self, rec: Record) -> None:
        n = len(rec[0])
        if n == 0:
            return
        W = self.window_size
        inner = self.metric_
        if not self.buffer_:
            self.buffer_ = [np.empty(W, dtype=a.dtype) for a in rec]
        if n >= W:
            tail = tuple(a[n - W :] for a in rec)
            inner._clear()
            inner._add(tail)
            for b, a in zip(self.buffer_, tail, strict=True):
                b[:] = a
            self.start_, self.size_, self.since_refresh_ = 0, W, 0
            return
        overflow = self.size_ + n - W
        if overflow > 0:
            inner._remove(self._take(0, overflow))
            self.start_ = (self.start_ + overflow) % W
            self.size_ -= overflow
            self.since_refresh_ += overflow
        idx = (self.start_ + self.size_ + np.arange(n)) % W
        for b, a in zip(self.buffer_, rec, strict=True):
            b[idx] = a
        self.size_ += n
        inner._add(rec)
        if not inner._exact_revert and self.since_refresh_ >= W:
            inner._clear()
            inner._add(self._take(0, self.size_))
            self.since_refresh_ = 0

    # -- public API ------------------------------------------------------------------
    def update(self, *args: Any, **kwargs: Any) -> Rolling:
        self._push(self.metric_._encode_one(*args, **kwargs))
        return self

    def update_many(self, *args: Any, **kwargs: Any) -> Rolling:
        self._push(self.metric_._encode(*args, **kwargs))
        return self

    def update_batch(self, batch: ScoredBatch) -> Rolling:
        self._push(self.metric_._encode_batch(batch))
        return self

    def revert(self, *args: Any, **kwargs: Any) -> Rolling:
        raise NotImplementedError("A rolling metric forgets old records by itself; it cannot revert.")

    def revert_many(self, *args: Any, **kwargs: Any) -> Rolling:
        raise NotImplementedError("A rolling metric forgets old records by itself; it cannot revert.")

    def get(self) -> Any:
        return self.metric_.get()

    @property
    def n(self) -> int:
        """Records in the window."""
        return self.size_

    def __repr__(self) -> str:
        value = self.get()
        inner = self.metric._head()
        shown = f"{value:.6f}" if isinstance(value, float) else str(value)
        return f"Rolling({inner}, window_size={self.window_size}): {shown}"
