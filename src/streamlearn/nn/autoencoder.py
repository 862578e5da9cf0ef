"""An autoencoder anomaly detector, plain or denoising: :class:`AutoencoderDetector`.

An encoder ``n_features -> hidden -> latent`` and a mirrored decoder
(:class:`streamlearn.nn.modules.Autoencoder`) learn to reconstruct the
stream's records; a record's anomaly score is its reconstruction error
(mean squared error by default) before it is learned. With ``noise > 0`` it
is a denoising autoencoder: it learns to undo Gaussian noise
(``noise_kind="gaussian"``, standard deviation ``noise``) or masking
(``"mask"``, each value zeroed with probability ``noise``), which makes the
code more robust. See :class:`~streamlearn.nn.TorchAnomalyDetector` for the
details and :mod:`streamlearn.nn` for the training semantics. Put a scaler
in front (the command line does).

Parameters
----------
hidden
    Units of each hidden layer of the encoder, or a list of widths.
n_layers
    Hidden layers of the encoder when ``hidden`` is an int.
latent
    Width of the code.
activation
    As for :class:`~streamlearn.nn.MLPClassifier`.
dropout
    Dropout after each hidden layer.
noise, noise_kind
    Corruption of the training input (0: a plain autoencoder).
loss, optimizer, lr, optimizer_params, batch_size, epochs, replay_size, replay_batch, lr_schedule,
lr_schedule_params, clip_grad_norm, device, dtype, n_threads, seed, engine
    As for :class:`~streamlearn.nn.TorchClassifier`; ``batch_size`` defaults to 1 (one
    update per record, run by the compiled engine), as for :class:`~streamlearn.nn.MLPClassifier`.

Examples
--------
>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> import numpy as np
>>> from streamlearn.nn import AutoencoderDetector
>>> from streamlearn.preprocessing import StandardScaler
>>> rng = np.random.default_rng(0)
>>> t = rng.normal(size=(3000, 1))
>>> X = np.hstack([t, 2 * t, -t, t**2]) + 0.05 * rng.normal(size=(3000, 4))
>>> X[2500::50] = rng.normal(size=(10, 4)) * 2  # off the curve
>>> det = StandardScaler() | AutoencoderDetector(hidden=16, latent=2, noise=0.05, seed=1)
>>> scores = det.test_then_train_many(X)
>>> bool(np.median(scores[2500::50]) > 5 * np.median(scores[2000:2500]))
True

References
----------
P. Vincent, H. Larochelle, Y. Bengio, P.-A. Manzagol (2008). Extracting and composing
robust features with denoising autoencoders. ICML.
M. Sakurada, T. Yairi (2014). Anomaly detection using autoencoders with nonlinear
dimensionality reduction. MLSDA.
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamlearn.base.params import Rule
from streamlearn.base.registry import register
from streamlearn.nn._presets import MLP_RULES, POSITIVE, available, hidden_value
from streamlearn.nn.anomaly import DETECTOR_RULES, _DetectorEngine


@register()
class AutoencoderDetector(_DetectorEngine):
    """Autoencoder (optionally denoising) anomaly detector; see the module docstring."""

    hidden: Any
    n_layers: int
    latent: int
    activation: str
    dropout: float

    _param_rules: ClassVar[dict[str, Rule]] = {**DETECTOR_RULES, **MLP_RULES, "latent": POSITIVE}

    def __init__(
        self,
        hidden: Any = 32,
        n_layers: int = 1,
        latent: int = 8,
        activation: str = "relu",
        dropout: float = 0.0,
        noise: float = 0.0,
        noise_kind: str = "gaussian",
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

    def _module_spec(self) -> tuple[Any, dict[str, Any]]:
        return "autoencoder", {
            "hidden": hidden_value(self.hidden),
            "n_layers": self.n_layers,
            "latent": self.latent,
            "activation": self.activation,
            "dropout": self.dropout,
        }

    @classmethod
    def _unit_test_params(cls) -> Any:
        if not available():
            return
        yield {"hidden": 4, "latent": 2, "batch_size": 1, "seed": 1}
        yield {"hidden": [6, 4], "latent": 2, "noise": 0.1, "batch_size": 8, "replay_size": 8, "seed": 2}
