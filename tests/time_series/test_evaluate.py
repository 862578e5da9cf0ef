"""evaluate_forecaster: per-step MAE/RMSE against a brute-force computation."""

import math

import numpy as np
import pytest

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.schema import Schema
from streamlearn.linear_model import LinearRegression
from streamlearn.streams.dataset import ArrayDataset
from streamlearn.time_series import HoltWinters, SeasonalNaive, evaluate_forecaster


def brute_force(F: np.ndarray, Y: np.ndarray) -> tuple[list[float], list[float], list[int]]:
    """F: (n, h, k) forecasts made before each row; Y: (n, k)."""
    n, h, _ = F.shape
    mae, rmse, count = [], [], []
    for j in range(h):
        errs = []
        for t in range(n - j):
            for c in range(Y.shape[1]):
                truth, pred = Y[t + j, c], F[t, j, c]
                if not (math.isnan(truth) or math.isnan(pred)):
                    errs.append(truth - pred)
        e = np.array(errs)
        mae.append(float(np.abs(e).mean()))
        rmse.append(float(np.sqrt((e**2).mean())))
        count.append(len(errs))
    return mae, rmse, count


def test_hand_computed():
    y = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0])
    r = evaluate_forecaster(SeasonalNaive(season=3), y, horizon=2, every=3)
    # step 1: rows 1..7 forecast 1, 2 (last value), then exact: errors 1, 1, 0, 0, 0, 0, 0
    # step 2: from rows 1..6 for rows 2..7: 1 -> 3 (error 2), then exact
    assert r.mae == pytest.approx([2 / 7, 2 / 6], rel=1e-12)
    assert r.rmse == pytest.approx([math.sqrt(2 / 7), math.sqrt(4 / 6)], rel=1e-12)
    assert r.n_scored == [7, 6] and r.n_unforecast == [1, 1]
    assert r.n == 8 and r.n_series == 1 and r.horizon == 2 and r.steps == [1, 2]
    assert [h["n"] for h in r.history] == [3, 6, 8]
    assert r.history[-1]["mae"] == r.mae
    assert r.history[0]["n_scored"] == [2, 1]
    assert r.at(2) == {"mae": r.mae[1], "rmse": r.rmse[1], "n_scored": 6}


@pytest.mark.parametrize("every", [1, 5, 13, 1000])
def test_matches_brute_force(every):
    rng = np.random.default_rng(9)
    t = np.arange(150)[:, None]
    Y = 20 + 0.1 * t + 3 * np.sin(2 * np.pi * t / 12 + np.arange(2)) + rng.normal(0, 1, (150, 2))
    Y[rng.random((150, 2)) < 0.1] = np.nan
    model = HoltWinters(season=12)
    F = HoltWinters(season=12).test_then_train_many(Y, horizon=6)
    mae, rmse, count = brute_force(F, Y)
    r = evaluate_forecaster(model, Y, horizon=6, every=every)
    np.testing.assert_allclose(r.mae, mae, rtol=1e-12)
    np.testing.assert_allclose(r.rmse, rmse, rtol=1e-12)
    assert r.n_scored == count
    assert r.n == 150 and r.n_series == 2
    assert model.n_seen_ == 150  # the model learned the whole series


def test_horizon_longer_than_chunks_and_series():
    y = np.arange(5.0)
    r = evaluate_forecaster(SeasonalNaive(), y, horizon=8, every=2)
    # naive forecast at row t (t >= 1) is y[t-1] = t - 1; step j scores y[t+j-1]: error j
    assert r.n_scored == [4, 3, 2, 1, 0, 0, 0, 0]
    assert r.mae[:4] == [1.0, 2.0, 3.0, 4.0]
    assert all(math.isnan(v) for v in r.mae[4:])
    assert r.to_dict()["mae"][4:] == [None] * 4


def test_dataset_input_with_column():
    X = np.column_stack([np.arange(10.0) * 300, np.tile([1.0, 5.0], 5)])
    ds = ArrayDataset(X, None, schema=Schema(["timestamp", "value"]), batch_size=3)
    r = evaluate_forecaster(SeasonalNaive(season=2), ds, horizon=1, column="value", every=4)
    assert r.n == 10 and r.mae == pytest.approx([4 / 9], rel=1e-12) and r.n_scored == [9]
    assert [h["n"] for h in r.history] == [4, 8, 10]


def test_bad_arguments():
    with pytest.raises(InvalidParameterError, match="'horizon'"):
        evaluate_forecaster(SeasonalNaive(), [1.0, 2.0], horizon=0)
    with pytest.raises(InvalidParameterError, match="'every'"):
        evaluate_forecaster(SeasonalNaive(), [1.0, 2.0], every=-1)
    with pytest.raises(InvalidParameterError, match="forecaster"):
        evaluate_forecaster(LinearRegression(), [1.0, 2.0])  # type: ignore[arg-type]
