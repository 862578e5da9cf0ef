"""HoltWinters: hand-computed steps, a reference implementation, convergence, NaN, persistence."""

import math
import os
import tempfile
from typing import Any

import numpy as np
import pytest
from ts_reference import holt_winters

from streamlearn import load, save
from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.persistence import digest
from streamlearn.time_series import HoltWinters


def test_additive_hand_computed():
    # season 2, trend: window of 4 rows. Initial level mean(1, 3) = 2, trend mean((2-1)/2, (6-3)/2) = 1,
    # seasons 1-2 = -1, 3-2 = 1; then rows 2 and 3 are learned with the equations (worked by hand).
    m = HoltWinters(alpha=0.5, beta=0.5, gamma=0.5, season=2)
    F = m.test_then_train_many(np.array([1.0, 3.0, 2.0, 6.0]), horizon=2)
    assert np.isnan(F[0]).all()
    np.testing.assert_array_equal(F[1:, 0], [1.0, 3.0, 2.0])  # warm-up: the last value
    assert m.level_[0] == 4.5 and m.trend_[0] == 1.25
    np.testing.assert_array_equal(m.season_[:, 0], [-1.0, 1.5])
    assert m.forecast(3) == [4.75, 8.5, 7.25]
    m.learn_one(4.0)
    assert m.level_[0] == 5.375 and m.trend_[0] == 1.0625 and m.season_[0, 0] == -1.375
    assert m.forecast(1) == [7.9375]


def test_multiplicative_hand_computed():
    m = HoltWinters(alpha=0.5, beta=None, gamma=0.5, season=2, multiplicative=True)
    m.learn_many([2.0, 4.0])  # level 3, seasons 2/3 and 4/3
    assert m.level_[0] == 3.0
    np.testing.assert_allclose(m.season_[:, 0], [2 / 3, 4 / 3])
    m.learn_many([3.0, 6.0])
    np.testing.assert_allclose([m.level_[0], *m.season_[:, 0]], [4.125, 0.5 + 1 / 3, 0.8 + 2 / 3])
    np.testing.assert_allclose(
        m.forecast(3), [4.125 * (0.5 + 1 / 3), 4.125 * (0.8 + 2 / 3), 4.125 * (0.5 + 1 / 3)]
    )


def test_damped_holt_hand_computed():
    m = HoltWinters(alpha=0.5, beta=0.5, phi=0.5)
    m.learn_many([1.0, 2.0, 4.0])
    assert (m.level_[0], m.trend_[0]) == (3.03125, 0.796875)
    assert m.forecast(2) == [3.03125 + 0.5 * 0.796875, 3.03125 + 0.75 * 0.796875]


def test_simple_exponential_smoothing():
    y = [2.0, 4.0, 1.0, 3.0]
    m = HoltWinters(alpha=0.25, beta=None).learn_many(y)
    level = y[0]
    for v in y[1:]:
        level = 0.25 * v + 0.75 * level
    assert m.forecast(3) == [level] * 3


CONFIGS: list[dict[str, Any]] = [
    {"alpha": 0.3, "beta": 0.1, "gamma": 0.2, "season": None, "multiplicative": False, "phi": 1.0},
    {"alpha": 0.6, "beta": None, "gamma": 0.2, "season": None, "multiplicative": False, "phi": 1.0},
    {"alpha": 0.3, "beta": 0.2, "gamma": 0.4, "season": 5, "multiplicative": False, "phi": 1.0},
    {"alpha": 0.5, "beta": 0.3, "gamma": 0.3, "season": 4, "multiplicative": False, "phi": 0.8},
    {"alpha": 0.2, "beta": None, "gamma": 0.5, "season": 3, "multiplicative": False, "phi": 1.0},
    {"alpha": 0.4, "beta": 0.1, "gamma": 0.3, "season": 6, "multiplicative": True, "phi": 0.9},
    {"alpha": 1.0, "beta": 0.0, "gamma": 0.0, "season": 2, "multiplicative": True, "phi": 1.0},
]


@pytest.mark.parametrize("params", CONFIGS)
def test_matches_reference(params):
    rng = np.random.default_rng(11)
    t = np.arange(90)
    y = 20 + 0.3 * t + 3 * np.sin(2 * np.pi * t / 5) + rng.normal(0, 1, 90)
    got = HoltWinters(**params).test_then_train_many(y, horizon=8)
    p = dict(params)
    exp = holt_winters(
        y.tolist(), p["alpha"], p["beta"], p["gamma"], p["season"], p["multiplicative"], p["phi"], 8
    )
    np.testing.assert_allclose(got, np.array(exp), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("multiplicative", [False, True])
def test_converges_on_noiseless_trend_and_season(multiplicative):
    # The exact components of a noiseless linear trend times (or plus) a period-6 pattern are a fixed
    # point of the equations; with stable parameters the forecast errors decay geometrically to 0.
    t = np.arange(6 * 120, dtype=np.float64)
    wave = np.sin(2 * np.pi * t / 6) + 0.5 * np.cos(4 * np.pi * t / 6)
    y = (100 + 0.5 * t) * (1 + 0.2 * wave) if multiplicative else 100 + 0.5 * t + 10 * wave
    m = HoltWinters(alpha=0.3, beta=0.1, gamma=0.3, season=6, multiplicative=multiplicative)
    F = m.test_then_train_many(y, horizon=6)
    for j in range(6):
        err = np.abs(F[: len(y) - j, j] - y[j:])
        assert err[12:24].max() > 0.05  # not exact after the initialisation
        assert err[-60:].max() < 1e-8, (j, err[-60:].max())


def test_nan_is_its_own_one_step_forecast():
    rng = np.random.default_rng(5)
    y = 10 + np.sin(np.arange(40)) + rng.normal(0, 0.1, 40)
    for params in CONFIGS:
        a, b = HoltWinters(**params), HoltWinters(**params)
        a.learn_many(y)
        b.learn_many(y)
        a.learn_one(float("nan"))
        b.learn_one(b.forecast(1)[0])
        np.testing.assert_allclose(a.forecast(6), b.forecast(6), rtol=1e-12)
        np.testing.assert_allclose(a.level_, b.level_, rtol=1e-12)
        np.testing.assert_allclose(a.trend_, b.trend_, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a.season_, b.season_, rtol=1e-12)
        assert a.n_seen_ == b.n_seen_ == 41


def test_nan_in_initial_window():
    m = HoltWinters(alpha=0.5, beta=0.5, gamma=0.5, season=2)
    m.learn_many([np.nan, 3.0, 2.0, np.nan])
    # level from the observed first-season value; no complete slope pair: trend 0;
    # phase 0 missing in season 1: taken from season 2 (2.0 - level - 2 * trend)
    # and the replay of rows 2 (observed) and 3 (missing) follows
    lev0, s0, s1 = 3.0, 2.0 - 3.0, 0.0
    lev = 0.5 * (2.0 - s0) + 0.5 * lev0
    s0 = 0.5 * (2.0 - lev0) + 0.5 * s0
    b = 0.5 * (lev - lev0)
    lev, b = lev + b, b  # the missing row 3
    np.testing.assert_allclose([m.level_[0], m.trend_[0], *m.season_[:, 0]], [lev, b, s0, s1])


def test_series_unseen_in_window_starts_at_first_observation():
    Y = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan], [4.0, 7.0], [5.0, 9.0]])
    m = HoltWinters(alpha=0.5, beta=0.5)
    F = m.test_then_train_many(Y, horizon=1)
    assert math.isnan(F[3, 0, 1]) and F[4, 0, 1] == 7.0
    assert m.level_[1] == 0.5 * 9.0 + 0.5 * 7.0  # started at 7 with trend 0


def test_multivariate_equals_independent_runs():
    rng = np.random.default_rng(2)
    t = np.arange(120)[:, None]
    Y = 50 + 0.1 * t + 5 * np.sin(2 * np.pi * t / 6 + np.arange(3)) + rng.normal(0, 1, (120, 3))
    Y[rng.random((120, 3)) < 0.1] = np.nan
    for params in CONFIGS:
        joint = HoltWinters(**params).test_then_train_many(Y, horizon=5)
        for c in range(3):
            alone = HoltWinters(**params).test_then_train_many(Y[:, c], horizon=5)
            np.testing.assert_array_equal(joint[:, :, c], alone)


@pytest.mark.parametrize("params", CONFIGS)
def test_batch_equals_one_at_a_time(params):
    rng = np.random.default_rng(4)
    y = 30 + rng.normal(0, 2, 70).cumsum() * 0.1 + np.sin(np.arange(70))
    y[[3, 20, 21, 50]] = np.nan
    batch, loop = HoltWinters(**params), HoltWinters(**params)
    parts = [(0, 3), (3, 11), (11, 12), (12, 70)]
    got = np.concatenate([batch.test_then_train_many(y[a:b], horizon=4) for a, b in parts])
    exp = []
    for v in y:
        exp.append(loop.forecast(4))
        loop.learn_one(float(v))
    np.testing.assert_array_equal(got, np.array(exp))
    assert digest(batch) == digest(loop)
    assert digest(HoltWinters(**params).learn_many(y)) == digest(loop)


def test_save_load_continues_identically():
    t = np.arange(200)
    y = 10 + 0.05 * t + np.sin(2 * np.pi * t / 12)
    m = HoltWinters(season=12, phi=0.95)
    m.learn_many(y[:30])  # saved inside the initial window
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "hw.npz")
        save(m, path)
        twin: Any = load(path)
    assert digest(twin) == digest(m)
    np.testing.assert_array_equal(twin.test_then_train_many(y[30:], 6), m.test_then_train_many(y[30:], 6))
    assert twin.forecast(30) == m.forecast(30)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("alpha", 0.0),
        ("alpha", 1.5),
        ("alpha", -0.2),
        ("alpha", "0.5"),
        ("beta", -0.1),
        ("beta", 1.01),
        ("gamma", 2.0),
        ("season", 1),
        ("season", 0),
        ("season", 12.0),
        ("phi", 0.0),
        ("phi", 1.2),
        ("multiplicative", 1),
    ],
)
def test_bad_params(name, value):
    with pytest.raises(InvalidParameterError, match=f"'{name}'"):
        HoltWinters(**{"season": 4, name: value})


def test_multiplicative_needs_a_season():
    with pytest.raises(InvalidParameterError, match="needs a season"):
        HoltWinters(multiplicative=True)
