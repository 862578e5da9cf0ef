"""Contract tests over every linear learner: batch paths equal one-at-a-time, bit for bit."""

import os
import tempfile

import numpy as np
import pytest

import streamlearn
from streamlearn.base.learner import Classifier
from streamlearn.base.schema import Schema
from streamlearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
)

LEARNERS = [
    LogisticRegression(),
    LogisticRegression(optimizer="adam", l1=0.01),
    LogisticRegression(optimizer="ftrl", l1=0.1, l2=0.1),
    LinearRegression(lr=0.005),
    LinearRegression(optimizer="adam", l2=0.1),
    LinearRegression(optimizer="ftrl", lr=0.3, l1=0.2),
    PassiveAggressiveClassifier(),
    PassiveAggressiveClassifier(C=0.1, mode=2),
    PassiveAggressiveRegressor(mode=2),
    Perceptron(),
    Perceptron(l2=0.01),
]
IDS = [repr(m) for m in LEARNERS]
NAMES = ["f0", "f1", "f2", "f3", "f4"]


def data(learner, n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)) * [1.0, 3.0, 0.5, 1.0, 2.0]
    X[rng.random(X.shape) < 0.08] = np.nan
    Z = np.nan_to_num(X)
    if isinstance(learner, Classifier):
        y = np.where(Z[:, 0] + Z[:, 1] / 3 > 0, "up", "down").astype(object)
        y[(np.arange(n) > 60) & (Z[:, 2] > 0.3)] = "flat"
        return X, y.astype(str)
    return X, Z @ [1.0, -0.5, 2.0, 0.0, 0.3] + 0.1


def fresh(learner):
    m = learner.clone()
    m._rows(np.zeros((0, 5)), Schema(NAMES))  # fix the column order (dicts drop missing features)
    return m


def output_one(m, x):
    if isinstance(m, Classifier):
        return m.predict_proba_one(x)
    return m.predict_one(x)


@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
def test_test_then_train_equals_one_at_a_time(learner):
    X, y = data(learner)
    schema = Schema(NAMES)
    batch, loop = fresh(learner), fresh(learner)
    outs = []
    for part in (slice(0, 70), slice(70, None)):
        kw = {"return_proba": True} if isinstance(batch, Classifier) else {}
        outs.append(batch.test_then_train_many(X[part], y[part], schema=schema, **kw))
    expected = []
    for x, yi in zip(X, y.tolist(), strict=True):
        rec = schema.record(x)
        expected.append(output_one(loop, rec))
        loop.learn_one(rec, yi)
    if isinstance(batch, Classifier):
        k = len(batch.classes_)
        got = np.vstack([np.pad(o, ((0, 0), (0, k - o.shape[1]))) for o in outs])
        expected = np.array([[p.get(c, 0.0) for c in batch.classes_] for p in expected])
    else:
        got, expected = np.concatenate(outs), np.array(expected)
    assert np.array_equal(got, expected)
    assert streamlearn.digest(batch) == streamlearn.digest(loop)


@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
def test_learn_many_equals_learn_one(learner):
    X, y = data(learner, seed=1)
    a, b = fresh(learner), fresh(learner)
    a.learn_many(X, y, schema=Schema(NAMES))
    for x, yi in zip(X, y.tolist(), strict=True):
        b.learn_one(Schema(NAMES).record(x), yi)
    assert streamlearn.digest(a) == streamlearn.digest(b)
    assert np.array_equal(a.weights_, b.weights_)


@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
def test_prediction_input_differs_from_learning_input(learner):
    """In a pipeline, row i is predicted from X_pred[i] (before) and learned from X_learn[i]."""
    X, y = data(learner, seed=2)
    Xp = X * 0.9 + 0.1
    a, b = fresh(learner), fresh(learner)
    target = a._codes(y) if isinstance(a, Classifier) else y.astype(float)
    if isinstance(b, Classifier):
        b._codes(y)
    out = a._test_then_train(Xp, X, target)
    rows = []
    for i in range(len(X)):
        if isinstance(b, Classifier):
            p = b._proba(Xp[i : i + 1])[0]
            rows.append(np.pad(p, (0, out.shape[1] - len(p))))
        else:
            rows.append(b._predict(Xp[i : i + 1])[0])
        b._learn(X[i : i + 1], target[i : i + 1])
    assert np.array_equal(out, np.array(rows))
    assert streamlearn.digest(a) == streamlearn.digest(b)


@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
def test_save_load_resumes_identically(learner):
    X, y = data(learner, seed=3)
    m = learner.clone()
    m.learn_many(X[:80], y[:80])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.npz")
        streamlearn.save(m, path)
        twin = streamlearn.load(path)
    assert type(twin) is type(m) and streamlearn.digest(twin) == streamlearn.digest(m)
    a = m.test_then_train_many(X[80:], y[80:])
    b = twin.test_then_train_many(X[80:], y[80:])
    assert np.array_equal(a, b)
    assert streamlearn.digest(twin) == streamlearn.digest(m)
    for name in ("weights_", "intercepts_", "opt_state_"):
        if hasattr(m, name):
            assert np.array_equal(getattr(m, name), getattr(twin, name))


@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
def test_no_input_mutation_and_empty_batches(learner):
    X, y = data(learner, seed=4)
    X0, y0 = X.copy(), y.copy()
    m = learner.clone()
    m.test_then_train_many(X, y)
    m.learn_many(X[:0], y[:0])
    assert np.array_equal(X, X0, equal_nan=True) and np.array_equal(y, y0)
    out = m.test_then_train_many(X[:0], y[:0])
    assert len(out) == 0
