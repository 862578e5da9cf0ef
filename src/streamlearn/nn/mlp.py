"""Multi-layer perceptrons that learn while they predict: :class:`MLPClassifier`, :class:`MLPRegressor`.

A fully connected network (:class:`streamlearn.nn.modules.MLP`): ``n_layers``
hidden layers of ``hidden`` units, then a linear output layer, trained by
the engine of :mod:`streamlearn.nn` (micro-batches of ``batch_size``
records, exact test-then-train, growth with new features and classes).
:class:`MLPClassifier` is :class:`~streamlearn.nn.TorchClassifier` with
``module="mlp"``; :class:`MLPRegressor` is :class:`~streamlearn.nn.TorchRegressor`
with it. Put a scaler in front (the command line does): the network expects
standardised inputs.

``batch_size`` defaults to 1 here (every record is one update, the semantics
of deep-river), which the compiled engine runs at hundreds of thousands of
records per second on one core (see :mod:`streamlearn.nn._compiled`); larger
micro-batches learn more slowly from a drifting stream.

Parameters
----------
hidden
    Units per hidden layer, or a list of widths (then ``n_layers`` is ignored).
n_layers
    Hidden layers (0: a linear model).
activation
    ``"relu"``, ``"tanh"``, ``"gelu"``, ``"sigmoid"``, ``"leaky_relu"`` or ``"elu"``.
dropout
    Dropout rate after each hidden layer.
loss, optimizer, lr, optimizer_params, batch_size, epochs, replay_size, replay_batch, lr_schedule,
lr_schedule_params, clip_grad_norm, device, dtype, n_threads, seed, engine
    As for :class:`~streamlearn.nn.TorchClassifier` (``scale_target`` as for
    :class:`~streamlearn.nn.TorchRegressor`).

Examples
--------
>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> from streamlearn.nn import MLPClassifier
>>> from streamlearn.preprocessing import StandardScaler
>>> model = StandardScaler() | MLPClassifier(hidden=16, lr=0.01, seed=1)
>>> for i in range(600):
...     x = {"bytes": float(i % 10), "port": float(i % 7)}
...     _ = model.learn_one(x, "big" if i % 10 >= 5 else "small")
>>> model.predict_one({"bytes": 9.0, "port": 3.0}), model.predict_one({"bytes": 1.0, "port": 3.0})
('big', 'small')
>>> import streamlearn
>>> streamlearn.make("mlp_classifier", module__hidden=64).hidden  # module__* routed as in skorch
64
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamlearn.base.params import BOOL, Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import COMPILED_RULES, ENGINE_RULES, loss_rule
from streamlearn.nn._presets import MLP_RULES, available, hidden_value
from streamlearn.nn.classifier import _ClassifierEngine
from streamlearn.nn.regressor import REGRESSION_LOSSES, _RegressorEngine


def _mlp_spec(self: Any) -> tuple[Any, dict[str, Any]]:
    return "mlp", {
        "hidden": hidden_value(self.hidden),
        "n_layers": self.n_layers,
        "activation": self.activation,
        "dropout": self.dropout,
    }


def _tests(extra: dict[str, Any]) -> Any:
    if not available():
        return
    yield {"hidden": 4, "n_layers": 1, "seed": 1, **extra}
    yield {  # the compiled per-record path, with the options it runs in the kernel
        "hidden": [5, 3],
        "activation": "tanh",
        "batch_size": 1,
        "optimizer": "sgd",
        "lr": 0.05,
        "epochs": 2,
        "lr_schedule": "exponential",
        "clip_grad_norm": 1.0,
        "engine": "compiled",
        "seed": 3,
        **extra,
    }
    yield {
        "hidden": [5, 3],
        "dropout": 0.2,
        "batch_size": 8,
        "optimizer": "adamw",
        "epochs": 2,
        "lr_schedule": "cosine",
        "lr_schedule_params": {"period": 10},
        "seed": 2,
        **extra,
    }


@register()
class MLPClassifier(_ClassifierEngine):
    """Online multi-layer perceptron classifier; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **COMPILED_RULES,
        **MLP_RULES,
        "loss": loss_rule(("cross_entropy",)),
    }
    _module_spec = _mlp_spec

    def __init__(
        self,
        hidden: Any = 32,
        n_layers: int = 2,
        activation: str = "relu",
        dropout: float = 0.0,
        loss: Any = None,
        optimizer: Any = "adam",
        lr: float | None = None,
        optimizer_params: dict[str, Any] | None = None,
        batch_size: int = 1,
        epochs: int = 1,
        replay_size: int = 0,
        replay_batch: int | None = None,
        lr_schedule: str | None = None,
        lr_schedule_params: dict[str, Any] | None = None,
        clip_grad_norm: float | None = None,
        device: str = "cpu",
        dtype: str = "float64",
        n_threads: int | None = 1,
        seed: int | None = None,
        engine: str = "auto",
    ):
        self._store(locals())

    @classmethod
    def _unit_test_params(cls) -> Any:
        yield from _tests({})


@register()
class MLPRegressor(_RegressorEngine):
    """Online multi-layer perceptron regressor; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **COMPILED_RULES,
        **MLP_RULES,
        "loss": loss_rule(REGRESSION_LOSSES),
        "scale_target": BOOL,
    }
    _module_spec = _mlp_spec

    def __init__(
        self,
        hidden: Any = 32,
        n_layers: int = 2,
        activation: str = "relu",
        dropout: float = 0.0,
        loss: Any = None,
        scale_target: bool = True,
        optimizer: Any = "adam",
        lr: float | None = None,
        optimizer_params: dict[str, Any] | None = None,
        batch_size: int = 1,
        epochs: int = 1,
        replay_size: int = 0,
        replay_batch: int | None = None,
        lr_schedule: str | None = None,
        lr_schedule_params: dict[str, Any] | None = None,
        clip_grad_norm: float | None = None,
        device: str = "cpu",
        dtype: str = "float64",
        n_threads: int | None = 1,
        seed: int | None = None,
        engine: str = "auto",
    ):
        self._store(locals())

    @classmethod
    def _unit_test_params(cls) -> Any:
        yield from _tests({"loss": "huber"})
