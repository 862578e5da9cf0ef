"""DDM: the Drift Detection Method of Gama et al. (2004)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import Interval
from streamlearn.base.registry import register
from streamlearn.drift._base import DRIFT, INCREASE, MISSING, WARNING, BaseDriftDetector

# stats_ slots
_N, _P, _S, _P_MIN, _S_MIN, _PS_MIN = range(6)


@njit(cache=True)
def _reset(st):  # pragma: no cover - compiled
    st[_N] = 0.0
    st[_P] = 0.0
    st[_S] = 0.0
    st[_P_MIN] = np.inf
    st[_S_MIN] = np.inf
    st[_PS_MIN] = np.inf


@njit(cache=True)
def _kernel(values, flags, stop, st, min_instances, warning_level, drift_level):  # pragma: no cover
    for i in range(values.shape[0]):
        x = values[i]
        if not np.isfinite(x):
            flags[i] = MISSING
            continue
        n = st[_N] + 1.0
        p = st[_P] + (x - st[_P]) / n
        s = math.sqrt(max(p * (1.0 - p), 0.0) / n)
        st[_N], st[_P], st[_S] = n, p, s
        f = 0
        if n >= min_instances:
            if p + s <= st[_PS_MIN]:
                st[_P_MIN], st[_S_MIN], st[_PS_MIN] = p, s, p + s
            if p + s > st[_P_MIN] + drift_level * st[_S_MIN]:
                f = DRIFT | INCREASE
                _reset(st)
            elif p + s > st[_P_MIN] + warning_level * st[_S_MIN]:
                f = WARNING
        flags[i] = f
        if stop and f & DRIFT:
            return i + 1
    return values.shape[0]


@register("ddm")
class DDM(BaseDriftDetector):
    """Drift Detection Method: watches the error rate of a classifier.

    The input is a stream of prediction errors (1: wrong, 0: right; values in
    ``[0, 1]`` are accepted as soft errors). After ``i`` values the error
    rate is ``p_i`` (the running mean) with standard deviation
    ``s_i = sqrt(p_i (1 - p_i) / i)``. Once ``min_instances`` values are
    seen, the detector remembers ``p_min`` and ``s_min`` at the point where
    ``p_i + s_i`` was smallest, and signals

    * a **warning** while ``p_i + s_i > p_min + warning_level * s_min``,
    * a **drift** when ``p_i + s_i > p_min + drift_level * s_min``; then every
      statistic is reset and the next value starts a new concept.

    The drift value itself reports no warning. As in the paper, a stream
    with no error at all has ``s_min = 0``, so the first error after a long
    error-free stretch is a drift.

    False alarms measured on stationary streams (defaults; 100,000 values;
    seeds 0-4): Bernoulli(0.2) errors: 0, 2, 0, 0, 0; Gaussian values
    ``N(0.5, 0.1)`` clipped to ``[0, 1]`` (soft errors): 0, 0, 0, 0, 0. False
    alarms come early: ``p_min`` and ``s_min`` taken over the first few
    dozen values can be too low.

    Parameters
    ----------
    min_instances
        Values seen (since the last reset) before the test runs; ``>= 1``.
    warning_level
        Standard deviations above the minimum that make a warning; ``> 0``.
    drift_level
        Standard deviations above the minimum that make a drift; ``> warning_level``.

    Attributes
    ----------
    stats_
        ``[n, p, s, p_min, s_min, p_min + s_min]`` since the last reset.
    n_drifts_, n_missing_
        Drifts detected, values skipped (non-finite) since construction or ``reset()``.

    Examples
    --------
    The error rate jumps from 10% to 50% at position 1,000:

    >>> import numpy as np
    >>> from streamlearn.drift import DDM
    >>> rng = np.random.default_rng(42)
    >>> errors = rng.random(2000) < np.where(np.arange(2000) < 1000, 0.1, 0.5)
    >>> DDM().update_many(errors)
    array([1109])

    References
    ----------
    Gama, J., Medas, P., Castillo, G., Rodrigues, P. (2004). Learning with
    drift detection. SBIA 2004, LNCS 3171, 286-295.
    """

    _unit_interval = True
    _kernel_fn = staticmethod(_kernel)
    _param_rules = {  # noqa: RUF012
        "min_instances": Interval(int, 1, None),
        "warning_level": Interval(float, 0, None, open_low=True),
        "drift_level": Interval(float, 0, None, open_low=True),
    }
    stats_: np.ndarray

    def __init__(self, min_instances: int = 30, warning_level: float = 2.0, drift_level: float = 3.0):
        self.min_instances = min_instances
        self.warning_level = warning_level
        self.drift_level = drift_level
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.drift_level <= self.warning_level:
            raise InvalidParameterError(
                f"The 'drift_level' parameter of DDM must be greater than 'warning_level' "
                f"({self.warning_level!r}). Got {self.drift_level!r}."
            )

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        yield {"min_instances": 10, "warning_level": 1.5, "drift_level": 2.5}

    def _init_state(self) -> None:
        self.stats_ = np.zeros(6)
        _reset(self.stats_)

    def _state_args(self) -> tuple[Any, ...]:
        return (self.stats_,)

    def _param_args(self) -> tuple[Any, ...]:
        return (
            float(self.min_instances),
            float(self.warning_level),
            float(self.drift_level),
        )

    @property
    def error_rate(self) -> float:
        """The error rate since the last reset (0 before any value)."""
        return float(self.stats_[_P]) if self.is_fitted else 0.0
