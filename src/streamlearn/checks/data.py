"""Small deterministic data sets fitted to a learner's task, for the checks."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from streamlearn.base.learner import Learner
from streamlearn.base.schema import CAT, NUM, Schema

N_ROWS = 120


def check_data(learner: Learner, n: int = N_ROWS, seed: int = 7) -> tuple[np.ndarray, Any, Schema]:
    """A batch ``(X, y, schema)``: non-negative numeric columns, plus a
    categorical one when the learner accepts it; labels with three classes
    (the third appearing only after the first third of the stream) for
    classifiers, a noisy linear target for regressors, ``None`` otherwise."""
    rng = np.random.default_rng(seed)
    scale = np.array([1.0, 10.0, 100.0, 0.5])
    Xn = rng.random((n, 4)) * scale
    cols: list[Hashable | tuple[Hashable, str]] = [("f0", NUM), ("f1", NUM), ("f2", NUM), ("f3", NUM)]
    X = Xn
    if learner.accepts_categorical:
        cat = rng.integers(0, 3, size=n).astype(np.float64)
        X = np.column_stack([Xn, cat])
        cols.append(("proto", CAT))
    schema = Schema(
        cols, categories={"proto": ["tcp", "udp", "icmp"]} if learner.accepts_categorical else None
    )
    y: Any = None
    if learner.task == "classification":
        score = Xn[:, 0] + Xn[:, 1] / 10 - 1.0 + 0.3 * rng.standard_normal(n)
        y = np.where(score > 0, "attack", "normal").astype(object)
        third = (Xn[:, 2] > 80) & (np.arange(n) > n // 3)
        y[third] = "scan"
        y = y.astype(str)
    elif learner.task == "regression":
        y = 2.0 * Xn[:, 0] - 0.05 * Xn[:, 1] + 0.01 * Xn[:, 2] + 0.1 * rng.standard_normal(n)
    return X, y, schema


def records(X: np.ndarray, schema: Schema) -> list[dict[Hashable, Any]]:
    """The rows of a batch as dicts."""
    return [schema.record(row) for row in X]
