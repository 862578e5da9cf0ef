"""Recurrent networks over a sliding window of the stream: :class:`RNNClassifier`,
:class:`RNNRegressor` and :class:`RNNForecaster`.

An LSTM or GRU (:class:`streamlearn.nn.modules.RNN`) reads the window of the
last ``window`` learned records ending at the record to predict (zeros
before the stream starts; with ``key`` one window per value of the key
column, e.g. per host), and a linear head reads its state after the last
record. :class:`RNNForecaster` reads the last ``window`` observations of one
or several series and forecasts the next ``horizon`` steps (see
:class:`~streamlearn.nn.TorchForecaster`). Training follows
:mod:`streamlearn.nn` (micro-batches, exact test-then-train, growth).

Parameters
----------
cell
    ``"lstm"`` or ``"gru"``.
hidden
    Units of the recurrent state.
n_layers
    Stacked recurrent layers.
dropout
    Dropout between stacked layers.
bptt
    Truncated backpropagation through time: learn through the last ``bptt`` records of each
    window only (they all set the state). ``None``: the whole window; ``4`` learns about twice
    as fast over a window of 16.
window
    Records (observations) per window.
key
    Classifier and regressor: a column selecting one window per key value.
readout, readout_slow
    Classifier: a per-record linear readout of the state and the record (see
    :mod:`streamlearn.nn._readout`): the network learns per micro-batch, the readout after every
    record, so predictions follow the stream between updates. ``readout`` is the step of its
    tracking part (normalised LMS; ``None``: no readout, the network's head alone),
    ``readout_slow`` the rate of its slow part (AdaGrad; 0: none).
horizon
    Forecaster: steps forecast at once (longer forecasts are recursive).
loss, optimizer, lr, optimizer_params, batch_size, epochs, replay_size, replay_batch, lr_schedule,
lr_schedule_params, clip_grad_norm, device, dtype, n_threads, seed
    As for :class:`~streamlearn.nn.TorchClassifier` (``scale_target`` as for
    :class:`~streamlearn.nn.TorchRegressor`).

Examples
--------
A label that depends on the previous records, not the current one:

>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> import numpy as np
>>> from streamlearn.nn import RNNClassifier
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(4000, 1))
>>> y = np.where(np.roll(X[:, 0], 2) > 0, "up", "down")  # the sign two records ago
>>> model = RNNClassifier(cell="gru", hidden=16, window=4, lr=0.01, batch_size=8, seed=1)
>>> pred = model.test_then_train_many(X, y)
>>> bool((pred[3000:] == y[3000:]).mean() > 0.95)
True

References
----------
S. Hochreiter, J. Schmidhuber (1997). Long short-term memory. Neural Computation 9(8).
K. Cho et al. (2014). Learning phrase representations using RNN encoder-decoder for
statistical machine translation. EMNLP.
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamlearn.base.params import BOOL, Interval, Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import ENGINE_RULES, WINDOW_RULES, loss_rule
from streamlearn.nn._presets import RNN_RULES, available
from streamlearn.nn._readout import READOUT_RULES, ReadoutClassifier
from streamlearn.nn.classifier import _ClassifierEngine
from streamlearn.nn.forecaster import FORECASTER_RULES, _ForecasterEngine
from streamlearn.nn.regressor import REGRESSION_LOSSES, _RegressorEngine

_WINDOW = {**WINDOW_RULES, "window": Interval(int, 1, None)}


def _rnn_spec(self: Any) -> tuple[Any, dict[str, Any]]:
    return "rnn", {
        "cell": self.cell,
        "hidden": self.hidden,
        "n_layers": self.n_layers,
        "dropout": self.dropout,
        "bptt": self.bptt,
    }


@register()
class RNNClassifier(ReadoutClassifier, _ClassifierEngine):
    """LSTM/GRU classifier over a sliding window; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **RNN_RULES,
        **_WINDOW,
        **READOUT_RULES,
        "loss": loss_rule(("cross_entropy",)),
    }
    _module_spec = _rnn_spec

    def __init__(
        self,
        cell: str = "lstm",
        hidden: int = 32,
        n_layers: int = 1,
        dropout: float = 0.0,
        bptt: int | None = None,
        window: int = 16,
        key: Any = None,
        readout: float | None = 0.3,
        readout_slow: float = 0.1,
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

    @classmethod
    def _unit_test_params(cls) -> Any:
        if not available():
            return
        yield {"hidden": 3, "window": 3, "batch_size": 1, "seed": 1}
        yield {
            "cell": "gru",
            "hidden": 3,
            "window": 4,
            "batch_size": 8,
            "key": "f3",
            "replay_size": 8,
            "seed": 2,
        }
        yield {"hidden": 3, "window": 4, "batch_size": 4, "bptt": 2, "readout": None, "seed": 3}


@register()
class RNNRegressor(_RegressorEngine):
    """LSTM/GRU regressor over a sliding window; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **RNN_RULES,
        **_WINDOW,
        "loss": loss_rule(REGRESSION_LOSSES),
        "scale_target": BOOL,
    }
    _module_spec = _rnn_spec

    def __init__(
        self,
        cell: str = "lstm",
        hidden: int = 32,
        n_layers: int = 1,
        dropout: float = 0.0,
        bptt: int | None = None,
        window: int = 16,
        key: Any = None,
        loss: Any = None,
        scale_target: bool = True,
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

    @classmethod
    def _unit_test_params(cls) -> Any:
        if not available():
            return
        yield {"cell": "gru", "hidden": 3, "window": 3, "batch_size": 1, "seed": 1}
        yield {"hidden": 3, "n_layers": 2, "dropout": 0.1, "window": 4, "batch_size": 8, "seed": 2}


@register()
class RNNForecaster(_ForecasterEngine):
    """LSTM/GRU forecaster of one or several series; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {**FORECASTER_RULES, **RNN_RULES}
    _module_spec = _rnn_spec

    def __init__(
        self,
        cell: str = "lstm",
        hidden: int = 32,
        n_layers: int = 1,
        dropout: float = 0.0,
        bptt: int | None = None,
        window: int = 16,
        horizon: int = 1,
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

    @classmethod
    def _unit_test_params(cls) -> Any:
        if not available():
            return
        yield {"hidden": 3, "window": 4, "horizon": 2, "batch_size": 1, "seed": 1}
        yield {"cell": "gru", "hidden": 3, "window": 3, "horizon": 1, "batch_size": 8, "epochs": 2, "seed": 2}
