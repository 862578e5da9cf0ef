import os
import tempfile

import numpy as np
import pytest
from linear_reference import RefGLM, RefOptimizer, sigmoid

import streamlearn
from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.schema import Schema
from streamlearn.linear_model import LogisticRegression
from streamlearn.linear_model import _kernels as lk
from streamlearn.optim import kernels as ok

SETTINGS = [
    ("sgd", {}),
    ("sgd", {"lr": 0.2, "l2": 0.05, "clip_gradient": 0.3}),
    ("sgd", {"lr": 0.2, "l1": 0.02}),
    ("adam", {"l2": 0.01, "optimizer_params": {"beta1": 0.8, "beta2": 0.95, "eps": 1e-6}}),
    ("adam", {"lr": 0.05, "l1": 0.01}),
    ("ftrl", {}),
    ("ftrl", {"lr": 0.3, "l1": 0.2, "l2": 0.5, "optimizer_params": {"beta": 0.5}}),
]


def stream(n=90, d=4, seed=0, n_classes=3, third_at=40):
    """Rows with a few NaNs; labels 0/1 first, class 2 from row ``third_at``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * [1.0, 2.0, 0.5, 3.0][:d]
    X[rng.random((n, d)) < 0.1] = np.nan
    score = np.nan_to_num(X[:, 0]) - np.nan_to_num(X[:, 1]) / 2
    y = (score > 0).astype(np.int64)
    if n_classes > 2:
        y[third_at:][np.nan_to_num(X[third_at:, 2]) > 0.4] = 2
    return X, y


def ref_for(optimizer, params, d):
    p = dict(params)
    extra = p.pop("optimizer_params", None) or {}
    opt = RefOptimizer(optimizer, p.get("lr"), p.get("l1", 0.0), p.get("l2", 0.0), **extra)
    return RefGLM(
        d,
        opt,
        "log",
        intercept_init=p.get("intercept_init", 0.0),
        intercept_lr=p.get("intercept_lr", 0.01),
        clip_gradient=p.get("clip_gradient", 1e12),
    )


@pytest.mark.parametrize(("optimizer", "params"), SETTINGS)
def test_matches_reference_exactly(optimizer, params):
    X, y = stream()
    model = LogisticRegression(optimizer=optimizer, **params)
    ref = ref_for(optimizer, params, X.shape[1])
    P = model.test_then_train_many(X, y, return_proba=True)
    codes = [model.classes_.index(v) for v in y.tolist()]  # codes follow first appearance
    for i in range(len(X)):
        expected = ref.proba(X[i].tolist())
        assert P[i, : len(expected)].tolist() == expected, f"row {i}"
        assert not P[i, len(expected) :].any()
        ref.learn(X[i].tolist(), codes[i])
    assert model.weights_.tolist() == ref.W
    assert model.intercepts_.tolist() == ref.b
    if optimizer != "sgd":
        assert model.opt_state_[0].tolist() == ref.A
        assert model.opt_state_[1].tolist() == ref.C
    assert model.step_ == ref.t == len(X)
    assert model.n_learned_ == 3 and sorted(model.classes_) == [0, 1, 2]


def test_hand_computed_first_step():
    # River's defaults: SGD(0.01), intercept_lr 0.01, zero weights. Label codes: "a" = 0, "b" = 1.
    m = LogisticRegression()
    m.learn_one({"u": 2.0, "v": -1.0}, "a")  # p(b) = 0.5, y = 0 -> g = 0.5
    assert m.weights_.tolist() == [[-0.01, 0.005]]
    assert m.intercepts_.tolist() == [-0.005]
    m.learn_one({"u": 1.0}, "b")  # f = -0.015; g = sigmoid(f) - 1; "v" is absent: unchanged
    g = sigmoid(-0.01 - 0.005) - 1.0
    assert m.weights_.tolist() == [[-0.01 - 0.01 * g, 0.005]]
    assert m.intercepts_.tolist() == [-0.005 - 0.01 * g]


@pytest.mark.parametrize(("optimizer", "params"), SETTINGS)
def test_test_then_train_equals_one_at_a_time_bitwise(optimizer, params):
    X, y = stream(n=120, seed=3, third_at=50)
    labels = np.array(["normal", "attack", "scan"])[y]
    batch = LogisticRegression(optimizer=optimizer, **params)
    loop = batch.clone()
    schema = Schema(["a", "b", "c", "d"])
    # records drop missing features, so fix the loop's column order first (the summation order of
    # a dot product follows the columns: a different order would differ in the last bit)
    assert loop.predict_proba_one(dict.fromkeys("abcd", 0.0)) == {}
    P = np.vstack(
        [
            np.pad(p, ((0, 0), (0, 3 - p.shape[1])))
            for p in (
                batch.test_then_train_many(X[:45], labels[:45], schema=schema, return_proba=True),
                batch.test_then_train_many(X[45:], labels[45:], schema=schema, return_proba=True),
            )
        ]
    )
    rows = []
    for x, label in zip(X, labels, strict=True):
        rec = schema.record(x)
        proba = loop.predict_proba_one(rec)
        rows.append(proba)
        loop.learn_one(rec, label)
    expected = np.array([[p.get(c, 0.0) for c in batch.classes_] for p in rows])
    assert np.array_equal(P, expected)
    assert np.array_equal(batch.weights_, loop.weights_)
    assert np.array_equal(batch.intercepts_, loop.intercepts_)
    assert np.array_equal(batch.opt_state_, loop.opt_state_)
    assert batch.step_ == loop.step_
    assert streamlearn.digest(batch) == streamlearn.digest(loop)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "ftrl"])
def test_softmax_switch_keeps_probabilities_and_optimizer_state(optimizer):
    X, y = stream(n=60, n_classes=2, seed=5)
    model = LogisticRegression(optimizer=optimizer, l1=0.05 if optimizer == "ftrl" else 0.0)
    model.learn_many(X, y)
    before = model.predict_proba_many(X)
    W = np.vstack([model.weights_, np.zeros_like(model.weights_)])
    b = np.append(model.intercepts_, 0.0)
    S = np.concatenate([model.opt_state_, np.zeros_like(model.opt_state_)], axis=1)
    kind, hp, _, _ = model._kernel_args()
    lk.split_binary(W, b, S, kind, hp, 0.5)
    assert W[1].tolist() == (model.weights_[0] / 2).tolist() and W[0].tolist() == (-W[1]).tolist()
    assert b.tolist() == [-model.intercepts_[0] / 2, model.intercepts_[0] / 2]
    Xf = np.nan_to_num(X)
    logits = Xf @ W.T + b
    soft = np.exp(logits - logits.max(axis=1, keepdims=True))
    soft /= soft.sum(axis=1, keepdims=True)
    assert np.allclose(soft, before, rtol=0, atol=1e-15)
    if optimizer == "adam":
        assert S[0, 1].tolist() == model.opt_state_[0, 0].tolist()
        assert S[0, 0].tolist() == (-model.opt_state_[0, 0]).tolist()
        assert S[1, 0].tolist() == S[1, 1].tolist() == model.opt_state_[1, 0].tolist()
    if optimizer == "ftrl":  # the closed form of the new z, n gives the new weights exactly
        for k in (0, 1):
            for j in range(W.shape[1]):
                assert ok.ftrl_weight(S[0, k, j], S[1, k, j], *hp) == W[k, j]


def test_new_class_mid_batch():
    X, y = stream(n=80, seed=11, third_at=30)
    first = int(np.argmax(y == 2))
    model = LogisticRegression(lr=0.1)
    P = model.test_then_train_many(X, y, return_proba=True)
    assert P.shape == (80, 3)
    assert P[0].tolist() == [0.0, 0.0, 0.0]  # nothing learned yet
    assert P[1].tolist() == [1.0, 0.0, 0.0]  # one class seen: probability 1
    assert (P[:first, 2] == 0).all() and (P[first + 1 :, 2] > 0).all()
    assert np.allclose(P[1:].sum(axis=1), 1.0)
    assert model.weights_.shape == (3, 4) and model.opt_state_.shape == (0, 3, 4)
    # the row where class 2 first appears was predicted with the binary model
    twin = LogisticRegression(lr=0.1)
    twin.learn_many(X[:first], y[:first])
    assert P[first, :2].tolist() == twin.predict_proba_many(X[first : first + 1])[0].tolist()


def test_proba_before_learning_and_with_one_class():
    m = LogisticRegression()
    assert m.predict_proba_one({"a": 1.0}) == {}
    assert m._proba(np.zeros((3, 1))).shape == (3, 0)
    assert m.predict_one({"a": 1.0}) is None
    m.learn_one({"a": 1.0}, "only")
    assert m.predict_proba_one({"a": 5.0}) == {"only": 1.0}
    assert m._proba(np.zeros((2, 1))).tolist() == [[1.0], [1.0]]


@pytest.mark.parametrize("labels", [(False, True), (True, False), ("no", "yes"), (7, 3)])
def test_any_two_labels(labels):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(600, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, labels[1], labels[0])
    y[0] = labels[0]  # fix which label is seen first
    m = LogisticRegression(lr=0.1)
    pred = m.test_then_train_many(X, y)
    assert m.classes_ == list(labels)
    assert (pred[200:] == y[200:]).mean() > 0.95
    p = m.predict_proba_one({0: 3.0, 1: 3.0})
    assert set(p) == set(labels) and p[labels[1]] > 0.9
    assert m.predict_one({0: -3.0, 1: -3.0}) == labels[0]


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 0.1), ("adam", None), ("ftrl", 0.5)])
def test_learns_separable_problems(optimizer, lr):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 5))
    w = np.array([1.0, -2.0, 0.5, 0.0, 1.5])
    y = (X @ w > 0).astype(int)
    m = LogisticRegression(optimizer=optimizer, lr=lr)
    pred = m.test_then_train_many(X, y)
    assert (pred[1000:] == y[1000:]).mean() > 0.97
    # three separable classes (argmax of three linear scores)
    V = rng.normal(size=(3, 5)) * 2
    y3 = np.argmax(X @ V.T, axis=1)
    m3 = LogisticRegression(optimizer=optimizer, lr=lr)
    pred3 = m3.test_then_train_many(X, y3)
    assert (pred3[2000:] == y3[2000:]).mean() > 0.93


def test_l1_gives_exact_zeros():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 6))
    X[:, 3:] *= 0.05  # three near-irrelevant features
    y = (X[:, 0] - X[:, 1] + X[:, 2] > 0).astype(int)
    ftrl = LogisticRegression(optimizer="ftrl", lr=0.5, l1=3.0).learn_many(X, y)
    assert (ftrl.weights_[0, 3:] == 0.0).all() and (ftrl.weights_[0, :3] != 0.0).all()
    sgd = LogisticRegression(lr=0.1, l1=0.05).learn_many(X, y)
    assert (sgd.weights_[0, 3:] == 0.0).all() and (sgd.weights_[0, :3] != 0.0).all()
    plain = LogisticRegression(lr=0.1).learn_many(X, y)
    assert (plain.weights_ != 0.0).all()


def test_missing_and_new_features():
    m = LogisticRegression(optimizer="adam")
    m.learn_one({"a": 1.0, "b": 2.0}, 0)
    m.learn_one({"a": 1.0, "b": 2.0}, 1)
    w_b, s_b = m.weights_[0, 1], m.opt_state_[:, 0, 1].copy()
    m.learn_one({"a": -1.0, "b": None}, 0)  # b missing: no contribution, no update
    assert m.weights_[0, 1] == w_b and m.opt_state_[:, 0, 1].tolist() == s_b.tolist()
    m.learn_one({"a": -1.0, "c": 4.0}, 1)  # new feature: starts at 0, then learns
    assert m.weights_.shape == (1, 3) and m.opt_state_.shape == (2, 1, 3)
    assert m.weights_[0, 2] != 0.0
    m._grow(5)
    assert m.weights_[:, 3:].tolist() == [[0.0, 0.0]] and not m.opt_state_[:, :, 3:].any()
    with pytest.raises(SchemaError, match="categorical"):
        m.learn_one({"proto": "tcp"}, 0)


@pytest.mark.parametrize(("optimizer", "params"), SETTINGS)
def test_save_load_resumes_identically(optimizer, params):
    X, y = stream(n=100, seed=8, third_at=30)
    m = LogisticRegression(optimizer=optimizer, **params)
    m.learn_many(X[:50], y[:50])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.npz")
        streamlearn.save(m, path)
        twin = streamlearn.load(path)
    assert streamlearn.digest(twin) == streamlearn.digest(m)
    pa = m.test_then_train_many(X[50:], y[50:], return_proba=True)
    pb = twin.test_then_train_many(X[50:], y[50:], return_proba=True)
    assert np.array_equal(pa, pb)
    assert np.array_equal(m.weights_, twin.weights_) and np.array_equal(m.opt_state_, twin.opt_state_)
    assert streamlearn.digest(twin) == streamlearn.digest(m)


def test_bad_params():
    with pytest.raises(InvalidParameterError) as e:
        LogisticRegression(lr=-1)
    assert str(e.value) == (
        "The 'lr' parameter of LogisticRegression must be one of None or a number > 0. Got -1."
    )
    with pytest.raises(InvalidParameterError) as e:
        LogisticRegression(optimizer="rmsprop")
    assert str(e.value) == (
        "The 'optimizer' parameter of LogisticRegression must be one of 'sgd', 'adam', 'ftrl'. Got 'rmsprop'."
    )
    with pytest.raises(InvalidParameterError, match="'clip_gradient' parameter of LogisticRegression"):
        LogisticRegression(clip_gradient=0.0)
    with pytest.raises(InvalidParameterError, match=r"'intercept_init' parameter .* a finite number"):
        LogisticRegression(intercept_init=float("inf"))
    with pytest.raises(InvalidParameterError, match="unknown setting 'beta' for optimizer 'adam'"):
        LogisticRegression(optimizer="adam", optimizer_params={"beta": 1.0})
    with pytest.raises(InvalidParameterError, match="'beta2' parameter of Adam"):
        LogisticRegression(optimizer="adam", optimizer_params={"beta2": 2.0})
    with pytest.raises(InvalidParameterError, match=r"'optimizer_params' parameter .* a dict"):
        LogisticRegression(optimizer_params="beta=1")


def test_registered_and_made_by_name():
    m = streamlearn.make("logistic_regression", optimizer="ftrl", lr=0.1, l1=1.0)
    assert isinstance(m, LogisticRegression)
    assert repr(m) == "LogisticRegression(optimizer='ftrl', lr=0.1, l1=1.0)"
