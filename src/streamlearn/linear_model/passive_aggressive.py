"""Passive-aggressive learners (Crammer et al. 2006): PA, PA-I and PA-II.

Each record moves the weights just enough to fix the loss on it (the
*aggressive* part), and not at all when the loss is zero (*passive*). With
``l`` the record's loss and ``||x||^2`` the squared norm of its present
features, the step size is

- mode 0 (PA): ``tau = l / ||x||^2``;
- mode 1 (PA-I): ``tau = min(C, l / ||x||^2)``;
- mode 2 (PA-II): ``tau = l / (||x||^2 + 1 / (2 C))``;

(modes 0 and 1 take no step when ``||x||^2 = 0``), and the update is
``w <- w + tau * s * x`` and, with ``learn_intercept``, ``b <- b + tau * s``,
where ``s`` is the label sign (classification, hinge loss
``l = max(0, 1 - s f)``) or ``sign(y - f)`` (regression, epsilon-insensitive
loss ``l = max(0, |y - f| - epsilon)``). As River's ``PAClassifier`` and
``PARegressor``: the intercept is not part of ``||x||^2``, and the
classifier's probability is ``sigmoid(f)``. NaN features are missing (no
contribution, no update).

Classification is binary with class code 1 (the second label seen) as the
positive side, and one-vs-rest from the third class: the binary model
becomes the class-1 scorer ``(w, b)`` and the class-0 scorer ``(-w, -b)``
(normalised one-vs-rest sigmoids then equal the binary probabilities
exactly); each class's scorer learns every record as positive (its class)
or negative, and probabilities are the sigmoids normalised to sum to 1.

References
----------
Crammer, K., Dekel, O., Keshet, J., Shalev-Shwartz, S. and Singer, Y., 2006.
Online passive-aggressive algorithms. JMLR, 7, pp.551-585.
River 0.25, ``linear_model.PAClassifier`` / ``PARegressor`` (semantics).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier, Regressor
from streamlearn.base.params import BOOL, Interval, OneOf, Rule
from streamlearn.base.registry import register
from streamlearn.linear_model import _kernels as lk
from streamlearn.linear_model._base import ClassState, LinearState
from streamlearn.optim import kernels as opt

_RULES: dict[str, Rule] = {
    "C": Interval(float, 0, None, open_low=True),
    "mode": OneOf(0, 1, 2),
    "learn_intercept": BOOL,
}


@njit(cache=True)
def _tau(loss: float, norm: float, C: float, mode: int) -> float:
    if mode == 2:
        return loss / (norm + 0.5 / C)
    if norm <= 0.0:
        return 0.0
    tau = loss / norm
    if mode == 1 and tau > C:
        return C
    return tau


@njit(cache=True)
def _add(W: np.ndarray, b: np.ndarray, k: int, x: np.ndarray, step: float, intercept: bool) -> None:
    for j in range(x.shape[0]):
        v = x[j]
        if v == v:
            W[k, j] += step * v
    if intercept:
        b[k] += step


@njit(cache=True)
def _ovr_proba_row(W: np.ndarray, b: np.ndarray, x: np.ndarray, n_seen: int, out: np.ndarray) -> None:
    if n_seen == 1:
        out[0] = 1.0
    elif n_seen == 2:
        p = lk.sigmoid(lk.dot(W, 0, x, b[0]))
        out[0] = 1.0 - p
        out[1] = p
    elif n_seen > 2:
        total = 0.0
        for k in range(n_seen):
            p = lk.sigmoid(lk.dot(W, k, x, b[k]))
            out[k] = p
            total += p
        for k in range(n_seen):
            out[k] /= total


@njit(cache=True)
def _clf_proba(X: np.ndarray, W: np.ndarray, b: np.ndarray, n_seen: int) -> np.ndarray:
    out = np.zeros((X.shape[0], n_seen))
    for i in range(X.shape[0]):
        _ovr_proba_row(W, b, X[i], n_seen, out[i])
    return out


@njit(cache=True)
def _clf_test_then_train(
    Xp: np.ndarray,
    Xl: np.ndarray,
    codes: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    C: float,
    mode: int,
    intercept: bool,
    n_seen: int,
    predict: bool,
    P: np.ndarray,
) -> int:
    no_state = np.empty((0, W.shape[0], W.shape[1]))
    no_hp = np.zeros(4)
    for i in range(Xl.shape[0]):
        if predict:
            _ovr_proba_row(W, b, Xp[i], n_seen, P[i])
        c = codes[i]
        if c >= n_seen:
            if n_seen <= 2 and c >= 2:
                lk.split_binary(W, b, no_state, opt.SGD, no_hp, 1.0)
            n_seen = c + 1
        x = Xl[i]
        norm = lk.sq_norm(x)
        rows = 1 if n_seen <= 2 else n_seen
        for k in range(rows):
            if n_seen <= 2:
                s = 1.0 if c == 1 else -1.0
            else:
                s = 1.0 if c == k else -1.0
            loss = 1.0 - s * lk.dot(W, k, x, b[k])
            if loss > 0.0:
                _add(W, b, k, x, _tau(loss, norm, C, mode) * s, intercept)
    return n_seen


@njit(cache=True)
def _reg_test_then_train(
    Xp: np.ndarray,
    Xl: np.ndarray,
    y: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    C: float,
    mode: int,
    eps: float,
    intercept: bool,
    predict: bool,
    out: np.ndarray,
) -> None:
    for i in range(Xl.shape[0]):
        if predict:
            out[i] = lk.dot(W, 0, Xp[i], b[0])
        x = Xl[i]
        r = y[i] - lk.dot(W, 0, x, b[0])
        loss = abs(r) - eps
        if loss > 0.0:
            s = 1.0 if r > 0.0 else -1.0
            _add(W, b, 0, x, _tau(loss, lk.sq_norm(x), C, mode) * s, intercept)


@register()
class PassiveAggressiveClassifier(ClassState, Classifier):
    """Passive-aggressive classifier (hinge loss; one-vs-rest beyond two classes).

    Parameters
    ----------
    C
        Aggressiveness bound (PA-I) / slack weight (PA-II).
    mode
        0 (PA), 1 (PA-I, default as River) or 2 (PA-II).
    learn_intercept
        Whether to learn an intercept.

    Examples
    --------
    >>> import numpy as np
    >>> from streamlearn.linear_model import PassiveAggressiveClassifier
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(2000, 3))
    >>> y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0.2, 1, 0)
    >>> model = PassiveAggressiveClassifier(C=0.1)
    >>> pred = model.test_then_train_many(X, y)
    >>> bool((pred[500:] == y[500:]).mean() > 0.95)
    True
    """

    _param_rules: ClassVar[dict[str, Rule]] = _RULES

    def __init__(self, C: float = 1.0, mode: int = 1, learn_intercept: bool = True):
        self.C = C
        self.mode = mode
        self.learn_intercept = learn_intercept
        self._validate_params()

    def _proba(self, X: np.ndarray) -> np.ndarray:
        return _clf_proba(X, self.weights_, self.intercepts_, self.n_learned_)  # type: ignore[no-any-return]

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, predict: bool) -> np.ndarray:
        P = self._prepare(codes, predict)
        if len(codes):
            self.n_learned_ = int(
                _clf_test_then_train(
                    X_pred,
                    X_learn,
                    codes,
                    self.weights_,
                    self.intercepts_,
                    float(self.C),
                    int(self.mode),
                    bool(self.learn_intercept),
                    self.n_learned_,
                    predict,
                    P,
                )
            )
        return P


@register()
class PassiveAggressiveRegressor(LinearState, Regressor):
    """Passive-aggressive regressor (epsilon-insensitive loss).

    Parameters
    ----------
    C
        Aggressiveness bound (PA-I) / slack weight (PA-II).
    mode
        0 (PA), 1 (PA-I, default as River) or 2 (PA-II).
    epsilon
        Width of the insensitive zone: errors within it cause no update.
    learn_intercept
        Whether to learn an intercept.

    Examples
    --------
    >>> import numpy as np
    >>> from streamlearn.linear_model import PassiveAggressiveRegressor
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(2000, 2))
    >>> y = 3.0 * X[:, 0] - X[:, 1] + 0.5
    >>> model = PassiveAggressiveRegressor(C=1.0, epsilon=0.01)
    >>> _ = model.learn_many(X, y)
    >>> model.weights_.round(1), model.intercepts_.round(1)
    (array([[ 3., -1.]]), array([0.5]))
    """

    _param_rules: ClassVar[dict[str, Rule]] = {**_RULES, "epsilon": Interval(float, 0, None)}

    def __init__(self, C: float = 1.0, mode: int = 1, epsilon: float = 0.1, learn_intercept: bool = True):
        self.C = C
        self.mode = mode
        self.epsilon = epsilon
        self.learn_intercept = learn_intercept
        self._validate_params()

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return lk.first_scores(X, self.weights_, self.intercepts_)  # type: ignore[no-any-return]

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray, predict: bool) -> Any:
        out = np.empty(len(y) if predict else 0)
        if len(y):
            _reg_test_then_train(
                X_pred,
                X_learn,
                np.ascontiguousarray(y, dtype=np.float64),
                self.weights_,
                self.intercepts_,
                float(self.C),
                int(self.mode),
                float(self.epsilon),
                bool(self.learn_intercept),
                predict,
                out,
            )
        return out
