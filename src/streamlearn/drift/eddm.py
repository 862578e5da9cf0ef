"""EDDM: the Early Drift Detection Method of Baena-García et al. (2006)."""

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
_N, _N_ERR, _LAST, _MEAN, _M2, _MAX, _IN_WARNING = range(7)


@njit(cache=True)
def _reset(st):  # pragma: no cover - compiled
    st[:] = 0.0


@njit(cache=True)
def _kernel(values, flags, stop, st, min_errors, alpha, beta):  # pragma: no cover - compiled
    for i in range(values.shape[0]):
        x = values[i]
        if not np.isfinite(x):
            flags[i] = MISSING
            continue
        st[_N] += 1.0
        if x < 0.5:  # a correct prediction: distances are unchanged
            flags[i] = WARNING if st[_IN_WARNING] > 0.0 else 0
            continue
        ne = st[_N_ERR] + 1.0
        dist = st[_N] - st[_LAST]
        st[_N_ERR], st[_LAST] = ne, st[_N]
        delta = dist - st[_MEAN]
        st[_MEAN] += delta / ne
        st[_M2] += delta * (dist - st[_MEAN])
        level = st[_MEAN] + 2.0 * math.sqrt(st[_M2] / ne)
        f = 0
        if ne >= min_errors:
            if level > st[_MAX]:
                st[_MAX] = level
            else:
                ratio = level / st[_MAX]
                if ratio < beta:
                    f = DRIFT | INCREASE
                elif ratio < alpha:
                    f = WARNING
        if f & DRIFT:
            _reset(st)
        else:
            st[_IN_WARNING] = 1.0 if f == WARNING else 0.0
        flags[i] = f
        if stop and f & DRIFT:
            return i + 1
    return values.shape[0]


@register("eddm")
class EDDM(BaseDriftDetector):
    """Early Drift Detection Method: watches the distance between errors.

    The input is a stream of prediction errors (1: wrong, 0: right; a value
    in ``[0, 1]`` counts as an error when it is ``>= 0.5``). At each error the
    detector updates the mean ``p'`` and standard deviation ``s'`` of the
    distance (in values) between consecutive errors, the first distance
    being counted from the start or the last reset. When errors grow
    sparser ``p' + 2 s'`` grows; its maximum is kept. From the
    ``min_errors``-th error on, each error compares
    ``ratio = (p' + 2 s') / max(p' + 2 s')`` and signals

    * a **warning** when ``ratio < alpha``,
    * a **drift** when ``ratio < beta``; then every statistic is reset.

    The test runs only at errors; correct predictions keep the last verdict
    (a warning stays a warning until the next error). EDDM reacts to
    gradual drift earlier than DDM, at the price of more false alarms.

    False alarms measured on stationary streams (defaults; 100,000 values;
    seeds 0-4): Bernoulli(0.2) errors: 5, 3, 0, 3, 15 (River's EDDM: 5, 20,
    28, 15, 17); Gaussian values ``N(0.5, 0.1)`` clipped to ``[0, 1]`` (about
    half of them count as errors): 10, 15, 7, 5, 1. Most false alarms come
    within a few hundred errors of the start or of a reset, while the
    maximum is taken over noisy early estimates; high error rates make them
    more frequent.

    Parameters
    ----------
    alpha
        Warning ratio, in ``(0, 1)``; ``>= beta``.
    beta
        Drift ratio, in ``(0, 1)``.
    min_errors
        Errors seen (since the last reset) before the test runs; ``>= 1``.

    Attributes
    ----------
    stats_
        ``[n, errors, position of the last error, mean distance, sum of squared
        deviations of the distance, max(p' + 2 s'), in warning]`` since the last reset.
    n_drifts_, n_missing_
        Drifts detected, values skipped (non-finite) since construction or ``reset()``.

    Examples
    --------
    The error rate jumps from 10% to 40% at position 2,000 (the alarm at
    1,220 is a false one, from the noisy maximum of the first errors):

    >>> import numpy as np
    >>> from streamlearn.drift import EDDM
    >>> rng = np.random.default_rng(0)
    >>> errors = rng.random(3000) < np.where(np.arange(3000) < 2000, 0.1, 0.4)
    >>> EDDM().update_many(errors)
    array([1220, 2001])

    References
    ----------
    Baena-García, M., del Campo-Ávila, J., Fidalgo, R., Bifet, A., Gavaldà, R.,
    Morales-Bueno, R. (2006). Early drift detection method. Fourth
    International Workshop on Knowledge Discovery from Data Streams.
    """

    _unit_interval = True
    _kernel_fn = staticmethod(_kernel)
    _param_rules = {  # noqa: RUF012
        "alpha": Interval(float, 0, 1, open_low=True, open_high=True),
        "beta": Interval(float, 0, 1, open_low=True, open_high=True),
        "min_errors": Interval(int, 1, None),
    }
    stats_: np.ndarray

    def __init__(self, alpha: float = 0.95, beta: float = 0.90, min_errors: int = 30):
        self.alpha = alpha
        self.beta = beta
        self.min_errors = min_errors
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.alpha < self.beta:
            raise InvalidParameterError(
                f"The 'alpha' parameter of EDDM (warning ratio) must be >= 'beta' (drift ratio, "
                f"{self.beta!r}). Got {self.alpha!r}."
            )

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        yield {"alpha": 0.9, "beta": 0.8, "min_errors": 5}

    def _init_state(self) -> None:
        self.stats_ = np.zeros(7)

    def _state_args(self) -> tuple[Any, ...]:
        return (self.stats_,)

    def _param_args(self) -> tuple[Any, ...]:
        return (
            float(self.min_errors),
            float(self.alpha),
            float(self.beta),
        )
