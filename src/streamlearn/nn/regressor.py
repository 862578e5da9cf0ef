"""Online regression with any PyTorch module: :class:`TorchRegressor`.

The module maps an example to one number. Targets are standardised with
running statistics (Welford's mean and standard deviation, updated as each
record is learned): the module learns ``(y - mean) / std`` and predictions
are mapped back with the statistics as they are at the moment, so targets
of any scale train well with the default learning rate.

Parameters
----------
module, module_params, window, key
    As for :class:`~streamlearn.nn.TorchClassifier`; the module has one output.
loss
    ``None`` or ``"mse"`` (default), ``"l1"``, ``"huber"``, or a callable
    ``(prediction, target) -> loss`` (element-wise losses are averaged).
scale_target
    Standardise targets with running statistics (default ``True``).
optimizer, lr, optimizer_params, batch_size, epochs, replay_size, replay_batch, lr_schedule,
lr_schedule_params, clip_grad_norm, device, dtype, n_threads, seed, engine
    As for :class:`~streamlearn.nn.TorchClassifier`.

Examples
--------
>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> import numpy as np
>>> from streamlearn.nn import TorchRegressor
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(-1, 1, size=(3000, 2))
>>> y = 100 + 50 * np.sin(3 * X[:, 0]) + 20 * X[:, 1]
>>> model = TorchRegressor(module_params={"hidden": 32}, lr=0.01, batch_size=16, seed=1)
>>> pred = model.test_then_train_many(X, y)
>>> bool(np.abs(pred[-500:] - y[-500:]).mean() < 5.0)
True
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.learner import Regressor
from streamlearn.base.params import BOOL, Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import (
    COMPILED_RULES,
    ENGINE_RULES,
    MODULE_RULES,
    WINDOW_RULES,
    TorchLearner,
    loss_rule,
)
from streamlearn.nn._kernels import prefix_stats

REGRESSION_LOSSES = ("mse", "l1", "huber")


class _RegressorEngine(TorchLearner, Regressor):
    """The regression hooks of the engine."""

    scale_target: bool
    _compiled_task = "values"

    def _first_outputs(self, T: np.ndarray, n_features: int) -> int:
        return 1

    def _check_output(self, shape: tuple[int, ...]) -> None:
        if shape not in ((1,), (1, 1)):
            raise SchemaError(
                f"The module of {type(self).__name__} must return one value per example (shape "
                f"(batch,) or (batch, 1)); for one example it returned shape {shape}."
            )

    def _stats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if getattr(self, "y_n_", None) is None:
            self.y_n_, self.y_mean_, self.y_m2_ = np.zeros(1), np.zeros(1), np.zeros(1)
        return self.y_n_, self.y_mean_, self.y_m2_

    def _begin(self, T: np.ndarray) -> None:
        if self.scale_target:
            means, stds = prefix_stats(np.ascontiguousarray(T, dtype=np.float64)[:, None], *self._stats())
            self._cm, self._cs = means[:, 0], stds[:, 0]
        else:
            self._cm, self._cs = np.zeros(len(T) + 1), np.ones(len(T) + 1)

    def _target_tensor(self, T: np.ndarray, hi: int) -> Any:
        return self._tensor((T - self._cm[hi]) / self._cs[hi])

    def _compiled_targets(
        self, E: np.ndarray, T: np.ndarray, s: int, e: int
    ) -> tuple[np.ndarray | None, np.ndarray | None, int]:
        # row i is learned with the statistics after it was counted (hi = i + 1), as in the torch path
        return ((T[s:e] - self._cm[s + 1 : e + 1]) / self._cs[s + 1 : e + 1]).reshape(-1, 1), None, 0

    def _loss(self, out: Any, xb: Any, tb: Any) -> Any:
        return self._loss_fn(out.reshape(-1), tb).mean()

    def _decode(self, raw: Any, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any) -> None:
        z = raw.detach().reshape(-1).to("cpu").double().numpy()
        out[i:j] = z * self._cs[i:j] + self._cm[i:j]

    def _decode_raw(
        self, raw: np.ndarray, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any
    ) -> None:
        out[i:j] = raw.reshape(-1).astype(np.float64) * self._cs[i:j] + self._cm[i:j]

    # -- Regressor hooks ------------------------------------------------------------
    def _learn(self, X: np.ndarray, y: np.ndarray) -> None:
        self._run(None, X, y)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        if not self._built or not len(X):
            return np.zeros(len(X))
        z = self._forward(self._pred_examples(X)).reshape(-1).to("cpu").double().numpy()
        if not self.scale_target:
            return np.asarray(z)
        n, mean, m2 = self._stats()
        _, stds = prefix_stats(np.empty((0, 1)), n.copy(), mean.copy(), m2.copy())
        return np.asarray(z * stds[0, 0] + mean[0])

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = self._run(X_pred, X_learn, y)
        assert out is not None
        return out


@register()
class TorchRegressor(_RegressorEngine):
    """Online regressor around any ``torch.nn.Module``; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **COMPILED_RULES,
        **MODULE_RULES,
        **WINDOW_RULES,
        "loss": loss_rule(REGRESSION_LOSSES),
        "scale_target": BOOL,
    }

    def __init__(
        self,
        module: Any = "mlp",
        module_params: dict[str, Any] | None = None,
        window: int | None = None,
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
        engine: str = "auto",
    ):
        self._store(locals())

    @classmethod
    def _unit_test_params(cls) -> Any:
        from streamlearn.nn._torch import torch_available

        if not torch_available():
            return
        for p in cls._tiny():
            yield {**p, "module_params": {"hidden": 4, "n_layers": 1}}
        yield {"module": "lstm", "module_params": {"hidden": 3}, "window": 4, "loss": "huber", "seed": 3}
