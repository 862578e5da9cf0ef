"""KSWIN: Kolmogorov-Smirnov windowing (Raab, Heusinger and Schleif 2020)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import SEED, Interval
from streamlearn.base.registry import register
from streamlearn.drift._base import DRIFT, INCREASE, MISSING, BaseDriftDetector
from streamlearn.drift._ks import ks_statistic, pvalue_table
from streamlearn.drift._rng import seed_state, uniform

# stats_ slots
_COUNT, _HEAD, _STAT, _PVALUE = range(4)


@njit(cache=True)
def _kernel(values, flags, stop, st, window, rng_state, stat_size, alpha, pvalues):  # pragma: no cover
    size = window.shape[0]
    r = stat_size
    older = size - r
    mark = np.zeros(older, dtype=np.bool_)
    picked = np.empty(r, dtype=np.int64)
    old = np.empty(r)
    new = np.empty(r)
    count, head = int(st[_COUNT]), int(st[_HEAD])
    m = values.shape[0]
    for i in range(values.shape[0]):
        x = values[i]
        if not np.isfinite(x):
            flags[i] = MISSING
            continue
        if count < size:
            window[(head + count) % size] = x
            count += 1
        else:
            window[head] = x
            head = (head + 1) % size
        f = 0
        if count == size:
            # r distinct positions among the older part of the window (Floyd's algorithm)
            for t in range(older - r, older):
                k = int(uniform(rng_state) * (t + 1))
                if k > t:
                    k = t
                if mark[k]:
                    k = t
                mark[k] = True
                picked[t - older + r] = k
            for t in range(r):
                mark[picked[t]] = False
                old[t] = window[(head + picked[t]) % size]
                new[t] = window[(head + older + t) % size]
            old.sort()
            new.sort()
            d = ks_statistic(old, new)
            p = pvalues[int(d * r + 0.5)]  # d is a multiple of 1 / r
            st[_STAT], st[_PVALUE] = d, p
            if p <= alpha:
                f = DRIFT | INCREASE if new.sum() > old.sum() else DRIFT
                head = (head + older) % size  # keep the r most recent values
                count = r
        flags[i] = f
        if stop and f & DRIFT:
            m = i + 1
            break
    st[_COUNT], st[_HEAD] = count, head
    return m


@register("kswin")
class KSWIN(BaseDriftDetector):
    """Kolmogorov-Smirnov windowing: compares the latest values with older ones.

    For any real values; it detects changes of the whole distribution, not
    only of the mean. The detector keeps the last ``window_size`` values.
    Once the window is full, at every value it draws ``stat_size`` values
    uniformly without replacement from the ``window_size - stat_size``
    older ones and runs a two-sample Kolmogorov-Smirnov test against the
    ``stat_size`` most recent values. The p-value is exact for samples of
    equal size (Gnedenko-Korolyuk; see :mod:`streamlearn.drift._ks`): no
    asymptotic approximation is needed at small ``stat_size``. A **drift**
    is signalled when ``p <= alpha``; the window then keeps only the
    ``stat_size`` most recent values and must fill again before the next
    test. No warnings.

    Ties (for example 0/1 error streams) make the test conservative: the
    exact p-value assumes continuous values. Because a test runs at every
    value, ``alpha`` is a per-test level, not a false-alarm rate per stream.

    False alarms measured on stationary streams (defaults, ``seed=0``;
    100,000 values; stream seeds 0-4): Bernoulli(0.2) errors: 1, 0, 2, 1, 2
    (ties make the test conservative); Gaussian values ``N(0.5, 0.1)``
    clipped to ``[0, 1]``, and ``N(0, 1)`` (the test depends on ranks
    only, so the counts are the same): 141, 125, 130, 138, 139, about one
    per 750 values, since every test has level ``alpha``. Use a much smaller
    ``alpha`` (e.g. ``1e-4``) on long continuous streams.

    Parameters
    ----------
    alpha
        Significance level of each test, in ``(0, 1)``.
    window_size
        Values kept; ``>= 2 * stat_size``.
    stat_size
        Size of both samples of the test; ``>= 1``.
    seed
        Seed of the sampling (``None``: a fresh random seed).

    Attributes
    ----------
    window_
        The window, a ring buffer (``stats_`` holds its length and start).
    stats_
        ``[values in the window, start of the ring, last statistic D, last p-value]``.
    rng_state_
        The state of the sampling's random generator (SplitMix64, seeded from ``seed``).
    n_drifts_, n_missing_
        Drifts detected, values skipped (non-finite) since construction or ``reset()``.

    Examples
    --------
    The mean of a Gaussian stream jumps by 3 standard deviations at position 1,000:

    >>> import numpy as np
    >>> from streamlearn.drift import KSWIN
    >>> rng = np.random.default_rng(42)
    >>> values = rng.normal(0.0, 1.0, 2000) + np.where(np.arange(2000) < 1000, 0.0, 3.0)
    >>> KSWIN(alpha=0.0001, seed=1).update_many(values)
    array([1016])

    References
    ----------
    Raab, C., Heusinger, M., Schleif, F.-M. (2020). Reactive soft prototype
    computing for concept drift streams. Neurocomputing 416, 340-351.
    Gnedenko, B. V., Korolyuk, V. S. (1951). On the maximum discrepancy
    between two empirical distributions. Doklady Akademii Nauk SSSR 80, 525-528.
    """

    has_warnings = False
    _kernel_fn = staticmethod(_kernel)
    _param_rules = {  # noqa: RUF012
        "alpha": Interval(float, 0, 1, open_low=True, open_high=True),
        "window_size": Interval(int, 2, None),
        "stat_size": Interval(int, 1, None),
        "seed": SEED,
    }
    window_: np.ndarray
    stats_: np.ndarray
    rng_state_: np.ndarray

    def __init__(
        self, alpha: float = 0.005, window_size: int = 100, stat_size: int = 30, seed: int | None = None
    ):
        self.alpha = alpha
        self.window_size = window_size
        self.stat_size = stat_size
        self.seed = seed
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        if 2 * self.stat_size > self.window_size:
            raise InvalidParameterError(
                f"The 'window_size' parameter of KSWIN must be at least 2 * stat_size "
                f"({2 * self.stat_size}) so that both samples fit in the window. Got {self.window_size!r}."
            )

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"seed": 42}
        yield {"seed": 7, "alpha": 0.01, "window_size": 50, "stat_size": 20}

    def _init_state(self) -> None:
        self.window_ = np.zeros(self.window_size)
        self.stats_ = np.array([0.0, 0.0, 0.0, 1.0])
        self.rng_state_ = seed_state(self.seed)

    def _state_args(self) -> tuple[Any, ...]:
        return (
            self.stats_,
            self.window_,
            self.rng_state_,
        )

    def _param_args(self) -> tuple[Any, ...]:
        return (
            int(self.stat_size),
            float(self.alpha),
            pvalue_table(self.stat_size),
        )

    @property
    def p_value(self) -> float:
        """The p-value of the last test (1 before the first)."""
        return float(self.stats_[_PVALUE]) if self.is_fitted else 1.0
