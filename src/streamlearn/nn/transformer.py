"""A small transformer encoder over a sliding window of the stream: :class:`TransformerClassifier`.

Each record of the window of the last ``window`` learned records is embedded
(a linear map to ``d_model`` values plus a learned position vector), passes
``n_layers`` pre-norm encoder layers of ``n_heads`` self-attention heads
(:class:`streamlearn.nn.modules.Transformer`), and a linear head reads the
last position. Training follows :mod:`streamlearn.nn`.

Parameters
----------
d_model
    Embedding width (a multiple of ``n_heads``).
n_heads
    Attention heads.
n_layers
    Encoder layers.
dim_feedforward
    Units of each layer's feed-forward block.
dropout
    Dropout inside the encoder layers.
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
>>> from streamlearn.nn import TransformerClassifier
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(3000, 1))
>>> y = np.where(np.roll(X[:, 0], 1) > 0, "up", "down")  # the sign of the previous record
>>> model = TransformerClassifier(d_model=16, n_heads=2, window=3, lr=0.005, batch_size=8, seed=1)
>>> pred = model.test_then_train_many(X, y)
>>> bool((pred[2000:] == y[2000:]).mean() > 0.9)
True

References
----------
A. Vaswani et al. (2017). Attention is all you need. NeurIPS.
R. Xiong et al. (2020). On layer normalization in the transformer architecture. ICML (pre-norm).
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import Interval, Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import ENGINE_RULES, WINDOW_RULES, loss_rule
from streamlearn.nn._presets import DROPOUT, POSITIVE, available
from streamlearn.nn.classifier import _ClassifierEngine


@register()
class TransformerClassifier(_ClassifierEngine):
    """Transformer-encoder classifier over a sliding window; see the module docstring."""

    d_model: int
    n_heads: int
    n_layers: int
    dim_feedforward: int
    dropout: float

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **WINDOW_RULES,
        "window": Interval(int, 1, None),
        "d_model": POSITIVE,
        "n_heads": POSITIVE,
        "n_layers": POSITIVE,
        "dim_feedforward": POSITIVE,
        "dropout": DROPOUT,
        "loss": loss_rule(("cross_entropy",)),
    }

    def __init__(
        self,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 1,
        dim_feedforward: int = 64,
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

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.d_model % self.n_heads:
            raise InvalidParameterError(
                f"The 'd_model' parameter of TransformerClassifier must be a multiple of n_heads "
                f"({self.n_heads}). Got {self.d_model}."
            )

    def _module_spec(self) -> tuple[Any, dict[str, Any]]:
        return "transformer", {
            "d_model": self.d_model,
            "n_heads": self.n_heads,
            "n_layers": self.n_layers,
            "dim_feedforward": self.dim_feedforward,
            "dropout": self.dropout,
        }

    @classmethod
    def _unit_test_params(cls) -> Any:
        if not available():
            return
        yield {"d_model": 4, "n_heads": 2, "dim_feedforward": 8, "window": 3, "batch_size": 1, "seed": 1}
        yield {"d_model": 4, "n_heads": 1, "dim_feedforward": 8, "window": 4, "batch_size": 8, "seed": 2}
