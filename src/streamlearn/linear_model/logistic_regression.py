"""Online logistic regression: sigmoid for two classes, softmax from the third.

With at most two classes the model is one weight vector ``w`` and intercept
``b``; class code 1 (the second label seen) is the positive side of the
sigmoid, ``P(code 1) = sigmoid(w . x + b)``. When a third class appears, the
model becomes a softmax over one weight row per class. The switch is exact:
row 0 becomes ``-w/2`` and row 1 ``+w/2`` (intercepts likewise), so the
probabilities are unchanged, and new class rows start at zero. Optimiser
state follows the reparametrisation (Adam: row 1 keeps ``m``/``v``, row 0
gets ``-m``/``v``; FTRL: both rows keep ``n`` and ``z`` is set so that the
closed form gives the halved weights; the step counter continues).

Learning one record follows River's ``LogisticRegression``: the loss
gradient ``g = p - y`` w.r.t. the raw score (per class for softmax) is
clipped to ``clip_gradient``; the intercept takes an SGD step of
``intercept_lr * g``; each present feature's weight takes an optimiser step
with gradient ``g * x_j + l2 * w_j``; with ``l1`` a proximal
(soft-thresholding) step follows for SGD/Adam, while FTRL uses ``l1`` and
``l2`` in its own closed form. A NaN feature is missing: it adds nothing to
the score and its weight is not updated. Before any class is learned the
probabilities are empty; with one class, that class has probability 1.

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
    Initial intercept of the binary model.
intercept_lr
    SGD step size of the intercept(s); 0 freezes them.
clip_gradient
    Bound on the absolute loss gradient.
optimizer_params
    Extra optimiser settings: ``{"beta1", "beta2", "eps"}`` for Adam
    (defaults 0.9, 0.999, 1e-8), ``{"beta"}`` for FTRL (default 1.0).

Examples
--------
>>> import numpy as np
>>> from streamlearn.linear_model import LogisticRegression
>>> rng = np.random.default_rng(42)
>>> X = rng.normal(size=(3000, 2))
>>> y = np.where(X[:, 0] - X[:, 1] > 0, "attack", "normal")
>>> model = LogisticRegression(lr=0.1)
>>> pred = model.test_then_train_many(X, y)
>>> round(float((pred[1000:] == y[1000:]).mean()), 3)
0.99
>>> model.classes_  # codes follow first appearance: 'normal' is the sigmoid's positive side
['attack', 'normal']
>>> model.predict_proba_one({0: 0.3, 1: 0.1})
{'attack': 0.7462..., 'normal': 0.2537...}

References
----------
River 0.25, ``linear_model.LogisticRegression`` (semantics).
Bishop, C.M., 2006. Pattern Recognition and Machine Learning, section 4.3.4
(multiclass logistic regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier
from streamlearn.base.registry import register
from streamlearn.linear_model import _kernels as lk
from streamlearn.linear_model._base import GLM, ClassState
from streamlearn.optim import kernels as opt


@njit(cache=True)
def _test_then_train(
    Xp: np.ndarray,
    Xl: np.ndarray,
    codes: np.ndarray,
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
    n_seen: int,
    predict: bool,
    P: np.ndarray,
) -> tuple[int, int]:
    """Predict ``Xp[i]`` into ``P[i]`` (if ``predict``), then learn ``(Xl[i], codes[i])``."""
    buf = np.empty(max(W.shape[0], 1))
    for i in range(Xl.shape[0]):
        if predict:
            lk.binary_proba_row(W, b, Xp[i], n_seen, buf, P[i])
        c = codes[i]
        if c >= n_seen:
            if n_seen <= 2 and c >= 2:
                lk.split_binary(W, b, S, kind, hp, 0.5)
            n_seen = c + 1
        t += 1
        scale = opt.row_scale(kind, hp, t)
        x = Xl[i]
        if n_seen <= 2:
            if c == 1:
                g = -lk.sigmoid(-lk.dot(W, 0, x, b[0]))
            else:
                g = lk.sigmoid(lk.dot(W, 0, x, b[0]))
            g = lk.clip(g, clip_g)
            b[0] -= ilr * g
            opt.step_row(kind, hp, scale, l1, l2, W, S, 0, x, g)
        else:
            lk.softmax_scores(W, b, x, n_seen, buf)
            for k in range(n_seen):
                g = buf[k] - 1.0 if k == c else buf[k]
                g = lk.clip(g, clip_g)
                b[k] -= ilr * g
                opt.step_row(kind, hp, scale, l1, l2, W, S, k, x, g)
    return t, n_seen


@register()
class LogisticRegression(GLM, ClassState, Classifier):
    """Online logistic (binary) / softmax (multiclass) regression; see the module docstring."""

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
        yield {}
        yield {"optimizer": "adam", "l2": 0.01}
        yield {"optimizer": "ftrl", "l1": 0.5, "l2": 1.0, "optimizer_params": {"beta": 0.5}}
        yield {"lr": 0.05, "l1": 0.001}

    def _proba(self, X: np.ndarray) -> np.ndarray:
        return lk.binary_proba(X, self.weights_, self.intercepts_, self.n_learned_)  # type: ignore[no-any-return]

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, predict: bool) -> np.ndarray:
        P = self._prepare(codes, predict)
        if len(codes):
            kind, hp, l1, l2 = self._kernel_args()
            t, seen = _test_then_train(
                X_pred,
                X_learn,
                codes,
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
                self.n_learned_,
                predict,
                P,
            )
            self.step_, self.n_learned_ = int(t), int(seen)
        return P
