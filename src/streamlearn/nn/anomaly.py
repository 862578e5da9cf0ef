"""Online anomaly detection by reconstruction error: :class:`TorchAnomalyDetector`.

The module reconstructs its input (an example: a record's features, or a
window of records); the anomaly score of a record is its reconstruction
error (the loss, averaged over the example's values) under the weights
before the record is learned. Every record is learned (the detector learns
what is normal from the stream itself, as River's and deep-river's
detectors do); a higher score means more anomalous.

With ``noise > 0`` the module learns to reconstruct the clean input from a
corrupted one (a denoising autoencoder): ``noise_kind="gaussian"`` adds
``noise * N(0, 1)`` to each value, ``"mask"`` sets each value to 0 with
probability ``noise``. Scores always use the clean input.

Missing values (NaN) are 0 in the input and in the reconstruction target,
which after a StandardScaler is the running mean.

Parameters
----------
module, module_params, window, key
    As for :class:`~streamlearn.nn.TorchClassifier`; the default module is
    ``"autoencoder"``. The output must have the example's shape.
noise, noise_kind
    Corruption of the training input (0: a plain autoencoder).
loss
    ``None`` or ``"mse"`` (default), ``"l1"``, ``"huber"``, or a callable
    ``(reconstruction, input) -> element-wise loss``.
optimizer, lr, optimizer_params, batch_size, epochs, replay_size, replay_batch, lr_schedule,
lr_schedule_params, clip_grad_norm, device, dtype, n_threads, seed, engine
    As for :class:`~streamlearn.nn.TorchClassifier`.

Examples
--------
>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> import numpy as np
>>> from streamlearn.nn import TorchAnomalyDetector
>>> rng = np.random.default_rng(0)
>>> t = rng.normal(size=(3000, 1))
>>> X = np.hstack([t, 2 * t, -t]) + 0.05 * rng.normal(size=(3000, 3))  # normal: on a line
>>> X[2500::50] = rng.normal(size=(10, 3)) * 2  # anomalies: off the line
>>> det = TorchAnomalyDetector(module_params={"hidden": 8, "latent": 1}, lr=0.01, batch_size=8, seed=1)
>>> scores = det.test_then_train_many(X)
>>> bool(np.median(scores[2500::50]) > 10 * np.median(scores[2000:2500]))
True
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.learner import AnomalyDetector
from streamlearn.base.params import Interval, OneOf, Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import (
    COMPILED_RULES,
    ENGINE_RULES,
    MODULE_RULES,
    WINDOW_RULES,
    TorchLearner,
    loss_rule,
)

RECONSTRUCTION_LOSSES = ("mse", "l1", "huber")


class _DetectorEngine(TorchLearner, AnomalyDetector):
    """The reconstruction hooks of the engine."""

    noise: float
    noise_kind: str
    _compiled_task = "inputs"

    def _noise_free(self) -> bool:
        return not self.noise

    def _first_outputs(self, T: np.ndarray, n_features: int) -> int:
        return n_features

    def _outputs_for(self, n_features: int) -> int:
        return n_features

    def _check_output(self, shape: tuple[int, ...]) -> None:
        want = (1, *self._example_shape())
        if shape != want:
            raise SchemaError(
                f"The module of {type(self).__name__} must reconstruct its input: for an example of "
                f"shape {want} it returned shape {shape}."
            )

    def _corrupt(self, xb: Any) -> Any:
        if not self.noise:
            return xb
        torch = self._torch
        if self.noise_kind == "mask":
            return xb * (torch.rand_like(xb) >= self.noise).to(xb.dtype)
        return xb + self.noise * torch.randn_like(xb)

    def _errors(self, raw: Any, x: Any) -> Any:
        err = self._loss_fn(raw, x)
        return err.reshape(len(err), -1).mean(dim=1) if err.dim() else err.reshape(1).expand(len(x))

    def _loss(self, out: Any, xb: Any, tb: Any) -> Any:
        return self._loss_fn(out, xb).mean()

    def _compiled_targets(
        self, E: np.ndarray, T: np.ndarray, s: int, e: int
    ) -> tuple[np.ndarray | None, np.ndarray | None, int]:
        return E, None, 0  # the (clean) input is the target

    def _decode(self, raw: Any, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any) -> None:
        out[i:j] = self._errors(raw, self._tensor(E)).detach().to("cpu").double().numpy()

    def _decode_raw(
        self, raw: np.ndarray, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any
    ) -> None:
        # the built-in losses of the compiled path, element-wise in the module's precision
        d = raw - E.reshape(len(E), -1).astype(raw.dtype)
        loss = self.loss if self.loss is not None else self._default_loss
        if loss == "l1":
            err = np.abs(d)
        elif loss == "huber":
            a = np.abs(d)
            err = np.where(a < 1.0, 0.5 * d * d, a - 0.5)
        else:
            err = d * d
        out[i:j] = err.mean(axis=1)

    # -- AnomalyDetector hooks -------------------------------------------------------
    def _learn(self, X: np.ndarray) -> None:
        self._run(None, X, np.zeros((len(X), 0)))

    def _output(self, X: np.ndarray) -> np.ndarray:
        if not self._built or not len(X):
            return np.zeros(len(X))
        E = self._pred_examples(X)
        raw = self._forward(E)
        return np.asarray(self._errors(raw, self._tensor(E)).to("cpu").double().numpy())

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray) -> np.ndarray:
        out = self._run(X_pred, X_learn, np.zeros((len(X_learn), 0)))
        assert out is not None
        return out


DETECTOR_RULES = {
    **ENGINE_RULES,
    **COMPILED_RULES,
    "loss": loss_rule(RECONSTRUCTION_LOSSES),
    "noise": Interval(float, 0, None),
    "noise_kind": OneOf("gaussian", "mask"),
}


@register()
class TorchAnomalyDetector(_DetectorEngine):
    """Reconstruction-error anomaly detector around any ``torch.nn.Module``; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {**DETECTOR_RULES, **MODULE_RULES, **WINDOW_RULES}

    def __init__(
        self,
        module: Any = "autoencoder",
        module_params: dict[str, Any] | None = None,
        window: int | None = None,
        key: Any = None,
        noise: float = 0.0,
        noise_kind: str = "gaussian",
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
        engine: str = "auto",
    ):
        self._store(locals())

    @classmethod
    def _unit_test_params(cls) -> Any:
        from streamlearn.nn._torch import torch_available

        if not torch_available():
            return
        for p in cls._tiny():
            yield {**p, "module_params": {"hidden": 4, "latent": 2}}
        yield {"module_params": {"hidden": 4, "latent": 2}, "noise": 0.1, "noise_kind": "mask", "seed": 5}
