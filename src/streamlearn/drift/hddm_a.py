"""HDDM_A: drift detection with Hoeffding's bound on moving averages (Frías-Blanco et al. 2015)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import BOOL, Interval
from streamlearn.base.registry import register
from streamlearn.drift._base import DRIFT, INCREASE, MISSING, WARNING, BaseDriftDetector

# stats_ slots: counts and sums of the whole stream and at the two cut points
_N, _SUM, _N_LOW, _SUM_LOW, _N_HIGH, _SUM_HIGH = range(6)


@njit(cache=True)
def _shifted(n_cut, sum_cut, n, total, log_conf):  # pragma: no cover - compiled
    """Mean of all ``n`` values minus the mean of the first ``n_cut``, and the bound it must pass."""
    if n_cut <= 0.0 or n_cut >= n:
        return 0.0, np.inf
    diff = total / n - sum_cut / n_cut
    bound = math.sqrt((n - n_cut) / (2.0 * n_cut * n) * log_conf)
    return diff, bound


@njit(cache=True)
def _kernel(values, flags, stop, st, log_drift, log_warning, two_sided):  # pragma: no cover - compiled
    for i in range(values.shape[0]):
        x = values[i]
        if not np.isfinite(x):
            flags[i] = MISSING
            continue
        n = st[_N] + 1.0
        total = st[_SUM] + x
        st[_N], st[_SUM] = n, total
        mean = total / n
        eps = math.sqrt(log_drift / (2.0 * n))
        # the cut point for an increase: where the mean's upper bound was lowest
        if st[_N_LOW] == 0.0 or mean + eps <= st[_SUM_LOW] / st[_N_LOW] + math.sqrt(
            log_drift / (2.0 * st[_N_LOW])
        ):
            st[_N_LOW], st[_SUM_LOW] = n, total
        if two_sided and (
            st[_N_HIGH] == 0.0
            or mean - eps >= st[_SUM_HIGH] / st[_N_HIGH] - math.sqrt(log_drift / (2.0 * st[_N_HIGH]))
        ):
            st[_N_HIGH], st[_SUM_HIGH] = n, total
        f = 0
        diff, bound = _shifted(st[_N_LOW], st[_SUM_LOW], n, total, log_drift)
        if diff >= bound:
            f = DRIFT | INCREASE
        elif diff >= bound * math.sqrt(log_warning / log_drift):
            f = WARNING
        if two_sided and not f & DRIFT:
            diff, bound = _shifted(st[_N_HIGH], st[_SUM_HIGH], n, total, log_drift)
            if -diff >= bound:
                f = DRIFT
            elif -diff >= bound * math.sqrt(log_warning / log_drift):
                f = WARNING
        if f & DRIFT:
            st[:] = 0.0
        flags[i] = f
        if stop and f & DRIFT:
            return i + 1
    return values.shape[0]


@register("hddm_a")
class HDDM_A(BaseDriftDetector):
    """Hoeffding drift detection on averages (the A-test of HDDM).

    For values in ``[0, 1]`` (errors, bounded losses). The detector keeps
    the count and sum of the stream since the last reset, and a *cut point*:
    the prefix whose mean plus Hoeffding's bound
    ``sqrt(ln(1/drift_confidence) / (2 n))`` was lowest. By Hoeffding's
    inequality for the difference between the mean of all ``n`` values and
    the mean of the first ``n_cut``, an increase is significant at level
    ``delta`` when

    ``mean(all) - mean(prefix) >= sqrt((n - n_cut) / (2 n n_cut) * ln(1/delta))``.

    A **drift** is signalled at ``delta = drift_confidence`` (all statistics
    are then reset), a **warning** at ``delta = warning_confidence``. With
    ``two_sided_test`` a second cut point (highest lower bound) detects
    decreases in the same way; by default only increases (a rising error
    rate) are detected.

    False alarms measured on stationary streams (defaults; 100,000 values;
    seeds 0-4): Bernoulli(0.2) errors: 0, 3, 1, 0, 0; Gaussian values
    ``N(0.5, 0.1)`` clipped to ``[0, 1]``: 0, 0, 0, 0, 0.

    Parameters
    ----------
    drift_confidence
        Significance level of the drift test, in ``(0, 1)``.
    warning_confidence
        Significance level of the warning test, in ``(0, 1)``; ``> drift_confidence``.
    two_sided_test
        Also detect decreases of the mean.

    Attributes
    ----------
    stats_
        ``[n, sum, n_cut_low, sum_cut_low, n_cut_high, sum_cut_high]`` since the last reset.
    n_drifts_, n_missing_
        Drifts detected, values skipped (non-finite) since construction or ``reset()``.

    Examples
    --------
    The error rate jumps from 10% to 50% at position 1,000:

    >>> import numpy as np
    >>> from streamlearn.drift import HDDM_A
    >>> rng = np.random.default_rng(42)
    >>> errors = rng.random(2000) < np.where(np.arange(2000) < 1000, 0.1, 0.5)
    >>> HDDM_A().update_many(errors)
    array([1009])

    References
    ----------
    Frías-Blanco, I., del Campo-Ávila, J., Ramos-Jiménez, G., Morales-Bueno, R.,
    Ortiz-Díaz, A., Caballero-Mota, Y. (2015). Online and non-parametric
    drift detection methods based on Hoeffding's bounds. IEEE Transactions
    on Knowledge and Data Engineering 27(3), 810-823.
    """

    _unit_interval = True
    _kernel_fn = staticmethod(_kernel)
    _param_rules = {  # noqa: RUF012
        "drift_confidence": Interval(float, 0, 1, open_low=True, open_high=True),
        "warning_confidence": Interval(float, 0, 1, open_low=True, open_high=True),
        "two_sided_test": BOOL,
    }
    stats_: np.ndarray

    def __init__(
        self, drift_confidence: float = 0.001, warning_confidence: float = 0.005, two_sided_test: bool = False
    ):
        self.drift_confidence = drift_confidence
        self.warning_confidence = warning_confidence
        self.two_sided_test = two_sided_test
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        _check_confidences(self)

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        yield {"two_sided_test": True, "drift_confidence": 0.01, "warning_confidence": 0.05}

    def _init_state(self) -> None:
        self.stats_ = np.zeros(6)

    def _state_args(self) -> tuple[Any, ...]:
        return (self.stats_,)

    def _param_args(self) -> tuple[Any, ...]:
        return (
            math.log(1.0 / self.drift_confidence),
            math.log(1.0 / self.warning_confidence),
            bool(self.two_sided_test),
        )

    @property
    def estimation(self) -> float:
        """Mean of the values since the last reset (0 before any value)."""
        if not self.is_fitted or self.stats_[_N] == 0:
            return 0.0
        return float(self.stats_[_SUM] / self.stats_[_N])


def _check_confidences(det: Any) -> None:
    if det.warning_confidence <= det.drift_confidence:
        raise InvalidParameterError(
            f"The 'warning_confidence' parameter of {type(det).__name__} must be greater than "
            f"'drift_confidence' ({det.drift_confidence!r}): warnings come before drifts. "
            f"Got {det.warning_confidence!r}."
        )
