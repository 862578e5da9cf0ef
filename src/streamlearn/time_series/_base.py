"""Plumbing shared by the compiled forecasters of this package.

A forecaster here keeps its whole state in NumPy arrays built lazily for the
``k`` series of the first batch (``_build(k)``), counts the rows it has
learned in ``n_seen_`` and runs every per-row update in a numba kernel: the
``_learn``, ``_forecast`` and ``_test_then_train`` hooks are thin wrappers,
so ``learn_one`` / ``forecast`` and the batch paths run the same compiled
code and agree exactly.
"""

from __future__ import annotations

import numpy as np

from streamlearn.base.learner import Forecaster


class CompiledForecaster(Forecaster):
    """A :class:`~streamlearn.base.learner.Forecaster` whose state is built per number of series."""

    n_seen_: int

    def _build(self, k: int) -> None:
        """Create the state for ``k`` series (hook)."""
        raise NotImplementedError

    def _ready(self, k: int) -> None:
        if getattr(self, "n_seen_", None) is None:
            self._build(k)
            self.n_seen_ = 0

    # hooks of the subclasses, on float (n, k) arrays -----------------------------
    def _learn_rows(self, Y: np.ndarray) -> int:
        raise NotImplementedError

    def _forecast_into(self, out: np.ndarray) -> None:
        raise NotImplementedError

    def _test_then_train_into(self, Y: np.ndarray, out: np.ndarray) -> int:
        raise NotImplementedError

    # the Forecaster hooks ------------------------------------------------------------
    def _learn(self, Y: np.ndarray) -> None:
        self._ready(Y.shape[1])
        self.n_seen_ = int(self._learn_rows(Y))

    def _forecast(self, horizon: int) -> np.ndarray:
        k = int(self.n_series_)  # type: ignore[attr-defined]
        self._ready(k)
        out = np.empty((horizon, k))
        self._forecast_into(out)
        return out

    def _test_then_train(self, Y: np.ndarray, horizon: int) -> np.ndarray:
        self._ready(Y.shape[1])
        out = np.empty((len(Y), horizon, Y.shape[1]))
        self.n_seen_ = int(self._test_then_train_into(Y, out))
        return out
