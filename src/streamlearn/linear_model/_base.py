"""State handling shared by the linear learners.

Learned state (all in attributes ending in ``_``, so save/load resumes
exactly):

- ``weights_``: ``(k, d)`` float64, one row per score (``k = 1`` for
  regression and binary classification), one column per input feature;
- ``intercepts_``: ``(k,)`` float64;
- ``opt_state_`` (optimiser-driven learners): ``(n_slots, k, d)`` float64,
  the optimiser's per-weight state (Adam ``m``/``v``, FTRL ``z``/``n``);
- ``step_``: the number of optimiser steps taken (Adam's bias correction);
- ``n_learned_`` (classifiers): how many classes the weights cover.

New features (``_grow``) and new classes add zero weights and zero state.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.learner import Learner
from streamlearn.base.params import NONE, InstanceOf, Interval, OneOf, Rule, Satisfies
from streamlearn.optim import Optimizer, make_optimizer

_FINITE = Satisfies(
    lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v), "a finite number"
)


def _pad(a: np.ndarray, axis: int, size: int) -> np.ndarray:
    """``a`` with zeros appended along ``axis`` up to ``size``."""
    extra = size - a.shape[axis]
    if extra <= 0:
        return a
    widths = [(0, 0)] * a.ndim
    widths[axis] = (0, extra)
    return np.ascontiguousarray(np.pad(a, widths))


class LinearState(Learner):
    """Weights ``(k, d)`` and intercepts ``(k,)`` that grow with features and classes."""

    #: Linear models learn best on standardised inputs (the CLI puts a scaler in front).
    needs_scaling = True
    #: State arrays whose last two axes are ``(k, d)``.
    _kd_arrays: ClassVar[tuple[str, ...]] = ("weights_",)

    weights_: np.ndarray
    intercepts_: np.ndarray

    def _intercept_start(self) -> float:
        return 0.0

    def _init_state(self, width: int) -> None:
        self.weights_ = np.zeros((1, width))
        self.intercepts_ = np.array([self._intercept_start()], dtype=np.float64)

    def _grow(self, width: int) -> None:
        if getattr(self, "weights_", None) is None:
            self._init_state(width)
            return
        for name in self._kd_arrays:
            setattr(self, name, _pad(getattr(self, name), -1, width))

    def _ensure_rows(self, k: int) -> None:
        """At least ``k`` score rows (new rows are zero)."""
        if self.weights_.shape[0] >= k:
            return
        for name in self._kd_arrays:
            setattr(self, name, _pad(getattr(self, name), -2, k))
        self.intercepts_ = _pad(self.intercepts_, 0, k)

    def _after_load(self) -> None:
        for name in (*self._kd_arrays, "intercepts_"):
            a = getattr(self, name, None)
            if a is not None:
                setattr(self, name, np.ascontiguousarray(a, dtype=np.float64))

    # -- learner hooks: both go through the subclass's one compiled pass ------------
    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray, predict: bool) -> np.ndarray:
        """Predict ``X_pred[i]`` (if ``predict``), then learn ``(X_learn[i], y[i])``, row by row
        (``y``: class codes or targets); returns the predictions (empty if not ``predict``)."""
        raise NotImplementedError

    def _learn(self, X: np.ndarray, y: np.ndarray) -> None:
        self._run(X, X, y, predict=False)

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._run(X_pred, X_learn, y, predict=True)


GLM_RULES: dict[str, Rule] = {
    "optimizer": OneOf("sgd", "adam", "ftrl"),
    "lr": NONE | Interval(float, 0, None, open_low=True),
    "l2": Interval(float, 0, None),
    "l1": Interval(float, 0, None),
    "intercept_init": _FINITE,
    "intercept_lr": Interval(float, 0, None),
    "clip_gradient": Interval(float, 0, None, open_low=True),
    "optimizer_params": NONE | InstanceOf(dict, description="a dict of optimizer settings"),
}


class GLM(LinearState):
    """Generalised linear model trained by an online optimiser (shared by the
    logistic and linear regressions).

    As in River, the intercept has its own SGD step ``intercept_lr`` whatever
    the optimiser, the loss gradient w.r.t. the raw score is clipped to
    ``[-clip_gradient, clip_gradient]``, and the gradient of weight ``j`` is
    that loss gradient times ``x_j`` (plus ``l2 * w_j``).
    """

    _kd_arrays = ("weights_", "opt_state_")
    _param_rules = GLM_RULES

    optimizer: str
    lr: float | None
    l2: float
    l1: float
    intercept_init: float
    intercept_lr: float
    clip_gradient: float
    optimizer_params: dict[str, Any] | None

    opt_state_: np.ndarray
    step_: int

    def _validate_params(self) -> None:
        super()._validate_params()
        self._make_optimizer()

    def _make_optimizer(self) -> Optimizer:
        return make_optimizer(
            self.optimizer, self.lr, self.l1, self.l2, self.optimizer_params, owner=type(self).__name__
        )

    def _kernel_args(self) -> tuple[int, np.ndarray, float, float]:
        """``(kind, hp, l1, l2)`` for the kernels (cached; FTRL's penalties live in ``hp``)."""
        cached = self.__dict__.get("_kargs")
        if cached is None:
            o = self._make_optimizer()
            ftrl = o.name == "ftrl"
            l1, l2 = (0.0, 0.0) if ftrl else (float(self.l1), float(self.l2))
            cached = self._kargs = (o.kind, o.hyper(), l1, l2)
        return cached  # type: ignore[no-any-return]

    def _intercept_start(self) -> float:
        return float(self.intercept_init)

    def _init_state(self, width: int) -> None:
        super()._init_state(width)
        self.opt_state_ = self._make_optimizer().init_state((1, width))
        self.step_ = 0

    def _after_load(self) -> None:
        super()._after_load()
        if hasattr(self, "step_"):  # absent until the first data
            self.step_ = int(self.step_)


class ClassState(LinearState):
    """Class bookkeeping of the linear classifiers (mixed in before ``Classifier``).

    ``n_learned_`` counts the classes the weights cover; a model is binary
    (one row) up to two classes and grows one row per class from the third.
    """

    n_learned_: int
    classes_: list[Any]

    def _init_state(self, width: int) -> None:
        super()._init_state(width)
        self.n_learned_ = 0

    def _after_load(self) -> None:
        super()._after_load()
        if hasattr(self, "n_learned_"):  # absent until the first data
            self.n_learned_ = int(self.n_learned_)

    def _prepare(self, codes: np.ndarray, predict: bool) -> np.ndarray:
        """Grow rows for the classes of ``codes``; the output array of a test-then-train pass."""
        n = len(codes)
        k_after = max(self.n_learned_, int(codes.max()) + 1) if n else self.n_learned_
        if k_after > 2:
            self._ensure_rows(k_after)
        return np.zeros((n if predict else 0, max(len(self.classes_), k_after)))
