"""Plumbing shared by the drift detectors: input checks, flags, counters, reset.

Every detector runs one compiled loop (a numba kernel) over a whole array of
values. The kernel writes one flag byte per value (:data:`DRIFT`,
:data:`WARNING`, :data:`MISSING` bits, and :data:`INCREASE` beside ``DRIFT`` when
the change raised the mean) and updates the detector's state
arrays in place; Python only validates the input and turns the flags into
positions. ``update(value)`` runs the same kernel on a one-value array, so a
loop of ``update`` and one ``update_many`` agree by construction.

Missing values: NaN, ``None`` and ``±inf`` are skipped. A skipped value
changes no statistic, reports neither a drift nor a warning (after it
``drift_detected`` and ``warning_detected`` are False) and is counted in
``n_missing_``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar, Literal, overload

import numpy as np
from numba import njit

from streamlearn.base.errors import SchemaError
from streamlearn.base.learner import DriftDetector

#: Flag bits written by the kernels, one byte per value.
DRIFT = 1
WARNING = 2
MISSING = 4
#: Set with ``DRIFT`` when the change raised the monitored mean (an error rate going up).
INCREASE = 8


@njit(cache=True)
def first_outside_unit(values):  # pragma: no cover - compiled
    """Index of the first finite value outside ``[0, 1]``, or -1."""
    for i in range(values.shape[0]):
        v = values[i]
        if (v < 0.0 or v > 1.0) and np.isfinite(v):
            return i
    return -1


def _as_float(value: Any, owner: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, (numbers.Real, np.bool_)):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biuf":
        return float(value)
    raise SchemaError(
        f"{owner}.update takes one number (an error indicator, a loss, a measurement). "
        f"Got {type(value).__name__} {value!r}."
    )


def _as_values(values: Any, owner: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise SchemaError(
            f"{owner}.update_many takes a 1-D sequence of numbers (one value per time step). "
            f"Got an array of shape {arr.shape}; pass one column, e.g. X[:, 0]."
        )
    if arr.dtype.kind in "biuf":
        return np.ascontiguousarray(arr, dtype=np.float64)
    if arr.dtype.kind == "O":
        for i, v in enumerate(arr.tolist()):
            if v is not None and not isinstance(v, (numbers.Real, np.bool_)):
                raise SchemaError(
                    f"{owner}.update_many takes numbers; value {i} is {type(v).__name__} {v!r}."
                )
        return np.array(arr.tolist(), dtype=np.float64)  # None becomes NaN (missing)
    raise SchemaError(f"{owner}.update_many takes numbers. Got an array of dtype {arr.dtype}.")


class BaseDriftDetector(DriftDetector):
    """Shared public API of the compiled drift detectors.

    Subclasses set ``_kernel_fn`` (the compiled loop over an array of values,
    returning how many it consumed: it stops after the first drift when
    ``stop``) and implement ``_init_state()``, ``_state_args()`` and
    ``_param_args()``. ``_unit_interval = True`` makes the detector reject
    finite values outside ``[0, 1]`` (error rates, bounded losses).
    """

    _unit_interval: ClassVar[bool] = False
    #: Whether the detector ever raises warnings.
    has_warnings: ClassVar[bool] = True

    #: The compiled loop: ``kernel(values, flags, stop, *state_args, *param_args) -> consumed``.
    _kernel_fn: ClassVar[Any]

    # -- hooks --------------------------------------------------------------------
    def _init_state(self) -> None:
        """Build the state attributes (first value, or after ``reset()``)."""
        raise NotImplementedError

    def _state_args(self) -> tuple[Any, ...]:
        """The state arrays the kernel updates in place."""
        raise NotImplementedError

    def _param_args(self) -> tuple[Any, ...]:
        """The parameters as the kernel takes them (computed once, then cached)."""
        raise NotImplementedError

    def _fast(self) -> tuple[Any, ...]:
        """``(one-value buffer, one-flag buffer, kernel, its state and parameter arguments)``.

        A cache (``update`` is dominated by call overhead): built after the state, dropped by
        ``reset()`` and rebuilt after loading, since those replace the state arrays.
        """
        fast = self.__dict__.get("_fast_cache")
        if fast is None:
            if not self.is_fitted:
                self._build()
            args = (*self._state_args(), *self._param_args())
            fast = self._fast_cache = (np.empty(1), np.zeros(1, dtype=np.int8), self._kernel_fn, args)
        return fast

    def _after_load(self) -> None:
        self.__dict__.pop("_fast_cache", None)

    def _kernel(self, values: np.ndarray, flags: np.ndarray, stop: bool) -> int:
        fast = self._fast()
        return int(fast[2](values, flags, stop, *fast[3]))

    # -- state --------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return getattr(self, "n_missing_", None) is not None

    @property
    def drift_detected(self) -> bool:
        """Whether the last value (``update``, or the last one of ``update_many``) was a drift."""
        return bool(getattr(self, "last_drift_", False))

    @property
    def warning_detected(self) -> bool:
        """Whether the detector was in its warning zone after the last value."""
        return bool(getattr(self, "last_warning_", False))

    def reset(self) -> BaseDriftDetector:
        """Forget everything: the detector becomes as freshly constructed."""
        for k in list(self._state()):
            delattr(self, k)
        self.__dict__.pop("_fast_cache", None)
        return self

    def _build(self) -> None:
        self.__dict__.pop("_fast_cache", None)
        self.n_missing_ = 0
        self.n_drifts_ = 0
        self.last_drift_ = False
        self.last_warning_ = False
        self._init_state()

    # -- running ------------------------------------------------------------------
    def _check_range(self, values: np.ndarray) -> None:
        if self._unit_interval:
            i = int(first_outside_unit(values))
            if i >= 0:
                raise SchemaError(
                    f"{type(self).__name__} monitors values in [0, 1] (0/1 errors or bounded losses); "
                    f"value {i} is {values[i]!r}. Rescale the values first."
                )

    def _run(self, values: np.ndarray, flags: np.ndarray, stop: bool) -> int:
        """Feed ``values`` to the kernel; bookkeeping from its flags. Returns the count consumed."""
        if not self.is_fitted:
            self._build()
        m = int(self._kernel(values, flags, stop))
        if m == 1:
            f = int(flags[0])
            self.n_missing_ += (f & MISSING) >> 2
            self.n_drifts_ += f & DRIFT
        elif m > 1:
            done = flags[:m]
            self.n_missing_ += int(np.count_nonzero(done & MISSING))
            self.n_drifts_ += int(np.count_nonzero(done & DRIFT))
        if m:
            last = int(flags[m - 1])
            self.last_drift_ = bool(last & DRIFT)
            self.last_warning_ = bool(last & WARNING)
        return m

    def _scan(self, values: np.ndarray, stop_at_drift: bool) -> np.ndarray:
        """Flags of the values consumed; with ``stop_at_drift`` it stops after the first drift."""
        values = _as_values(values, type(self).__name__)
        self._check_range(values)
        flags = np.zeros(len(values), dtype=np.int8)
        m = self._run(values, flags, stop_at_drift) if len(values) else 0
        return flags[:m]

    # -- public API ---------------------------------------------------------------
    def update(self, value: Any) -> bool:
        """Feed one value; True when a drift is detected at it."""
        v = value if type(value) is float else _as_float(value, type(self).__name__)
        if self._unit_interval and (v < 0.0 or v > 1.0) and math.isfinite(v):
            self._check_range(np.array([v]))
        fast = self.__dict__.get("_fast_cache")
        if fast is None:
            fast = self._fast()
        values, flags, kernel, args = fast
        values[0] = v
        kernel(values, flags, False, *args)
        f = int(flags[0])
        drift = bool(f & DRIFT)
        if f & MISSING:
            self.n_missing_ += 1
        elif drift:
            self.n_drifts_ += 1
        self.last_drift_ = drift
        self.last_warning_ = f == WARNING
        return drift

    @overload
    def update_many(self, values: Any, return_warnings: Literal[False] = ...) -> np.ndarray: ...

    @overload
    def update_many(self, values: Any, return_warnings: Literal[True]) -> tuple[np.ndarray, np.ndarray]: ...

    def update_many(self, values: Any, return_warnings: bool = False) -> Any:
        """Feed a 1-D array of values in order; the positions (int64) where drifts were detected.

        Equal to a loop of :meth:`update`, state included. With
        ``return_warnings`` it returns ``(drift_positions, warning_positions)``,
        the latter listing every value at which the detector was in its
        warning zone. Non-finite values are skipped (see the module docs).
        """
        flags = self._scan(values, False)
        drifts = np.flatnonzero(flags & DRIFT).astype(np.int64)
        if return_warnings:
            return drifts, np.flatnonzero(flags & WARNING).astype(np.int64)
        return drifts
