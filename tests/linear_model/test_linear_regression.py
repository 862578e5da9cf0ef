import numpy as np
import pytest
from linear_reference import RefGLM, RefOptimizer

from streamlearn.base.errors import InvalidParameterError
from streamlearn.linear_model import LinearRegression

SETTINGS = [
    ("sgd", {}),
    ("sgd", {"lr": 0.05, "l2": 0.1, "clip_gradient": 1.0, "intercept_init": 0.5}),
    ("sgd", {"lr": 0.05, "l1": 0.05, "intercept_lr": 0.0}),
    ("adam", {"l2": 0.01, "optimizer_params": {"beta1": 0.5, "eps": 1e-4}}),
    ("adam", {"lr": 0.02, "l1": 0.1}),
    ("ftrl", {"lr": 0.5}),
    ("ftrl", {"lr": 0.5, "l1": 0.3, "l2": 0.2, "optimizer_params": {"beta": 2.0}}),
]


def stream(n=80, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ np.array([1.0, -2.0, 0.0, 0.5])[:d] + 1.0 + 0.1 * rng.normal(size=n)
    X[rng.random((n, d)) < 0.1] = np.nan
    return X, y


@pytest.mark.parametrize(("optimizer", "params"), SETTINGS)
def test_matches_reference_exactly(optimizer, params):
    X, y = stream()
    m = LinearRegression(optimizer=optimizer, **params)
    p = dict(params)
    extra = p.pop("optimizer_params", None) or {}
    ref = RefGLM(
        X.shape[1],
        RefOptimizer(optimizer, p.get("lr"), p.get("l1", 0.0), p.get("l2", 0.0), **extra),
        "squared",
        intercept_init=p.get("intercept_init", 0.0),
        intercept_lr=p.get("intercept_lr", 0.01),
        clip_gradient=p.get("clip_gradient", 1e12),
    )
    pred = m.test_then_train_many(X, y)
    for i in range(len(X)):
        assert pred[i] == ref.predict(X[i].tolist()), f"row {i}"
        ref.learn(X[i].tolist(), float(y[i]))
    assert m.weights_.tolist() == ref.W and m.intercepts_.tolist() == ref.b
    if optimizer != "sgd":
        assert m.opt_state_[0].tolist() == ref.A and m.opt_state_[1].tolist() == ref.C


def test_hand_computed_step():
    # River's squared loss has gradient 2 (f - y): with zero weights, f = 0, y = 3 -> g = -6
    m = LinearRegression()
    m.learn_one({"a": 1.0, "b": 2.0}, 3.0)
    assert m.weights_.tolist() == [[0.06, 0.12]]
    assert m.intercepts_.tolist() == [0.06]
    assert m.predict_one({"a": 1.0, "b": 2.0}) == 0.06 + 0.24 + 0.06
    assert m.predict_one({"b": 1.0}) == 0.12 + 0.06  # "a" missing: contributes nothing


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 0.01), ("adam", 0.01), ("ftrl", 1.0)])
def test_converges_on_a_linear_target(optimizer, lr):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(20000, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 1.0
    m = LinearRegression(optimizer=optimizer, lr=lr, intercept_lr=0.05)
    pred = m.test_then_train_many(X, y)
    assert np.sqrt(np.mean((pred[-2000:] - y[-2000:]) ** 2)) < 0.05
    assert np.allclose(m.weights_[0], [2.0, -1.0, 0.5], atol=0.05)


def test_ftrl_l1_exact_zeros():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(5000, 5))
    y = 3.0 * X[:, 0] - 2.0 * X[:, 1]  # features 2-4 are noise
    m = LinearRegression(optimizer="ftrl", lr=1.0, l1=20.0).learn_many(X, y)
    assert (m.weights_[0, 2:] == 0.0).all() and (m.weights_[0, :2] != 0.0).all()


def test_bad_params():
    with pytest.raises(InvalidParameterError) as e:
        LinearRegression(l2=-0.1)
    assert str(e.value) == "The 'l2' parameter of LinearRegression must be a number >= 0. Got -0.1."
    with pytest.raises(InvalidParameterError, match="'intercept_lr' parameter of LinearRegression"):
        LinearRegression(intercept_lr="fast")
