"""Shared helpers of the torch learner tests."""

from __future__ import annotations

from typing import Any

import numpy as np


def weights(model: Any) -> dict[str, np.ndarray]:
    """The module's weights as arrays (exported state)."""
    return model._state()["module_state_"]


def same_weights(a: Any, b: Any) -> bool:
    wa, wb = weights(a), weights(b)
    return wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)


def xor_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, "same", "diff")
    return X, y
