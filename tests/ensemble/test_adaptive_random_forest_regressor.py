"""AdaptiveRandomForestRegressor: exactness, aggregation, drift handling, persistence."""

import itertools
import os
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.registry import make
from streamlearn.ensemble import AdaptiveRandomForestRegressor
from streamlearn.ensemble import _arfr_kernels as KR
from streamlearn.tree._nodes import N_NODES

ARFR = AdaptiveRandomForestRegressor


def _stream(n=1500, seed=4, change=None):
    """Numeric and categorical features, 5% missing, a late feature; the target
    changes its formula at ``change``."""
    rng = np.random.default_rng(seed)
    rows, ys = [], []
    for i in range(n):
        f = rng.random(3)
        x = {
            "f0": f[0],
            "f1": f[1] * 10,
            "proto": ["tcp", "udp", "icmp"][int(rng.integers(3 if i > 500 else 2))],
        }
        if i >= 400:
            x["late"] = float(rng.random())
        for key in list(x):
            if rng.random() < 0.05:
                x[key] = None
        if change is not None and i >= change:
            y = -5.0 * f[1] + 3.0
        else:
            y = 3.0 * f[0] + (2.0 if x.get("proto") == "udp" else 0.0) + (f[1] > 0.5) * 4.0
        rows.append(x)
        ys.append(y + 0.1 * rng.standard_normal())
    return rows, ys


def test_normalised_error():
    m = np.zeros(3)
    assert KR.normalised_error(m, 1.0) == 0.5
    for e in (1.0, -1.0, 1.0, -1.0):
        KR.R.add(m, e, 1.0)
    sd = np.std([1, -1, 1, -1], ddof=1)
    assert KR.normalised_error(m, 1.0) == pytest.approx((1.0 + 3 * sd) / (6 * sd))
    assert KR.normalised_error(m, 100.0) == 1.0 and KR.normalised_error(m, -100.0) == 0.0


PARAMS = [
    {"n_models": 3, "grace_period": 20, "delta": 0.05, "warning_delta": 0.3, "drift_delta": 0.1, "seed": 5},
    {
        "n_models": 2,
        "grace_period": 15,
        "delta": 0.1,
        "max_features": 2,
        "aggregation_method": "mean",
        "leaf_prediction": "model",
        "binary_split": True,
        "warning_delta": 0.5,
        "drift_delta": 0.3,
        "seed": 7,
    },
]


@pytest.mark.parametrize("params", PARAMS)
def test_test_then_train_equals_one_at_a_time(params):
    rows, ys = _stream(change=900)
    loop = ARFR(**params)
    expected = []
    for x, y in zip(rows, ys):
        expected.append(loop.predict_one(x))
        loop.learn_one(x, y)
    s = loop.summary()
    assert s["n_nodes"] > 3 * params["n_models"] and s["n_warnings"] > 0 and s["n_drifts"] > 0
    for cuts in ([0, 1500], [0, 1, 2, 37, 600, 601, 1100, 1500]):
        batch = ARFR(**params)
        got = np.concatenate(
            [batch.test_then_train_many(rows[a:b], ys[a:b]) for a, b in itertools.pairwise(cuts)]
        )
        np.testing.assert_array_equal(got, expected)
        assert digest(batch) == digest(loop)
    assert digest(ARFR(**params).learn_many(rows, ys)) == digest(loop)


def test_aggregates_the_members_predictions():
    rows, ys = _stream(600)
    for method, reduce in (("median", np.median), ("mean", np.mean)):
        model = ARFR(n_models=4, aggregation_method=method, seed=3).learn_many(rows, ys)
        X = model._rows(rows[:20], None)
        votes = np.zeros((4, 20))
        fp, ip = model._rparams()
        KR.predict(model._forest(model._is_cat()), model.fg_, X, votes, fp, ip)
        assert np.ptp(votes, axis=0).max() > 0  # the members differ
        np.testing.assert_allclose(model.predict_many(rows[:20]), reduce(votes, axis=0))


def test_drift_detection_after_an_abrupt_change():
    rows, ys = _stream(5000, change=2500)
    detecting = ARFR(n_models=5, seed=1)
    blind = ARFR(n_models=5, seed=1, drift_delta=None)
    pd = detecting.test_then_train_many(rows, ys)
    pb = blind.test_then_train_many(rows, ys)
    after = slice(2500, 3500)
    y = np.array(ys)
    assert np.abs(pd[after] - y[after]).mean() < np.abs(pb[after] - y[after]).mean()
    assert detecting.summary()["n_drifts"] > 0 and blind.summary()["n_drifts"] == 0


def test_save_load_and_inspection():
    rows, ys = _stream(change=900)
    model = ARFR(**PARAMS[0]).learn_many(rows[:700], ys[:700])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "arfr.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    np.testing.assert_array_equal(
        model.test_then_train_many(rows[700:], ys[700:]), twin.test_then_train_many(rows[700:], ys[700:])
    )
    s = model.summary()
    assert len(s["trees"]) == 3 and s["n_nodes"] == sum(int(model.counters_[m, N_NODES]) for m in model.fg_)
    assert all(t["error_sd"] > 0 for t in s["trees"])
    assert model.to_text(2).count("y = ") == s["trees"][2]["n_leaves"]
    assert ARFR().predict_one({"a": 1.0}) == 0.0 and ARFR().to_text() == "(empty forest)"
    assert isinstance(make("adaptive_random_forest_regressor", n_models=2), ARFR)
