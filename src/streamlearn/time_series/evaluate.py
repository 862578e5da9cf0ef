"""Forecast evaluation: error per horizon step, test-then-train over a series.

:func:`evaluate_forecaster` streams a series through a forecaster in chunks
with ``test_then_train_many``: at each row ``t`` the model forecasts the next
``horizon`` values *before* learning row ``t``, and the forecast for step
``j`` (1-based) is scored against ``y[t + j - 1]`` once that value arrives
(``F[t, j - 1]`` against ``Y[t + j - 1]`` in the arrays the forecasters
return). Pairs whose true value is missing (NaN) are skipped. So are pairs
whose forecast is NaN (a model that has learned nothing yet has no
forecast); they are counted in ``n_unforecast``. With several series every
(row, series) pair is one scored value.

>>> import numpy as np
>>> from streamlearn.time_series import SeasonalNaive, evaluate_forecaster
>>> y = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0])
>>> r = evaluate_forecaster(SeasonalNaive(season=3), y, horizon=2)
>>> [round(v, 4) for v in r.mae]
[0.2857, 0.3333]
>>> r.n_scored, r.n_unforecast
([7, 6], [1, 1])
>>> r.to_dict()["steps"]
[1, 2]
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.learner import Forecaster
from streamlearn.metrics import MAE, RMSE
from streamlearn.streams.dataset import Dataset


def _jsonable(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): _jsonable(e) for k, e in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(e) for e in v]
    return v


@dataclass
class ForecastReport:
    """What :func:`evaluate_forecaster` measured.

    Attributes
    ----------
    model
        ``repr`` of the forecaster.
    horizon
        Steps forecast at each row; ``steps`` is ``[1, ..., horizon]``.
    n
        Rows learned (forecasts made).
    n_series
        Series (columns) forecast.
    n_scored
        Per step: the (row, series) pairs scored (true value and forecast both known).
    n_unforecast
        Per step: pairs with a known true value but a NaN forecast (not scored).
    mae, rmse
        Per step: the error over the whole run.
    history
        Every ``every`` rows: ``{"n": rows learned, "mae": [...], "rmse": [...],
        "n_scored": [...]}`` of the pairs scored so far; the last entry is the final state.
    seconds
        Time spent in the forecaster (test-then-train calls), not in scoring.
    """

    model: str
    horizon: int
    n: int = 0
    n_series: int = 1
    n_scored: list[int] = field(default_factory=list)
    n_unforecast: list[int] = field(default_factory=list)
    mae: list[float] = field(default_factory=list)
    rmse: list[float] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    every: int = 1000

    @property
    def steps(self) -> list[int]:
        return list(range(1, self.horizon + 1))

    @property
    def rows_per_second(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else math.inf

    def at(self, step: int) -> dict[str, float]:
        """``{"mae", "rmse", "n_scored"}`` of one step (1-based)."""
        if not 1 <= step <= self.horizon:
            raise InvalidParameterError(f"step must be in 1..{self.horizon}. Got {step!r}.")
        i = step - 1
        return {"mae": self.mae[i], "rmse": self.rmse[i], "n_scored": self.n_scored[i]}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (infinite or NaN numbers become None)."""
        return _jsonable(
            {
                "model": self.model,
                "horizon": self.horizon,
                "steps": self.steps,
                "n": self.n,
                "n_series": self.n_series,
                "n_scored": list(self.n_scored),
                "n_unforecast": list(self.n_unforecast),
                "mae": list(self.mae),
                "rmse": list(self.rmse),
                "history": list(self.history),
                "seconds": self.seconds,
                "rows_per_second": self.rows_per_second,
                "every": self.every,
            }
        )

    def __str__(self) -> str:
        lines = [f"{self.model}: {self.n:,} rows, {self.rows_per_second:,.0f} rows/s", "step  mae  rmse  n"]
        for j in range(self.horizon):
            lines.append(f"{j + 1}  {self.mae[j]:.6g}  {self.rmse[j]:.6g}  {self.n_scored[j]}")
        return "\n".join(lines)


def _chunks(series: Any, every: int, column: Hashable | None) -> Iterator[np.ndarray]:
    """The series as float arrays of at most ``every`` rows (1-D or 2-D, as given)."""
    if isinstance(series, Dataset):
        pending: list[np.ndarray] = []
        size = 0
        for batch in series:
            X = batch.X
            if column is not None:
                names = list(batch.schema.names)
                if column not in names:
                    raise SchemaError(f"The data set has no column {column!r}; its columns are {names}.")
                X = X[:, names.index(column)]
            pending.append(np.asarray(X, dtype=np.float64))
            size += len(X)
            while size >= every:
                whole = np.concatenate(pending)
                yield whole[:every]
                pending, size = [whole[every:]], len(whole) - every
        if size:
            yield np.concatenate(pending)
        return
    Y = np.asarray(series, dtype=np.float64)
    if Y.ndim not in (1, 2):
        raise SchemaError(f"A series must be 1-D or 2-D (rows, series). Got shape {Y.shape}.")
    for start in range(0, len(Y), every):
        yield Y[start : start + every]


def evaluate_forecaster(
    model: Forecaster,
    series: Any,
    horizon: int = 1,
    every: int = 1000,
    column: Hashable | None = None,
) -> ForecastReport:
    """Test-then-train ``model`` over ``series``; MAE and RMSE for each horizon step.

    Parameters
    ----------
    model
        A forecaster; it learns the whole series (pass a fresh or cloned one).
    series
        ``(n,)`` or ``(n, k)`` values (NaN: missing), or a streamlearn
        :class:`~streamlearn.streams.dataset.Dataset` (its feature columns,
        or only ``column``).
    horizon
        Steps forecast at each row (>= 1).
    every
        Rows per chunk handed to the model, and the period of ``history``.
    column
        With a Dataset: the column to forecast (default: every feature column).
    """
    for name, v in (("horizon", horizon), ("every", every)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise InvalidParameterError(
                f"The {name!r} parameter of evaluate_forecaster must be an int >= 1. Got {v!r}."
            )
    if not isinstance(model, Forecaster):
        raise InvalidParameterError(
            f"evaluate_forecaster needs a forecaster (task 'forecasting'). Got {type(model).__name__}."
        )
    maes = [MAE() for _ in range(horizon)]
    rmses = [RMSE() for _ in range(horizon)]
    report = ForecastReport(model=repr(model), horizon=horizon, every=every)
    unforecast = [0] * horizon
    pending: np.ndarray | None = None  # forecasts of the last (horizon - 1) rows: (p, horizon, k)
    n = 0
    for chunk in _chunks(series, every, column):
        t0 = time.perf_counter()
        F = model.test_then_train_many(chunk, horizon)
        report.seconds += time.perf_counter() - t0
        Y = chunk.reshape(len(chunk), -1)
        F = F.reshape(len(chunk), horizon, -1)
        G = F if pending is None else np.concatenate([pending, F])
        p = len(G) - len(F)  # rows of G before this chunk
        for j in range(horizon):
            # truth Y[r] (r in this chunk) against the forecast made at row r - j for step j + 1
            first = max(0, j - p)
            if first >= len(Y):
                continue
            truth = Y[first:]
            pred = G[p + first - j : p + len(Y) - j, j, :]
            known = ~np.isnan(truth)
            seen = known & ~np.isnan(pred)
            unforecast[j] += int(known.sum() - seen.sum())
            if seen.any():
                maes[j].update_many(truth[seen], pred[seen])
                rmses[j].update_many(truth[seen], pred[seen])
        keep = min(horizon - 1, len(G))
        pending = G[len(G) - keep :] if keep else None
        n += len(Y)
        report.n_series = Y.shape[1]
        report.history.append(_snapshot(n, maes, rmses))
    report.n = n
    final = _snapshot(n, maes, rmses)
    report.mae, report.rmse, report.n_scored = final["mae"], final["rmse"], final["n_scored"]
    report.n_unforecast = unforecast
    return report


def _snapshot(n: int, maes: list[MAE], rmses: list[RMSE]) -> dict[str, Any]:
    return {
        "n": n,
        "mae": [m.get() if m.n_ else math.nan for m in maes],
        "rmse": [m.get() if m.n_ else math.nan for m in rmses],
        "n_scored": [int(m.n_) for m in maes],
    }
