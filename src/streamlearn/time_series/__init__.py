"""Streaming forecasters for one or several series, and their evaluation.

Every forecaster learns one observation at a time (``learn_one(y)``, a
number or a dict of numbers) or a batch (``learn_many(Y)``, ``Y`` of shape
``(n,)`` or ``(n, k)``), forecasts the next values with ``forecast(horizon)``
and runs test-then-train over a batch with ``test_then_train_many(Y,
horizon)`` in one compiled loop, identical to the one-at-a-time loop.
:func:`evaluate_forecaster` scores forecasts per horizon step.

=================  ==========================================================
SeasonalNaive      the value one season ago (``season=1``: the last value)
HoltWinters        exponential smoothing: level, (damped) trend, additive or
                   multiplicative season
=================  ==========================================================

>>> from streamlearn.time_series import SeasonalNaive
>>> SeasonalNaive(season=2).learn_many([1.0, 2.0, 3.0]).forecast(3)
[2.0, 3.0, 2.0]
"""

from streamlearn.time_series.evaluate import ForecastReport, evaluate_forecaster
from streamlearn.time_series.holt_winters import HoltWinters
from streamlearn.time_series.seasonal_naive import SeasonalNaive

__all__ = ["ForecastReport", "HoltWinters", "SeasonalNaive", "evaluate_forecaster"]
