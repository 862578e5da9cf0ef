"""HDDM_W: drift detection with McDiarmid's bound on weighted (EWMA) averages (Frías-Blanco et al. 2015)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.params import BOOL, Interval
from streamlearn.base.registry import register
from streamlearn.drift._base import DRIFT, INCREASE, MISSING, WARNING, BaseDriftDetector
from streamlearn.drift.hddm_a import _check_confidences

# stats_ slots. An EWMA estimator is (value, sum of squared weights); value -1 means "empty".
# total: the whole stream; for increases: cut (lowest upper bound), before-cut and after-cut
# estimators; for decreases the same with the highest lower bound.
_T, _TW = 0, 1
_CUT_UP, _B_UP, _BW_UP, _A_UP, _AW_UP = 2, 3, 4, 5, 6
_CUT_DN, _B_DN, _BW_DN, _A_DN, _AW_DN = 7, 8, 9, 10, 11
_SIZE = 12


@njit(cache=True)
def _reset(st):  # pragma: no cover - compiled
    st[:] = 0.0
    st[_T] = st[_B_UP] = st[_A_UP] = st[_B_DN] = st[_A_DN] = -1.0
    st[_CUT_UP] = np.inf
    st[_CUT_DN] = -np.inf


@njit(cache=True)
def _ewma(st, k, kw, x, lam):  # pragma: no cover - compiled
    if st[k] < 0.0:
        st[k] = x
        st[kw] = 1.0
    else:
        st[k] = lam * x + (1.0 - lam) * st[k]
        st[kw] = lam * lam + (1.0 - lam) * (1.0 - lam) * st[kw]


@njit(cache=True)
def _track(st, x, lam, cut, b, bw, a, aw, sign, log_drift):  # pragma: no cover - compiled
    """Move the cut point (sign +1: lowest upper bound; -1: highest lower bound) or extend the
    after-cut estimator with ``x``."""
    bound = math.sqrt(st[_TW] * log_drift / 2.0)
    edge = st[_T] + sign * bound
    if sign * edge < sign * st[cut]:
        st[cut] = edge
        st[b], st[bw] = st[_T], st[_TW]
        st[a], st[aw] = -1.0, 0.0
    else:
        _ewma(st, a, aw, x, lam)


@njit(cache=True)
def _verdict(st, b, bw, a, aw, sign, log_drift, log_warning):  # pragma: no cover - compiled
    if st[b] < 0.0 or st[a] < 0.0:
        return 0
    diff = sign * (st[a] - st[b])
    v = (st[bw] + st[aw]) / 2.0
    if diff > math.sqrt(v * log_drift):
        return DRIFT | INCREASE if sign > 0.0 else DRIFT
    if diff > math.sqrt(v * log_warning):
        return WARNING
    return 0


@njit(cache=True)
def _kernel(values, flags, stop, st, lam, log_drift, log_warning, two_sided):  # pragma: no cover
    for i in range(values.shape[0]):
        x = values[i]
        if not np.isfinite(x):
            flags[i] = MISSING
            continue
        _ewma(st, _T, _TW, x, lam)
        _track(st, x, lam, _CUT_UP, _B_UP, _BW_UP, _A_UP, _AW_UP, 1.0, log_drift)
        f = _verdict(st, _B_UP, _BW_UP, _A_UP, _AW_UP, 1.0, log_drift, log_warning)
        if two_sided:
            _track(st, x, lam, _CUT_DN, _B_DN, _BW_DN, _A_DN, _AW_DN, -1.0, log_drift)
            if not f & DRIFT:
                g = _verdict(st, _B_DN, _BW_DN, _A_DN, _AW_DN, -1.0, log_drift, log_warning)
                if g != 0:
                    f = g
        if f & DRIFT:
            _reset(st)
        flags[i] = f
        if stop and f & DRIFT:
            return i + 1
    return values.shape[0]


@register("hddm_w")
class HDDM_W(BaseDriftDetector):
    """Hoeffding drift detection on weighted averages (the W-test of HDDM).

    For values in ``[0, 1]``. Recent values weigh more: the detector keeps
    exponentially weighted moving averages (EWMA, weight ``lambda_val`` on
    the newest value) together with the sum of their squared weights
    ``V``, which by McDiarmid's inequality bounds the estimator's deviation:
    ``P(EWMA - E >= eps) <= exp(-2 eps^2 / V)``. A cut point splits the
    stream at the point where ``EWMA + sqrt(V ln(1/drift_confidence) / 2)``
    was lowest; one EWMA summarises the stream up to the cut, another the
    values after it. An increase is significant at level ``delta`` when

    ``EWMA(after) - EWMA(before) > sqrt((V_before + V_after) / 2 * ln(1/delta))``.

    A **drift** is signalled at ``delta = drift_confidence`` (every
    statistic is then reset), a **warning** at ``delta = warning_confidence``.
    With ``two_sided_test`` decreases are detected in the same way around a
    second cut point (highest lower bound). Weighting makes the test react
    faster than HDDM_A to abrupt changes after a long stable period.

    False alarms measured on stationary streams (defaults; 100,000 values;
    seeds 0-4): Bernoulli(0.2) errors: 9, 6, 5, 7, 7; Gaussian values
    ``N(0.5, 0.1)`` clipped to ``[0, 1]``: 0, 0, 0, 0, 0.

    The bound is distribution-free: at steady state ``V = lambda / (2 - lambda)``,
    so with the defaults a shift of the weighted mean must exceed about
    ``sqrt(V ln(1/drift_confidence)) = 0.42`` to be significant on
    low-noise values (noisy 0/1 errors cross it sooner by their
    fluctuations). A smaller ``lambda_val`` detects smaller shifts, later.

    Parameters
    ----------
    drift_confidence
        Significance level of the drift test, in ``(0, 1)``.
    warning_confidence
        Significance level of the warning test, in ``(0, 1)``; ``> drift_confidence``.
    lambda_val
        Weight of the newest value in the EWMAs, in ``(0, 1]``.
    two_sided_test
        Also detect decreases of the mean.

    Attributes
    ----------
    stats_
        The EWMA estimators and cut points (see the module source for the layout).
    n_drifts_, n_missing_
        Drifts detected, values skipped (non-finite) since construction or ``reset()``.

    Examples
    --------
    The error rate jumps from 10% to 50% at position 1,000:

    >>> import numpy as np
    >>> from streamlearn.drift import HDDM_W
    >>> rng = np.random.default_rng(42)
    >>> errors = rng.random(2000) < np.where(np.arange(2000) < 1000, 0.1, 0.5)
    >>> HDDM_W().update_many(errors)
    array([1015])

    References
    ----------
    Frías-Blanco, I., del Campo-Ávila, J., Ramos-Jiménez, G., Morales-Bueno, R.,
    Ortiz-Díaz, A., Caballero-Mota, Y. (2015). Online and non-parametric
    drift detection methods based on Hoeffding's bounds. IEEE Transactions
    on Knowledge and Data Engineering 27(3), 810-823.
    McDiarmid, C. (1989). On the method of bounded differences. Surveys in
    Combinatorics 141, 148-188.
    """

    _unit_interval = True
    _kernel_fn = staticmethod(_kernel)
    _param_rules = {  # noqa: RUF012
        "drift_confidence": Interval(float, 0, 1, open_low=True, open_high=True),
        "warning_confidence": Interval(float, 0, 1, open_low=True, open_high=True),
        "lambda_val": Interval(float, 0, 1, open_low=True),
        "two_sided_test": BOOL,
    }
    stats_: np.ndarray

    def __init__(
        self,
        drift_confidence: float = 0.001,
        warning_confidence: float = 0.005,
        lambda_val: float = 0.05,
        two_sided_test: bool = False,
    ):
        self.drift_confidence = drift_confidence
        self.warning_confidence = warning_confidence
        self.lambda_val = lambda_val
        self.two_sided_test = two_sided_test
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        _check_confidences(self)

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        yield {"two_sided_test": True, "lambda_val": 0.1}

    def _init_state(self) -> None:
        self.stats_ = np.zeros(_SIZE)
        _reset(self.stats_)

    def _state_args(self) -> tuple[Any, ...]:
        return (self.stats_,)

    def _param_args(self) -> tuple[Any, ...]:
        return (
            float(self.lambda_val),
            math.log(1.0 / self.drift_confidence),
            math.log(1.0 / self.warning_confidence),
            bool(self.two_sided_test),
        )

    @property
    def estimation(self) -> float:
        """The EWMA of the values since the last reset (0 before any value)."""
        if not self.is_fitted or self.stats_[_T] < 0:
            return 0.0
        return float(self.stats_[_T])
