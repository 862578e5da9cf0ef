"""Streaming and rolling metrics.

Every metric has ``update(y_true, y_pred)`` (one record), ``update_many``
(a batch, vectorised), ``revert``/``revert_many``, ``get()``, a ``name`` and
``bigger_is_better``. Labels may be any hashable scalars; a ``None``
prediction counts as wrong. :class:`Rolling` computes any metric over the last
``N`` records. :func:`get` builds a metric by name (the names the CLI takes)
and :func:`defaults_for` lists the defaults for a learner's task.

=====================  ===============================================
classification labels  Accuracy, BalancedAccuracy, Precision, Recall,
                       F1 (average binary/macro/micro/weighted),
                       CohenKappa, ConfusionMatrix
probabilities/scores   LogLoss, ROCAUC (exact)
regression             MAE, RMSE, R2
clustering             Inertia, Silhouette (centre-based), DaviesBouldin
=====================  ===============================================

>>> from streamlearn import metrics
>>> m = metrics.get("macro_f1")
>>> m.update_many(["a", "b", "b"], ["a", "b", "a"]).get()
0.666666...
>>> [m.name for m in metrics.defaults_for("regression")]
['mae', 'rmse', 'r2']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streamlearn.base.errors import UnknownNameError
from streamlearn.metrics.accuracy import Accuracy, BalancedAccuracy
from streamlearn.metrics.base import Metric
from streamlearn.metrics.confusion import ConfusionMatrix
from streamlearn.metrics.davies_bouldin import DaviesBouldin
from streamlearn.metrics.f1 import F1
from streamlearn.metrics.inertia import Inertia
from streamlearn.metrics.kappa import CohenKappa
from streamlearn.metrics.log_loss import LogLoss
from streamlearn.metrics.mae import MAE
from streamlearn.metrics.precision import Precision
from streamlearn.metrics.r2 import R2
from streamlearn.metrics.recall import Recall
from streamlearn.metrics.rmse import RMSE
from streamlearn.metrics.roc_auc import ROCAUC
from streamlearn.metrics.rolling import Rolling
from streamlearn.metrics.silhouette import Silhouette


def _averaged(cls: type[Metric], average: str) -> Callable[..., Metric]:
    def make(**params: Any) -> Metric:
        return cls(**{"average": average, **params})

    return make


_REGISTRY: dict[str, Callable[..., Metric]] = {
    "accuracy": Accuracy,
    "balanced_accuracy": BalancedAccuracy,
    "kappa": CohenKappa,
    "log_loss": LogLoss,
    "roc_auc": ROCAUC,
    "mae": MAE,
    "rmse": RMSE,
    "r2": R2,
    "inertia": Inertia,
    "silhouette": Silhouette,
    "davies_bouldin": DaviesBouldin,
}
for _cls in (F1, Precision, Recall):
    _REGISTRY[_cls._short] = _cls
    for _avg in ("macro", "micro", "weighted"):
        _REGISTRY[f"{_avg}_{_cls._short}"] = _averaged(_cls, _avg)

_ALIASES = {"cohen_kappa": "kappa", "auc": "roc_auc", "logloss": "log_loss", "f1_score": "f1"}

_CLASSES: dict[str, Callable[..., Metric]] = {
    c.__name__: c
    for c in (
        *(Accuracy, BalancedAccuracy, CohenKappa, ConfusionMatrix, DaviesBouldin, F1, Inertia, LogLoss),
        *(MAE, Precision, R2, Recall, RMSE, ROCAUC, Silhouette),
    )
}

_DEFAULTS = {
    "classification": ("accuracy", "macro_f1", "kappa"),
    "regression": ("mae", "rmse", "r2"),
    "clustering": ("inertia", "silhouette"),
    "anomaly": ("roc_auc",),
}


def names() -> list[str]:
    """The metric names :func:`get` knows."""
    return sorted(_REGISTRY)


def get(name: str, **params: Any) -> Metric:
    """A new metric by name (``"accuracy"``, ``"macro_f1"``, ``"rmse"``, ...).

    Class names (``"F1"``) work too; ``params`` go to the constructor, e.g.
    ``get("f1", pos_label="attack")``.
    """
    key = _ALIASES.get(name, name)
    factory = _REGISTRY.get(key)
    if factory is None:
        factory = _CLASSES.get(name)
    if factory is None:
        raise UnknownNameError(f"Unknown metric {name!r}. Known metrics: {', '.join(names())}.")
    return factory(**params)


def defaults_for(task: str) -> list[Metric]:
    """New default metrics for a learner task (``model.task``)."""
    if task not in _DEFAULTS:
        raise UnknownNameError(
            f"No default metrics for task {task!r}. Tasks with defaults: {', '.join(sorted(_DEFAULTS))}."
        )
    return [get(n) for n in _DEFAULTS[task]]


__all__ = [
    "F1",
    "MAE",
    "R2",
    "RMSE",
    "ROCAUC",
    "Accuracy",
    "BalancedAccuracy",
    "CohenKappa",
    "ConfusionMatrix",
    "DaviesBouldin",
    "Inertia",
    "LogLoss",
    "Metric",
    "Precision",
    "Recall",
    "Rolling",
    "Silhouette",
    "defaults_for",
    "get",
    "names",
]
