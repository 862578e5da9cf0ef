"""Forecasters: direct and recursive horizons, several series, missing observations."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from streamlearn.nn import RNNForecaster, TorchForecaster  # noqa: E402


def traffic(n: int, seed: int = 0) -> np.ndarray:
    """Two hourly series with a daily cycle (the second lags the first by 3 hours)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    a = 1000 + 400 * np.sin(2 * np.pi * t / 24) + 20 * rng.normal(size=n)
    b = 300 + 100 * np.sin(2 * np.pi * (t - 3) / 24) + 10 * rng.normal(size=n)
    return np.column_stack([a, b])


def test_lstm_forecasts_a_daily_cycle_better_than_the_last_value():
    Y = traffic(4000)
    model = RNNForecaster(hidden=16, window=24, horizon=3, lr=0.01, batch_size=8, seed=1)
    F = model.test_then_train_many(Y, horizon=3)  # (n, 3, 2): F[t, j] forecasts Y[t + j]
    assert F.shape == (4000, 3, 2)
    t = np.arange(3000, 3997)
    err = np.abs(F[t, 2] - Y[t + 2]).mean(axis=0)
    naive = np.abs(Y[t - 1] - Y[t + 2]).mean(axis=0)  # the last observed value, 3 steps ahead
    assert (err < 0.35 * naive).all(), (err, naive)


def test_several_series_one_at_a_time_equal_the_batch():
    Y = traffic(60, seed=1)
    a = RNNForecaster(cell="gru", hidden=4, window=5, horizon=2, batch_size=4, seed=2)
    b = RNNForecaster(cell="gru", hidden=4, window=5, horizon=2, batch_size=4, seed=2)
    F = a.test_then_train_many(Y, horizon=4)  # 4 > horizon: two steps, then fed back
    loop = []
    for row in Y:
        ready = getattr(b, "n_series_", None)
        loop.append([[f["in"], f["out"]] for f in b.forecast(4)] if ready else [[np.nan] * 2] * 4)
        b.learn_one({"in": row[0], "out": row[1]})
    np.testing.assert_allclose(F, np.array(loop, dtype=float), atol=1e-10, equal_nan=True)
    assert np.isnan(F[0]).all() and np.isfinite(F[1:]).all()


def test_recursive_forecast_feeds_forecasts_back():
    Y = traffic(200, seed=2)[:, :1]
    model = RNNForecaster(hidden=4, window=6, horizon=2, batch_size=4, seed=3).learn_many(Y)
    long = np.array(model.forecast(4))
    # the first two steps come straight from the module; the next two from the window + those two
    first = np.array(model.forecast(2))
    np.testing.assert_allclose(long[:2], first, atol=1e-12)
    hist = model.history_[-6:, 0]
    mean, m2, n = model.y_mean_[0], model.y_m2_[0], model.y_n_[0]
    std = math.sqrt(m2 / n)
    z = torch.tensor((np.concatenate([hist[2:], first]) - mean) / std)[None, :, None]
    with torch.no_grad():
        nxt = model._net(z).numpy()[0] * std + mean
    np.testing.assert_allclose(long[2:], nxt, atol=1e-9)


def test_missing_observations_are_skipped_in_the_loss_and_imputed_in_the_window():
    Y = traffic(300, seed=3)[:, :1].copy()
    Y[::7] = np.nan
    model = TorchForecaster(module="lstm", module_params={"hidden": 4}, window=8, batch_size=4, seed=1)
    F = model.test_then_train_many(Y, horizon=1)
    assert np.isfinite(F[1:]).all()
    assert model.y_n_[0] == np.isfinite(Y).sum()  # running statistics skip missing values


def test_forecast_before_learning_is_nan_and_bad_horizons_are_errors():
    from streamlearn.base.errors import SchemaError

    model = RNNForecaster()
    assert all(math.isnan(v) for v in model.forecast(2))
    with pytest.raises(SchemaError):
        model.forecast(0)
