"""Online linear regression with the squared loss.

The prediction is ``w . x + b`` over the present features. Learning one
record follows River's ``LinearRegression``: the loss gradient
``g = 2 * (w . x + b - y)`` (River's squared-loss convention, with the 2) is
clipped to ``clip_gradient``; the intercept takes an SGD step of
``intercept_lr * g``; each present feature's weight takes an optimiser step
with gradient ``g * x_j + l2 * w_j``; with ``l1`` a proximal
(soft-thresholding) step follows for SGD/Adam, while FTRL uses ``l1`` and
``l2`` in its own closed form. A NaN feature is missing: it adds nothing to
the prediction and its weight is not updated.

Scale the features (e.g. a standard scaler in front): plain SGD diverges
when ``lr * ||x||^2`` is large.

Parameters
----------
optimizer
    ``"sgd"`` (default, as River), ``"adam"`` or ``"ftrl"``.
lr
    Step size; ``None`` uses the optimiser's River default: 0.01 for SGD,
    0.1 for Adam, 0.05 for FTRL (its ``alpha``).
l2
    L2 penalty (for FTRL: FTRL's own ``l2``).
l1
    L1 penalty (proximal step for SGD/Adam; FTRL's own ``l1``).
intercept_init
    Initial intercept.
intercept_lr
    SGD step size of the intercept; 0 freezes it.
clip_gradient
    Bound on the absolute loss gradient.
optimizer_params
    Extra optimiser settings: ``{"beta1", "beta2", "eps"}`` for Adam,
    ``{"beta"}`` for FTRL.

Examples
--------
>>> import numpy as np
>>> from streamlearn.linear_model import LinearRegression
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(5000, 3))
>>> y = 1.5 * X[:, 0] - 2.0 * X[:, 2] + 3.0
>>> model = LinearRegression(lr=0.02, intercept_lr=0.02)
>>> pred = model.test_then_train_many(X, y)
>>> bool(np.abs(model.weights_ - [[1.5, 0.0, -2.0]]).max() < 1e-9), model.intercepts_.round(6)
(True, array([3.]))
>>> round(model.predict_one({0: 1.0, 1: 5.0, 2: 0.0}), 3)
4.5

References
----------
River 0.25, ``linear_model.LinearRegression`` (semantics).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.learner import Regressor
from streamlearn.base.registry import register
from streamlearn.linear_model import _kernels as lk
from streamlearn.linear_model._base import GLM
from streamlearn.optim import kernels as opt


@njit(cache=True)
def _test_then_train(
    Xp: np.ndarray,
    Xl: np.ndarray,
    y: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    S: np.ndarray,
    kind: int,
    hp: np.ndarray,
    l1: float,
    l2: float,
    ilr: float,
    clip_g: float,
    t: int,
    predict: bool,
    out: np.ndarray,
) -> int:
    """Predict ``Xp[i]`` into ``out[i]`` (if ``predict``), then learn ``(Xl[i], y[i])``."""
    for i in range(Xl.shape[0]):
        if predict:
            out[i] = lk.dot(W, 0, Xp[i], b[0])
        t += 1
        scale = opt.row_scale(kind, hp, t)
        x = Xl[i]
        g = lk.clip(2.0 * (lk.dot(W, 0, x, b[0]) - y[i]), clip_g)
        b[0] -= ilr * g
        opt.step_row(kind, hp, scale, l1, l2, W, S, 0, x, g)
    return t


@register()
class LinearRegression(GLM, Regressor):
    """Online linear regression (squared loss); see the module docstring."""

    def __init__(
        self,
        optimizer: str = "sgd",
        lr: float | None = None,
        l2: float = 0.0,
        l1: float = 0.0,
        intercept_init: float = 0.0,
        intercept_lr: float = 0.01,
        clip_gradient: float = 1e12,
        optimizer_params: dict[str, Any] | None = None,
    ):
        self.optimizer = optimizer
        self.lr = lr
        self.l2 = l2
        self.l1 = l1
        self.intercept_init = intercept_init
        self.intercept_lr = intercept_lr
        self.clip_gradient = clip_gradient
        self.optimizer_params = optimizer_params
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Any:
        # the check data are unscaled (features up to 100): keep plain SGD stable
        yield {"lr": 1e-5}
        yield {"optimizer": "adam", "lr": 0.05, "l1": 0.01}
        yield {"optimizer": "ftrl", "lr": 0.5, "l1": 0.1}

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return lk.first_scores(X, self.weights_, self.intercepts_)  # type: ignore[no-any-return]

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray, predict: bool) -> np.ndarray:
        out = np.empty(len(y) if predict else 0)
        if len(y):
            kind, hp, l1, l2 = self._kernel_args()
            self.step_ = int(
                _test_then_train(
                    X_pred,
                    X_learn,
                    np.ascontiguousarray(y, dtype=np.float64),
                    self.weights_,
                    self.intercepts_,
                    self.opt_state_,
                    kind,
                    hp,
                    l1,
                    l2,
                    float(self.intercept_lr),
                    float(self.clip_gradient),
                    self.step_,
                    predict,
                    out,
                )
            )
        return out
