"""Plumbing shared by the naive Bayes classifiers.

Every naive Bayes learner keeps per-class arrays (axis 0 is the class code)
and per-(class, feature) arrays (axis 1 is the column of ``schema_``). This
module grows them when a class or a column appears, and turns joint
log-likelihoods into probabilities.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier

#: ``njit`` for per-row helpers that never allocate and only borrow their caller's
#: arrays: compiled without numba's reference counting (``_nrt=False``), which
#: would otherwise add an atomic increment and decrement per array argument per call.
borrowing = njit(cache=True, _nrt=False)  # type: ignore[call-overload]


@borrowing
def softmax_present(
    jll: np.ndarray, ruled_out: np.ndarray, class_counts: np.ndarray, out: np.ndarray
) -> None:
    """Probabilities from joint log-likelihoods, written into ``out``.

    Only learned classes (positive count) take part. ``ruled_out[c]`` counts
    the features whose value is impossible under class ``c`` (likelihood
    0); only the classes with the fewest such features share the mass, by
    the softmax of ``jll`` (the log-likelihood of their other features).
    This is the limit of adding a vanishing ``eps`` to every likelihood, so
    a prediction stays defined when every class rules the record out. If
    no class was learned every entry is 0.
    """
    k = jll.shape[0]
    fewest = -1
    for c in range(k):
        if class_counts[c] > 0.0 and (fewest < 0 or ruled_out[c] < fewest):
            fewest = ruled_out[c]
    best = -np.inf
    for c in range(k):
        if class_counts[c] > 0.0 and ruled_out[c] == fewest and jll[c] > best:
            best = jll[c]
    total = 0.0
    for c in range(k):
        if class_counts[c] > 0.0 and ruled_out[c] == fewest:
            e = np.exp(jll[c] - best)
            out[c] = e
            total += e
        else:
            out[c] = 0.0
    if total > 0.0:
        for c in range(k):
            out[c] /= total


def pad_rows(a: np.ndarray, k: int) -> np.ndarray:
    """``a`` with zero rows appended up to ``k`` rows along axis 0."""
    if a.shape[0] >= k:
        return a
    out = np.zeros((k, *a.shape[1:]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


def pad_cols(a: np.ndarray, d: int) -> np.ndarray:
    """``a`` (2-D) with zero columns appended up to ``d`` columns."""
    if a.shape[1] >= d:
        return a
    out = np.zeros((a.shape[0], d), dtype=a.dtype)
    out[:, : a.shape[1]] = a
    return out


def as_float_rows(X: np.ndarray) -> np.ndarray:
    """A C-contiguous float64 view (or copy) so the kernels stay monomorphic."""
    return np.ascontiguousarray(X, dtype=np.float64)


class BaseNB(Classifier):
    """Shared growth and dispatch; subclasses implement the kernels' calls.

    Subclasses list their per-class arrays in ``_class_arrays``, their
    ``(n_classes, n_features)`` arrays in ``_feature_arrays`` and their
    per-column arrays in ``_column_arrays``, and implement
    ``_init_state``, ``_kernel_proba``, ``_kernel_learn`` and
    ``_kernel_test_then_train`` on prepared arrays.
    """

    _class_arrays: ClassVar[tuple[str, ...]] = ("class_counts_",)
    _feature_arrays: ClassVar[tuple[str, ...]] = ()
    _column_arrays: ClassVar[tuple[str, ...]] = ()
    class_counts_: np.ndarray

    # -- state -------------------------------------------------------------------
    def _init_state(self, width: int) -> None:
        for name in self._class_arrays:
            setattr(self, name, np.zeros(0))
        for name in self._feature_arrays:
            setattr(self, name, np.zeros((0, width)))
        for name in self._column_arrays:
            setattr(self, name, np.zeros(width))

    @property
    def _built(self) -> bool:
        return getattr(self, "class_counts_", None) is not None

    @property
    def _k(self) -> int:
        """Number of class codes the arrays cover (learned classes are a subset)."""
        return int(self.class_counts_.shape[0]) if self._built else 0

    def _grow(self, width: int) -> None:
        if not self._built:
            self._init_state(width)
        for name in self._feature_arrays:
            setattr(self, name, pad_cols(getattr(self, name), width))
        for name in self._column_arrays:
            a = getattr(self, name)
            if len(a) < width:
                setattr(self, name, np.concatenate([a, np.zeros(width - len(a), dtype=a.dtype)]))

    def _grow_classes(self, codes: np.ndarray) -> None:
        k = int(codes.max()) + 1 if len(codes) else 0
        if k > self._k:
            for name in self._class_arrays + self._feature_arrays:
                setattr(self, name, pad_rows(getattr(self, name), k))

    def _prepare_learn(self, X_learn: np.ndarray, codes: np.ndarray) -> Any:
        """Grow arrays so that learning ``X_learn`` needs no reallocation (hook).

        Returns a context handed to the learning kernels.
        """
        self._grow_classes(codes)
        return None

    # -- kernels (subclass hooks) -----------------------------------------------
    def _kernel_proba(self, X: np.ndarray, out: np.ndarray) -> None:
        raise NotImplementedError

    def _kernel_learn(self, X: np.ndarray, codes: np.ndarray, ctx: Any) -> None:
        raise NotImplementedError

    def _kernel_test_then_train(
        self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray, ctx: Any, out: np.ndarray
    ) -> None:
        raise NotImplementedError

    # -- Classifier hooks ---------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        X = as_float_rows(X)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        self._check_input(X)
        ctx = self._prepare_learn(X, codes)
        self._kernel_learn(X, codes, ctx)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros((len(X), self._k))
        if self._k and len(X):
            X = self._pred_input(as_float_rows(X))
            self._kernel_proba(X, out)
        return out

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        same = X_pred is X_learn
        X_learn = as_float_rows(X_learn)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        self._check_input(X_learn)
        if same and type(self)._pred_input is BaseNB._pred_input:
            X_pred = X_learn  # the default hook would only check the rows again
        else:
            X_pred = self._pred_input(as_float_rows(X_pred))
        ctx = self._prepare_learn(X_learn, codes)
        P = np.zeros((len(X_pred), self._k))
        if len(X_pred):
            self._kernel_test_then_train(X_pred, X_learn, codes, ctx, P)
        if P.shape[1] == len(self.classes_):
            return P
        out = np.zeros((len(X_pred), len(self.classes_)))
        out[:, : P.shape[1]] = P
        return out

    def _check_input(self, X: np.ndarray) -> None:
        """Validate rows to learn before any state changes (hook; e.g. non-negative counts)."""

    def _pred_input(self, X: np.ndarray) -> np.ndarray:
        """Rows to score, validated or adjusted (hook; by default as ``_check_input``)."""
        self._check_input(X)
        return X

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
