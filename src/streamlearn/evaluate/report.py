"""The result of a prequential evaluation.

>>> r = PrequentialReport(model="Demo()", task="classification", n=3, n_scored=3,
...                       metrics={"accuracy": 2 / 3}, seconds=0.5)
>>> r.rows_per_second
6.0
>>> r.to_dict()["metrics"]
{'accuracy': 0.6666666666666666}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def jsonable(v: Any) -> Any:
    """Plain JSON values: arrays become lists, NaN and infinities become None."""
    if isinstance(v, np.ndarray):
        return [jsonable(e) for e in v.tolist()]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): jsonable(e) for k, e in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(e) for e in v]
    return v


@dataclass
class PrequentialReport:
    """What a prequential run measured.

    Attributes
    ----------
    model
        ``repr`` of the model evaluated.
    task
        The model's task (classification, regression, anomaly, clustering).
    n
        Rows read from the stream (predicted).
    n_scored
        Rows whose prediction was scored (labelled rows; for clusterers every row).
    n_unlabelled
        Rows without a label (predicted, not learned by supervised models, not scored).
    metrics
        Final value of each metric, by name (rolling ones as ``rolling_<name>``).
    history
        One dict per checkpoint: ``{"n": rows read, <metric>: value, ...}``;
        the last entry is the final state.
    seconds
        Time spent predicting, learning and updating metrics (not reading).
    read_seconds
        Time spent pulling batches (or records) from the stream.
    rows_per_second
        ``n / seconds``.
    delay, batch_size, every, rolling, one_at_a_time
        The settings of the run.
    metric_objects
        The metric objects themselves, in their final state (not serialised).
    """

    model: str
    task: str
    n: int = 0
    n_scored: int = 0
    n_unlabelled: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    read_seconds: float = 0.0
    delay: int = 0
    batch_size: int = 1000
    every: int | None = None
    rolling: int | None = None
    one_at_a_time: bool = False
    metric_objects: list[Any] = field(default_factory=list, repr=False, compare=False)

    @property
    def rows_per_second(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else 0.0

    def current(self) -> dict[str, Any]:
        """The metric values now (useful from a progress callback)."""
        return {m.name: m.get() for m in self.metric_objects}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every field but ``metric_objects``."""
        return {
            "model": self.model,
            "task": self.task,
            "n": self.n,
            "n_scored": self.n_scored,
            "n_unlabelled": self.n_unlabelled,
            "metrics": jsonable(self.metrics),
            "history": jsonable(self.history),
            "seconds": self.seconds,
            "read_seconds": self.read_seconds,
            "rows_per_second": self.rows_per_second,
            "delay": self.delay,
            "batch_size": self.batch_size,
            "every": self.every,
            "rolling": self.rolling,
            "one_at_a_time": self.one_at_a_time,
        }

    def __str__(self) -> str:
        lines = [
            f"Prequential evaluation of {self.model}",
            f"  rows {self.n:,} (scored {self.n_scored:,}, unlabelled {self.n_unlabelled:,}), "
            f"delay {self.delay}"
            + (", one at a time" if self.one_at_a_time else f", batches of {self.batch_size:,}"),
            f"  test-then-train {self.seconds:.3f} s ({self.rows_per_second:,.0f} rows/s), "
            f"reading {self.read_seconds:.3f} s",
        ]
        scalars = {k: v for k, v in self.metrics.items() if not isinstance(v, np.ndarray)}
        if scalars:
            width = max(len(k) for k in scalars)
            lines.append("  " + "metric".ljust(width) + "      value")
            for k, v in scalars.items():
                lines.append("  " + k.ljust(width) + " " + _fmt(v).rjust(10))
        if len(self.history) > 1 and scalars:
            rows = self.history
            if len(rows) > 10:
                picks = np.unique(np.linspace(0, len(rows) - 1, 10).round().astype(int))
                rows = [rows[i] for i in picks]
            names = list(scalars)
            widths = [max(10, len(k)) for k in names]
            lines.append(
                "  " + "n".rjust(10) + "".join(" " + k.rjust(w) for k, w in zip(names, widths, strict=True))
            )
            for row in rows:
                cells = "".join(" " + _fmt(row.get(k)).rjust(w) for k, w in zip(names, widths, strict=True))
                lines.append("  " + f"{row['n']:,}".rjust(10) + cells)
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.4f}"
    return str(v)
