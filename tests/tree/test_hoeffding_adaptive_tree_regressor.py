"""HoeffdingAdaptiveTreeRegressor: adaptation, exactness, persistence."""

import itertools
import os
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.registry import make
from streamlearn.tree import HoeffdingAdaptiveTreeRegressor, HoeffdingTreeRegressor
from streamlearn.tree import _hat_kernels as H
from streamlearn.tree import _hatr_kernels as HR
from streamlearn.tree._nodes import LEAF, N_ACTIVE, N_INACTIVE, N_NODES

HATR = HoeffdingAdaptiveTreeRegressor


def _drifting(n=4000, seed=5, period=700):
    rng = np.random.default_rng(seed)
    rows, ys = [], []
    for i in range(n):
        f = rng.random(3)
        x = {"f0": f[0], "f1": f[1] * 10, "proto": ["tcp", "udp", "icmp"][int(rng.integers(3))]}
        if i >= n // 3:
            x["late"] = float(rng.random())
        for key in list(x):
            if rng.random() < 0.05:
                del x[key]
        phase = (i // period) % 3
        y = [5.0 * (f[0] > 0.5), 3.0 * f[1] - 1.0, 4.0 * (x.get("proto") == "udp")][phase]
        rows.append(x)
        ys.append(y + 0.05 * rng.standard_normal())
    return rows, ys


def test_scaled_error():
    model = HATR(seed=0).learn_many(np.array([[1.0], [2.0], [3.0]]), [0.0, 3.0, 6.0])
    t = model._rtree(model._is_cat())
    assert HR.scaled_error(t, 1.0, 1.0) == 0.0
    assert HR.scaled_error(t, 4.0, 1.0) == pytest.approx(3.0 / (3 * 3.0))  # sd of 0, 3, 6 is 3
    assert HR.scaled_error(t, 100.0, 1.0) == 1.0


def test_adapts_where_the_plain_tree_does_not():
    rng = np.random.default_rng(0)
    X = rng.random((6000, 3))
    y = np.where(np.arange(6000) < 3000, 5 * (X[:, 0] > 0.5), 5 * (X[:, 1] > 0.5)).astype(float)
    hatr = HATR(grace_period=100, seed=1)
    ph = hatr.test_then_train_many(X, y)
    pt = HoeffdingTreeRegressor(grace_period=100).test_then_train_many(X, y)
    later = slice(5000, 6000)
    assert np.abs(ph[later] - y[later]).mean() < 0.1 < np.abs(pt[later] - y[later]).mean()
    assert hatr.summary()["n_alternates_created"] > 0
    assert hatr.summary()["n_switched"] + hatr.summary()["n_replaced"] > 0


PARAMS = [
    {"grace_period": 30, "delta": 0.01, "drift_window_threshold": 50, "seed": 1},
    {
        "grace_period": 30,
        "delta": 0.05,
        "drift_window_threshold": 60,
        "leaf_prediction": "mean",
        "binary_split": True,
        "bootstrap_sampling": False,
    },
]


@pytest.mark.parametrize("params", PARAMS)
def test_test_then_train_equals_one_at_a_time(params):
    rows, ys = _drifting()
    loop = HATR(**params)
    expected = []
    for x, y in zip(rows, ys):
        expected.append(loop.predict_one(x))
        loop.learn_one(x, y)
    hc = loop.hat_counters_
    assert hc[H.N_ALTS] > 3 and hc[H.N_SWITCHED] + hc[H.N_REPLACED] > 0
    n = int(loop.counters_[N_NODES])
    live = loop.kind_[:n] != H.DEAD
    assert n - live.sum() == hc[H.N_DEAD]
    assert (loop.kind_[:n] == LEAF).sum() == loop.counters_[N_ACTIVE] + loop.counters_[N_INACTIVE]
    for cuts in ([0, 4000], [0, 1, 2, 37, 1300, 1301, 3650, 4000]):
        batch = HATR(**params)
        got = np.concatenate(
            [batch.test_then_train_many(rows[a:b], ys[a:b]) for a, b in itertools.pairwise(cuts)]
        )
        np.testing.assert_array_equal(got, expected)
        assert digest(batch) == digest(loop)
    assert digest(HATR(**params).learn_many(rows, ys)) == digest(loop)


def test_compaction_and_save_load():
    rows, ys = _drifting(6000)
    model = HATR(**PARAMS[0]).learn_many(rows[:4000], ys[:4000])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "hatr.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    twin._compact()
    assert twin.to_text() == model.to_text() and twin.hat_counters_[H.N_DEAD] == 0
    pa = model.test_then_train_many(rows[4000:], ys[4000:])
    pb = twin.test_then_train_many(rows[4000:], ys[4000:])
    np.testing.assert_array_equal(pa, pb)
    s = model.summary()
    assert s["n_alternates_created"] == model.hat_counters_[H.N_ALTS] and s[
        "n_leaves"
    ] == model.to_text().count("y = ")
    assert isinstance(make("hoeffding_adaptive_tree_regressor"), HATR)
