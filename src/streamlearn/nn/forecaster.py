"""Online forecasting with any PyTorch sequence module: :class:`TorchForecaster`.

The module reads the last ``window`` observations of the ``k`` series
(``(batch, window, k)``) and outputs the next ``horizon`` values of each
(``horizon * k`` numbers, in step-major order: ``(batch, horizon, k)``
reshaped). Each observation ``y_t`` completes one training example: the
window ending at ``t - horizon`` as input and ``y_{t-horizon+1} .. y_t`` as
target (direct multi-step forecasting). ``forecast(H)`` with ``H`` larger
than ``horizon`` feeds the forecasts back into the window (recursive).

Each series is standardised with running statistics (Welford's mean and
standard deviation, updated as each observation is learned; the module
works on standardised values and forecasts are mapped back). Missing
observations (NaN, inf) are 0 after standardisation (the running mean) in
inputs, and are left out of the loss as targets; before the stream has
``window + horizon`` observations the missing history counts as missing.
Updates follow :mod:`streamlearn.nn`: ``batch_size`` examples per update,
and a forecast always uses the state before the observation it precedes,
so ``test_then_train_many`` equals a loop of ``forecast``/``learn_one``.

Parameters
----------
module, module_params
    A sequence module name (``"lstm"`` (default), ``"gru"``, ``"cnn1d"``, ``"transformer"``),
    class or instance (see :class:`~streamlearn.nn.TorchClassifier`).
window
    Observations per input window.
horizon
    Steps the module forecasts at once.
loss
    ``None`` or ``"mse"`` (default), ``"l1"``, ``"huber"``, or an element-wise callable.
optimizer, lr, optimizer_params, batch_size, epochs, replay_size, replay_batch, lr_schedule,
lr_schedule_params, clip_grad_norm, device, dtype, n_threads, seed
    As for :class:`~streamlearn.nn.TorchClassifier`.

Examples
--------
>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> import numpy as np
>>> from streamlearn.nn import TorchForecaster
>>> t = np.arange(3000)
>>> y = 500 + 100 * np.sin(2 * np.pi * t / 24)  # a daily cycle of hourly traffic
>>> model = TorchForecaster(module="gru", module_params={"hidden": 16}, window=24, horizon=2,
...                         lr=0.01, batch_size=8, seed=1)
>>> F = model.test_then_train_many(y, horizon=2)  # F[t, j] forecasts y[t + j] before y[t]
>>> bool(np.abs(F[2500:-1, 1] - y[2501:]).mean() < 10)
True
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.learner import Forecaster
from streamlearn.base.params import Interval, Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import ENGINE_RULES, MODULE_RULES, TorchLearner, loss_rule
from streamlearn.nn._kernels import prefix_stats
from streamlearn.nn.regressor import REGRESSION_LOSSES


class _ForecasterEngine(TorchLearner, Forecaster):
    """The forecasting hooks of the engine."""

    _task_fuses = False
    needs_scaling = False  # series are standardised inside
    window: int
    horizon: int

    # -- examples ----------------------------------------------------------------
    def _stats(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if getattr(self, "y_n_", None) is None:
            self.y_n_, self.y_mean_, self.y_m2_ = np.zeros(k), np.zeros(k), np.zeros(k)
        return self.y_n_, self.y_mean_, self.y_m2_

    def _prepare(self, Y: np.ndarray, predict: bool) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """Forecast inputs (standardised per row), training inputs and targets (raw) of ``Y``."""
        k = Y.shape[1]
        w, h = self.window, self.horizon
        self._ready(k, Y)
        means, stds = prefix_stats(Y, *self._stats(k))
        self._cm, self._cs = means, stds
        hist = getattr(self, "history_", None)
        if hist is None:
            hist = np.full((w + h - 1, k), np.nan)
        S = np.concatenate([hist, Y])
        full = np.lib.stride_tricks.sliding_window_view(S, (w + h, k))[:, 0]
        El, T = full[:, :w].copy(), full[:, w:].copy()
        self.history_ = S[len(Y) :].copy()
        Ep = None
        if predict:
            inputs = np.lib.stride_tricks.sliding_window_view(S, (w, k))[h - 1 : h - 1 + len(Y), 0]
            Ep = (inputs - means[: len(Y), None, :]) / stds[: len(Y), None, :]
            Ep[np.isnan(Ep)] = 0.0
        return Ep, El, T

    def _first_outputs(self, T: np.ndarray, n_features: int) -> int:
        return self.horizon * n_features

    def _check_output(self, shape: tuple[int, ...]) -> None:
        h, k = self.horizon, self.n_features_
        if shape not in ((1, h * k), (1, h, k)):
            raise SchemaError(
                f"The module of {type(self).__name__} must return horizon * n_series = {h * k} values "
                f"per window ((batch, {h * k}) or (batch, {h}, {k})); for one window it returned shape "
                f"{shape}."
            )

    def _input_tensor(self, E: np.ndarray, hi: int) -> Any:
        Z = (E - self._cm[hi]) / self._cs[hi]
        Z[np.isnan(Z)] = 0.0
        return self._tensor(Z)

    def _target_tensor(self, T: np.ndarray, hi: int) -> Any:
        Z = (T - self._cm[hi]) / self._cs[hi]
        mask = ~np.isnan(Z)
        Z[~mask] = 0.0
        return self._tensor(Z), self._tensor(mask.astype(np.float64))

    def _loss(self, out: Any, xb: Any, tb: Any) -> Any:
        z, mask = tb
        err = self._loss_fn(out.reshape(z.shape), z) * mask
        return err.sum() / mask.sum().clamp(min=1.0)

    def _pred_buffer(self, n: int) -> np.ndarray:
        return np.full((n, self._H, self.n_features_), np.nan)

    def _rollout(self, raw: Any, window: Any, H: int) -> np.ndarray:
        """``H`` standardised steps: the module's ``horizon``, then fed back (recursive)."""
        torch = self._torch
        h, k, w = self.horizon, self.n_features_, self.window
        steps = [raw.reshape(-1, h, k)]
        got = h
        while got < H:
            window = torch.cat([window, steps[-1]], dim=1)[:, -w:]
            steps.append(self._forward(window).reshape(-1, h, k))
            got += h
        return np.asarray(torch.cat(steps, dim=1)[:, :H].to("cpu").double().numpy())

    def _decode(self, raw: Any, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any) -> None:
        Z = self._rollout(raw, self._tensor(E), self._H)
        out[i:j] = Z * self._cs[i:j, None, :] + self._cm[i:j, None, :]

    # -- Forecaster hooks ---------------------------------------------------------
    def _learn(self, Y: np.ndarray) -> None:
        _, El, T = self._prepare(Y, predict=False)
        self._segments(None, El, T)

    def _forecast(self, horizon: int) -> np.ndarray:
        k = int(self.n_series_)
        if not self._built:
            return np.full((horizon, k), np.nan)
        self._live()
        means, stds = prefix_stats(np.empty((0, k)), *self._stats(k))
        x = (self.history_[-self.window :] - means[0]) / stds[0]
        x[np.isnan(x)] = 0.0
        window = self._tensor(x[None])
        Z = self._rollout(self._forward(window), window, horizon)[0]
        return np.asarray(Z * stds[0] + means[0])

    def _test_then_train(self, Y: np.ndarray, horizon: int) -> np.ndarray:
        self._H = horizon
        Ep, El, T = self._prepare(Y, predict=True)
        out = self._segments(Ep, El, T)
        assert out is not None
        return out


FORECASTER_RULES = {
    **ENGINE_RULES,
    "loss": loss_rule(REGRESSION_LOSSES),
    "window": Interval(int, 1, None),
    "horizon": Interval(int, 1, None),
}


@register()
class TorchForecaster(_ForecasterEngine):
    """Online forecaster around any ``torch.nn.Module`` over windows; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {**FORECASTER_RULES, **MODULE_RULES}

    def __init__(
        self,
        module: Any = "lstm",
        module_params: dict[str, Any] | None = None,
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
        from streamlearn.nn._torch import torch_available

        if not torch_available():
            return
        yield {"module_params": {"hidden": 3}, "window": 4, "horizon": 2, "seed": 1}
        yield {
            "module": "gru",
            "module_params": {"hidden": 3},
            "window": 3,
            "batch_size": 4,
            "replay_size": 8,
            "lr_schedule": "warmup",
            "seed": 2,
        }
