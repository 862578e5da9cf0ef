"""The perceptron, binary and multiclass.

Binary (up to two classes), as River's ``Perceptron`` (a logistic regression
with the hinge loss at threshold 0 and unit step sizes): with ``s = +1`` for
class code 1 (the second label seen) and ``-1`` otherwise, and
``f = w . x + b``, a record with ``s * f <= 0`` (a mistake, ties included)
gives ``w <- w + s * x`` and ``b <- b + s``; with ``l2``, every record also
shrinks the present features' weights, ``w_j <- w_j - l2 * w_j``. The
probability of class 1 is ``sigmoid(f)``.

Multiclass (from the third class; Crammer and Singer 2003, the
multiclass perceptron with a max-violation update): one score row per
class; a record of class ``y`` is a mistake when another class ``r`` scores
at least as high (``r`` the first highest); then ``w_y += x``, ``b_y += 1``,
``w_r -= x``, ``b_r -= 1``. Probabilities are the softmax of the scores. The
switch from binary is exact: row 0 becomes ``-w/2`` and row 1 ``+w/2``
(intercepts likewise), so ``softmax`` equals the former ``sigmoid``; new
class rows start at zero. NaN features are missing (no contribution, no
update).

Parameters
----------
l2
    L2 shrinkage applied to the present features' weights on every record.

Examples
--------
>>> import numpy as np
>>> from streamlearn.linear_model import Perceptron
>>> rng = np.random.default_rng(3)
>>> X = rng.normal(size=(3000, 2))
>>> y = np.select([X[:, 0] > 0.5, X[:, 1] > 0.0], ["a", "b"], "c")
>>> model = Perceptron()
>>> pred = model.test_then_train_many(X, y)
>>> bool((pred[1000:] == y[1000:]).mean() > 0.85)
True

References
----------
Rosenblatt, F., 1958. The perceptron: a probabilistic model for information
storage and organization in the brain. Psychological Review, 65(6).
Crammer, K. and Singer, Y., 2003. Ultraconservative online algorithms for
multiclass problems. JMLR, 3, pp.951-991.
River 0.25, ``linear_model.Perceptron`` (binary semantics).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier
from streamlearn.base.params import Interval, Rule
from streamlearn.base.registry import register
from streamlearn.linear_model import _kernels as lk
from streamlearn.linear_model._base import ClassState
from streamlearn.optim import kernels as opt


@njit(cache=True)
def _step(
    W: np.ndarray, b: np.ndarray, S: np.ndarray, hp: np.ndarray, k: int, x: np.ndarray, g: float, l2: float
) -> None:
    """Unit SGD step of row ``k`` with loss gradient ``g`` (and L2 shrinkage)."""
    if g == 0.0 and l2 == 0.0:
        return
    b[k] -= g
    opt.step_row(opt.SGD, hp, 1.0, 0.0, l2, W, S, k, x, g)


@njit(cache=True)
def _test_then_train(
    Xp: np.ndarray,
    Xl: np.ndarray,
    codes: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    l2: float,
    n_seen: int,
    predict: bool,
    P: np.ndarray,
) -> int:
    S = np.empty((0, W.shape[0], W.shape[1]))
    hp = np.array([1.0, 0.0, 0.0, 0.0])
    buf = np.empty(max(W.shape[0], 1))
    for i in range(Xl.shape[0]):
        if predict:
            lk.binary_proba_row(W, b, Xp[i], n_seen, buf, P[i])
        c = codes[i]
        if c >= n_seen:
            if n_seen <= 2 and c >= 2:
                lk.split_binary(W, b, S, opt.SGD, hp, 0.5)
            n_seen = c + 1
        x = Xl[i]
        if n_seen <= 2:
            s = 1.0 if c == 1 else -1.0
            g = -s if s * lk.dot(W, 0, x, b[0]) <= 0.0 else 0.0
            _step(W, b, S, hp, 0, x, g, l2)
            continue
        for k in range(n_seen):
            buf[k] = lk.dot(W, k, x, b[k])
        r = -1
        for k in range(n_seen):
            if k != c and (r < 0 or buf[k] > buf[r]):
                r = k
        mistake = buf[r] >= buf[c]
        for k in range(n_seen):
            g = 0.0
            if mistake and k == c:
                g = -1.0
            elif mistake and k == r:
                g = 1.0
            _step(W, b, S, hp, k, x, g, l2)
    return n_seen


@register()
class Perceptron(ClassState, Classifier):
    """Binary / multiclass perceptron; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {"l2": Interval(float, 0, None)}

    def __init__(self, l2: float = 0.0):
        self.l2 = l2
        self._validate_params()

    def _proba(self, X: np.ndarray) -> np.ndarray:
        return lk.binary_proba(X, self.weights_, self.intercepts_, self.n_learned_)  # type: ignore[no-any-return]

    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, predict: bool) -> np.ndarray:
        P = self._prepare(codes, predict)
        if len(codes):
            self.n_learned_ = int(
                _test_then_train(
                    X_pred,
                    X_learn,
                    codes,
                    self.weights_,
                    self.intercepts_,
                    float(self.l2),
                    self.n_learned_,
                    predict,
                    P,
                )
            )
        return P
