"""A 1-D convolutional network over a sliding window of the stream: :class:`CNN1dClassifier`.

Convolutions along the window of the last ``window`` learned records
(:class:`streamlearn.nn.modules.CNN1d`: ``n_layers`` convolutions of
``channels`` filters of width ``kernel_size``, global average pooling, a
linear head) find local patterns in the recent records (bursts, ramps) of the
whole stream or, with ``key``, of each key. Training follows
:mod:`streamlearn.nn`.

Parameters
----------
channels
    Filters per convolution.
kernel_size
    Width of each filter, in records.
n_layers
    Convolutions.
activation
    As for :class:`~streamlearn.nn.MLPClassifier`.
dropout
    Dropout before the head.
window, key
    As for :class:`~streamlearn.nn.RNNClassifier`.
loss, optimizer, lr, optimizer_params, batch_size, epochs, replay_size, replay_batch, lr_schedule,
lr_schedule_params, clip_grad_norm, device, dtype, n_threads, seed
    As for :class:`~streamlearn.nn.TorchClassifier`.

Examples
--------
>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> import numpy as np
>>> from streamlearn.nn import CNN1dClassifier
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(3000, 1))
>>> burst = np.convolve((X[:, 0] > 0).astype(float), np.ones(3), "full")[:3000] == 3
>>> y = np.where(burst, "burst", "calm")  # the last three records were all positive
>>> model = CNN1dClassifier(channels=8, window=4, lr=0.01, batch_size=8, seed=1)
>>> pred = model.test_then_train_many(X, y)
>>> bool((pred[2000:] == y[2000:]).mean() > 0.95)
True

References
----------
Y. LeCun, Y. Bengio (1995). Convolutional networks for images, speech, and time series.
The Handbook of Brain Theory and Neural Networks.
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamlearn.base.params import Interval, Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import ENGINE_RULES, WINDOW_RULES, loss_rule
from streamlearn.nn._presets import ACTIVATION, DROPOUT, POSITIVE, available
from streamlearn.nn.classifier import _ClassifierEngine


@register()
class CNN1dClassifier(_ClassifierEngine):
    """1-D CNN classifier over a sliding window; see the module docstring."""

    channels: int
    kernel_size: int
    n_layers: int
    activation: str
    dropout: float

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **WINDOW_RULES,
        "window": Interval(int, 1, None),
        "channels": POSITIVE,
        "kernel_size": POSITIVE,
        "n_layers": POSITIVE,
        "activation": ACTIVATION,
        "dropout": DROPOUT,
        "loss": loss_rule(("cross_entropy",)),
    }

    def __init__(
        self,
        channels: int = 32,
        kernel_size: int = 3,
        n_layers: int = 2,
        activation: str = "relu",
        dropout: float = 0.0,
        window: int = 16,
        key: Any = None,
        loss: Any = None,
        optimizer: Any = "adam",
        lr: float | None = None,
        optimizer_params: dict[str, Any] | None = None,
        batch_size: int = 32,
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
    ):
        self._store(locals())

    def _module_spec(self) -> tuple[Any, dict[str, Any]]:
        return "cnn1d", {
            "channels": self.channels,
            "kernel_size": self.kernel_size,
            "n_layers": self.n_layers,
            "activation": self.activation,
            "dropout": self.dropout,
        }

    @classmethod
    def _unit_test_params(cls) -> Any:
        if not available():
            return
        yield {"channels": 3, "n_layers": 1, "window": 4, "batch_size": 1, "seed": 1}
        yield {
            "channels": 3,
            "kernel_size": 3,
            "window": 5,
            "batch_size": 8,
            "clip_grad_norm": 0.5,
            "seed": 2,
        }
