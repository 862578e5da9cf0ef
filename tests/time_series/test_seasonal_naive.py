"""SeasonalNaive: hand-computed forecasts, NaN handling, batch == one at a time, persistence."""

import math
import os
import tempfile
from typing import Any

import numpy as np
import pytest
from ts_reference import seasonal_naive

from streamlearn import load, save
from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.persistence import digest
from streamlearn.time_series import SeasonalNaive


def test_hand_computed():
    m = SeasonalNaive(season=3)
    assert all(math.isnan(v) for v in m.forecast(2))  # nothing learned yet
    m.learn_one(4.0)
    assert m.forecast(3) == [4.0, 4.0, 4.0]  # phases not seen yet: the last value
    m.learn_one(7.0).learn_one(1.0)
    assert m.forecast(5) == [4.0, 7.0, 1.0, 4.0, 7.0]
    m.learn_one(5.0)
    assert m.forecast(4) == [7.0, 1.0, 5.0, 7.0]


def test_season_one_is_naive():
    m = SeasonalNaive(season=1).learn_many([3.0, 8.0, 2.0])
    assert m.forecast(3) == [2.0, 2.0, 2.0]
    F = SeasonalNaive().test_then_train_many(np.array([3.0, 8.0, 2.0]), horizon=2)
    assert np.isnan(F[0]).all()
    np.testing.assert_array_equal(F[1:], [[3.0, 3.0], [8.0, 8.0]])


def test_periodic_series_is_forecast_exactly():
    period = np.array([5.0, 9.0, 2.0, 7.0, 1.0, 3.0])
    y = np.tile(period, 20)
    F = SeasonalNaive(season=6).test_then_train_many(y, horizon=13)
    for t in range(6, len(y)):
        for j in range(13):
            if t + j < len(y):
                assert F[t, j] == y[t + j]


def test_matches_reference_with_nan():
    rng = np.random.default_rng(3)
    y = rng.normal(size=80)
    y[rng.random(80) < 0.2] = np.nan
    for m in (1, 2, 5, 12):
        got = SeasonalNaive(season=m).test_then_train_many(y, horizon=7)
        np.testing.assert_array_equal(got, np.array(seasonal_naive(y.tolist(), m, 7)))


def test_nan_keeps_previous_cycle():
    m = SeasonalNaive(season=2)
    m.learn_many([1.0, 2.0, 3.0, np.nan])
    assert m.forecast(2) == [3.0, 2.0]  # the NaN kept phase 1 at the previous cycle's 2.0
    np.testing.assert_array_equal(m.buffer_[:, 0], [3.0, 2.0])
    assert m.last_[0] == 3.0 and m.n_seen_ == 4


def test_multivariate_equals_independent_runs():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(60, 3))
    Y[rng.random((60, 3)) < 0.15] = np.nan
    joint = SeasonalNaive(season=5).test_then_train_many(Y, horizon=4)
    for c in range(3):
        alone = SeasonalNaive(season=5).test_then_train_many(Y[:, c], horizon=4)
        np.testing.assert_array_equal(joint[:, :, c], alone)


def test_dict_records():
    m = SeasonalNaive(season=2)
    for a, b in [(1.0, 10.0), (2.0, 20.0), (3.0, None)]:
        m.learn_one({"a": a, "b": b})
    assert m.forecast(2) == [{"a": 2.0, "b": 20.0}, {"a": 3.0, "b": 10.0}]
    with pytest.raises(SchemaError):
        m.learn_one({"a": 1.0})


def test_batch_equals_one_at_a_time_in_chunks():
    rng = np.random.default_rng(1)
    y = rng.normal(size=50)
    y[[4, 17, 18]] = np.nan
    batch, loop = SeasonalNaive(season=4), SeasonalNaive(season=4)
    got = np.concatenate(
        [batch.test_then_train_many(y[a:b], horizon=3) for a, b in [(0, 1), (1, 9), (9, 50)]]
    )
    exp = []
    for v in y:
        exp.append(loop.forecast(3))
        loop.learn_one(float(v))
    np.testing.assert_array_equal(got, np.array(exp))
    assert digest(batch) == digest(loop)


def test_save_load_continues_identically():
    y = np.sin(np.arange(100) / 3.0)
    m = SeasonalNaive(season=7)
    m.learn_many(y[:40])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sn.npz")
        save(m, path)
        twin: Any = load(path)
    assert digest(twin) == digest(m)
    np.testing.assert_array_equal(twin.test_then_train_many(y[40:], 5), m.test_then_train_many(y[40:], 5))
    assert twin.forecast(9) == m.forecast(9)


@pytest.mark.parametrize("season", [0, -2, 1.5, "7", True, None])
def test_bad_season(season):
    with pytest.raises(InvalidParameterError, match="'season'"):
        SeasonalNaive(season=season)


def test_bad_inputs():
    m = SeasonalNaive(season=2).learn_many(np.zeros((3, 2)))
    with pytest.raises(SchemaError):
        m.learn_many(np.zeros((3, 3)))  # another number of series
    with pytest.raises(SchemaError):
        m.forecast(0)
    with pytest.raises(SchemaError):
        SeasonalNaive().learn_many(np.zeros((2, 2, 2)))
