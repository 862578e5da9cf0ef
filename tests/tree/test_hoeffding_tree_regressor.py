"""HoeffdingTreeRegressor: histograms, splits, leaf models, exactness, persistence."""

import itertools
import math
import os
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.registry import make
from streamlearn.tree import HoeffdingTreeRegressor
from streamlearn.tree import _regression_kernels as R
from streamlearn.tree._nodes import MULTIWAY, NUMERIC

HTR = HoeffdingTreeRegressor


def test_moments_and_merging():
    rng = np.random.default_rng(0)
    y, w = rng.normal(3, 2, 50), rng.integers(1, 4, 50).astype(float)
    m = np.zeros(3)
    for v, k in zip(y, w):
        R.add(m, v, k)
    mean = np.average(y, weights=w)
    assert m[R.W] == w.sum() and m[R.MEAN] == pytest.approx(mean)
    assert m[R.M2] == pytest.approx((w * (y - mean) ** 2).sum())
    a, b = np.zeros(3), np.zeros(3)
    for v, k in zip(y[:20], w[:20]):
        R.add(a, v, k)
    for v, k in zip(y[20:], w[20:]):
        R.add(b, v, k)
    R.merge_into(a, b)
    np.testing.assert_allclose(a, m)


def test_histogram_grows_by_merging_bins_exactly():
    grid, hist = np.zeros(2), np.zeros((R.N_BINS, 3))
    xs = [0.5, 0.5, 0.6, 0.55, -3.0, 7.25, 0.52]
    for i, x in enumerate(xs):
        R.hist_add(grid, hist, x, float(i), 1.0)
    assert hist[:, R.W].sum() == len(xs)
    total = np.zeros(3)
    for b in range(R.N_BINS):
        R.merge_into(total, hist[b])
    assert total[R.MEAN] == pytest.approx(np.mean(range(len(xs))))
    assert total[R.M2] == pytest.approx(np.var(range(len(xs))) * len(xs))
    # every value lies in its bin: lo + b bw < x <= lo + (b + 1) bw (the lowest bin holds lo too)
    lo, bw = grid
    assert lo <= min(xs) and max(xs) <= lo + R.N_BINS * bw
    # the first two distinct values set bw = |0.6 - 0.5| * 2 / 32; each widening doubles it
    assert math.log2(bw / (0.1 * 2 / R.N_BINS)) == pytest.approx(round(math.log2(bw / (0.1 * 2 / R.N_BINS))))
    for x in xs:
        assert hist[R.bin_of(grid, x), R.W] > 0


def test_variance_reduction_split_and_children():
    """y = 0 for x <= 2, 10 for x > 2 (plus an uninformative feature): the root
    splits on x between the two groups; the children start from the moments
    of their side, and a row missing x follows the heavier branch."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, 400).astype(float)
    X = np.column_stack([x, rng.random(400)])
    y = np.where(x <= 2, 0.0, 10.0)
    model = HTR(grace_period=100, leaf_prediction="mean").learn_many(X, y)
    assert model.kind_[0] == NUMERIC and model.feature_[0] == 0
    assert 2.0 <= model.threshold_[0] < 3.0
    left, right = model.child_start_[0], model.child_start_[0] + 1
    n_left = (x[:100] <= 2).sum()
    assert model.target_[left, R.MEAN] == 0.0 and model.target_[right, R.MEAN] == 10.0
    assert model.target_[left, R.W] == n_left + (x[100:] <= 2).sum()
    assert model.predict_one({0: 1.0, 1: 0.3}) == 0.0 and model.predict_one({0: 4.0, 1: 0.3}) == 10.0
    heavy = int(model.missing_branch_[0])
    assert model.predict_one({1: 0.3}) == [0.0, 10.0][heavy]


def test_ratio_test_and_min_samples():
    """Two identical informative features tie (ratio 1): no split until eps < tau,
    i.e. n > ln(1/delta) / (2 tau^2) = 3223.6 for delta 1e-7, tau 0.05."""
    rows = np.arange(3400) % 11
    X = np.column_stack([rows, rows]).astype(float)
    y = (rows >= 6) * 5.0
    assert HTR(leaf_prediction="mean").learn_many(X[:3399], y[:3399]).summary()["n_nodes"] == 1
    assert HTR(leaf_prediction="mean").learn_many(X, y).summary()["n_nodes"] == 3
    # a branch lighter than min_samples_split makes a candidate worth 0
    pre = np.array([10.0, 1.0, 4.0])
    post = np.array([[6.0, 0.0, 0.5], [4.0, 2.5, 0.5]])
    assert R.reduction(pre, post, 2, 5.0) == 0.0
    assert R.reduction(pre, post, 2, 4.0) == pytest.approx(4 / 9 - 0.6 * 0.1 - 0.4 * 0.5 / 3)


def test_nominal_splits():
    protos = ["tcp", "udp", "icmp"]
    value = {"tcp": 1.0, "udp": 5.0, "icmp": 5.0}
    rows = [{"proto": protos[i % 3]} for i in range(300)]
    ys = [value[r["proto"]] for r in rows]
    multi = HTR(grace_period=100, leaf_prediction="mean").learn_many(rows, ys)
    assert multi.kind_[0] == MULTIWAY and multi.n_children_[0] == 3
    binary = HTR(grace_period=100, leaf_prediction="mean", binary_split=True).learn_many(rows, ys)
    assert binary.to_text().splitlines()[0] == "proto = tcp"
    assert binary.predict_one({"proto": "tcp"}) == 1.0 and binary.predict_one({"proto": "dns"}) == 5.0


def test_leaf_models_learn_a_linear_target():
    rng = np.random.default_rng(2)
    X = rng.random((6000, 3))
    y = 4.0 * X[:, 0] - 2.0 * X[:, 1] + 0.01 * rng.standard_normal(6000)
    errors = {}
    for lp in ("mean", "model", "adaptive"):
        model = HTR(leaf_prediction=lp, grace_period=10**6)  # one leaf: only its predictor differs
        pred = model.test_then_train_many(X, y)
        errors[lp] = np.abs(pred[3000:] - y[3000:]).mean()
    assert errors["model"] < 0.05 < 0.5 < errors["mean"]
    assert errors["adaptive"] == pytest.approx(errors["model"], rel=0.05)
    # the model's weights, in standard deviations of y per standard deviation of x
    sx, sy = X.std(axis=0), y.std()
    np.testing.assert_allclose(model.lin_[0, :2], [4.0 * sx[0] / sy, -2.0 * sx[1] / sy], rtol=0.05)


def test_children_inherit_the_linear_model():
    rng = np.random.default_rng(3)
    X = rng.random((3000, 2))
    y = np.where(X[:, 0] > 0.5, 10.0, 0.0) + 3.0 * X[:, 1]
    model = HTR(grace_period=300, leaf_prediction="model").learn_many(X[:300], y[:300])
    assert model.summary()["n_nodes"] == 3
    parent_lin = model.lin_[model.slot_[model.child_start_[0]]]
    assert parent_lin[1] != 0.0
    np.testing.assert_array_equal(parent_lin, model.lin_[model.slot_[model.child_start_[0] + 1]])


def _messy_regression(n=1500, seed=4):
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
        y = 3.0 * f[0] + (2.0 if x.get("proto") == "udp" else 0.0) + (f[1] > 0.5) * 4.0
        rows.append(x)
        ys.append(y + 0.1 * rng.standard_normal())
    return rows, ys


@pytest.mark.parametrize(
    "params",
    [
        {"grace_period": 50, "delta": 0.01},
        {"grace_period": 30, "delta": 0.05, "leaf_prediction": "model", "binary_split": True},
        {
            "grace_period": 40,
            "delta": 0.05,
            "leaf_prediction": "mean",
            "max_depth": 3,
            "min_samples_split": 10,
        },
    ],
)
def test_test_then_train_equals_one_at_a_time(params):
    rows, ys = _messy_regression()
    loop = HTR(**params)
    expected = []
    for x, y in zip(rows, ys):
        expected.append(loop.predict_one(x))
        loop.learn_one(x, y)
    assert loop.summary()["n_nodes"] > 5
    for cuts in ([0, 1500], [0, 1, 2, 37, 600, 601, 1100, 1500]):
        batch = HTR(**params)
        got = np.concatenate(
            [batch.test_then_train_many(rows[a:b], ys[a:b]) for a, b in itertools.pairwise(cuts)]
        )
        np.testing.assert_array_equal(got, expected)
        assert digest(batch) == digest(loop)
    assert digest(HTR(**params).learn_many(rows, ys)) == digest(loop)


def test_save_load_and_inspection():
    rows, ys = _messy_regression()
    model = HTR(grace_period=50, delta=0.01).learn_many(rows[:800], ys[:800])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "htr.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model) and twin.to_text() == model.to_text()
    np.testing.assert_array_equal(
        model.test_then_train_many(rows[800:], ys[800:]), twin.test_then_train_many(rows[800:], ys[800:])
    )
    s = model.summary()
    assert s["n_leaves"] == model.to_text().count("y = ") and 0 < s["estimated_bytes"] < s["bytes"]
    assert model.to_dot().count("->") == s["n_nodes"] - 1
    assert HTR().predict_one({"a": 1.0}) == 0.0 and HTR().to_text() == "(empty tree)"
    assert isinstance(make("hoeffding_tree_regressor"), HTR)
