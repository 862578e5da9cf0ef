"""Shared input handling of the regression metrics.

``update(y_true, y_pred)`` takes two numbers; ``update_many`` two 1-D arrays.
A true value must be finite (score a row once its target is known). A missing
prediction (``None`` or ``NaN``, a model that has learned nothing) counts as a
prediction of 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.metrics.base import as_float_array, check_lengths


def targets_and_predictions(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = as_float_array(y_true, "True values")
    p = as_float_array(y_pred, "Predictions")
    check_lengths(t, p)
    if not np.isfinite(t).all():
        raise SchemaError(
            f"Row {int(np.argmax(~np.isfinite(t)))} has a missing or infinite true value; drop rows "
            "without a target before scoring them."
        )
    bad = np.isnan(p)
    if bad.any():
        p = np.where(bad, 0.0, p)
    return t, p


def one(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    return targets_and_predictions([y_true], [y_pred])
