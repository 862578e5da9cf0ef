"""MultinomialNB and BernoulliNB: hand computations, input rules, exactness, persistence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.schema import Schema
from streamlearn.naive_bayes import BernoulliNB, MultinomialNB


def softmax(scores: dict) -> dict:
    top = max(scores.values())
    e = {c: math.exp(s - top) for c, s in scores.items()}
    total = sum(e.values())
    return {c: v / total for c, v in e.items()}


DOCS = [
    ({"syn": 8.0, "ack": 0.0, "fin": 0.0}, "scan"),
    ({"syn": 1.0, "ack": 6.0, "fin": 1.0}, "normal"),
    ({"syn": 9.0, "ack": 1.0, "fin": 0.0}, "scan"),
    ({"syn": 1.0, "ack": 5.0, "fin": 2.0}, "normal"),
    ({"syn": 2.0, "ack": 4.0}, "normal"),
]


def stream(n: int = 300, seed: int = 0) -> list[tuple[dict, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        label = ["a", "b"][int(rng.integers(2))] if i < 100 else ["a", "b", "c"][int(rng.integers(3))]
        rates = {"a": [5, 1, 0.2], "b": [1, 4, 2], "c": [0.1, 0.1, 6]}[label]
        x: dict = {f"w{j}": float(rng.poisson(r)) for j, r in enumerate(rates)}
        if rng.random() < 0.1:
            x["w1"] = float("nan")
        if i > 150:
            x["late"] = float(rng.poisson(2.0))
        out.append((x, label))
    return out


# -- MultinomialNB -------------------------------------------------------------------------
def test_multinomial_matches_hand_computation():
    model = MultinomialNB(alpha=0.5)
    for x, y in DOCS:
        model.learn_one(x, y)
    # scan: syn 17, ack 1, fin 0 (total 18); normal: syn 4, ack 15, fin 3 (total 22); D = 3
    x = {"syn": 2.0, "ack": 3.0, "fin": 1.0}

    def score(prior, counts, total):
        return math.log(prior) + sum(
            v * math.log((counts[f] + 0.5) / (total + 0.5 * 3)) for f, v in x.items()
        )

    expected = softmax(
        {
            "scan": score(2 / 5, {"syn": 17, "ack": 1, "fin": 0}, 18),
            "normal": score(3 / 5, {"syn": 4, "ack": 15, "fin": 3}, 22),
        }
    )
    got = model.predict_proba_one(x)
    for c in expected:
        assert got[c] == pytest.approx(expected[c], rel=1e-12)


def test_multinomial_ignores_unseen_features_and_nan():
    model = MultinomialNB()
    for x, y in DOCS:
        model.learn_one(x, y)
    base = model.predict_proba_one({"syn": 2.0})
    assert model.predict_proba_one({"syn": 2.0, "never_learned": 7.0}) == base
    assert model.predict_proba_one({"syn": 2.0, "ack": float("nan")}) == base
    model.learn_one({"syn": float("nan"), "ack": 1.0}, "scan")
    assert model.feature_counts_[0].tolist() == [17.0, 2.0, 0.0, 0.0]
    assert model.column_counts_.tolist() == [5.0, 6.0, 4.0, 0.0]  # 'never_learned' was only predicted


def test_multinomial_rejects_negative_values_before_any_change():
    model = MultinomialNB()
    for x, y in DOCS:
        model.learn_one(x, y)
    before = digest(model)
    with pytest.raises(SchemaError, match=r"non-negative.*'ack'"):
        model.learn_one({"syn": 1.0, "ack": -2.0}, "scan")
    with pytest.raises(SchemaError, match="non-negative"):
        model.learn_many(np.array([[1.0, -1.0, 0.0]]), ["scan"], schema=Schema(["syn", "ack", "fin"]))
    assert digest(model) == before


def test_multinomial_scores_negative_values_as_zero():
    model = MultinomialNB()
    for x, y in DOCS:
        model.learn_one(x, y)
    assert model.predict_proba_one({"syn": 2.0, "fin": -0.5}) == model.predict_proba_one(
        {"syn": 2.0, "fin": 0.0}
    )
    # prequential through a streaming min-max scaler: the prediction row may fall below 0
    from streamlearn.preprocessing import MinMaxScaler

    rng = np.random.default_rng(2)
    X = rng.normal(0, 1, (200, 3))
    y = (X[:, 0] > 0).astype(int)
    pipe = MinMaxScaler() | MultinomialNB()
    P = pipe.clone().test_then_train_many(X, y, return_proba=True)
    loop, expected = pipe.clone(), []
    for row, label in zip(X, y, strict=True):
        x = dict(enumerate(row))
        expected.append(loop.predict_proba_one(x))
        loop.learn_one(x, label)
    E = np.array([[p.get(c, 0.0) for c in loop.classes_] for p in expected])
    np.testing.assert_allclose(P, E, rtol=0, atol=1e-12)


# -- BernoulliNB ---------------------------------------------------------------------------
def test_bernoulli_matches_hand_computation():
    model = BernoulliNB(binarize=0.5, alpha=1.0)
    for x, y in DOCS:
        model.learn_one(x, y)
    # present = value > 0.5; observed counts per class and feature
    # scan (2 records): syn present 2/2, ack present 1/2, fin present 0/2
    # normal (3): syn 3/3, ack 3/3, fin 2/2 (fin missing in the last record)
    x = {"syn": 1.0, "ack": 0.0, "fin": 3.0}

    def p(present, observed):
        return (present + 1.0) / (observed + 2.0)

    s_scan = math.log(2 / 5) + math.log(p(2, 2)) + math.log(1 - p(1, 2)) + math.log(p(0, 2))
    s_normal = math.log(3 / 5) + math.log(p(3, 3)) + math.log(1 - p(3, 3)) + math.log(p(2, 2))
    expected = softmax({"scan": s_scan, "normal": s_normal})
    got = model.predict_proba_one(x)
    for c in expected:
        assert got[c] == pytest.approx(expected[c], rel=1e-12)


def test_bernoulli_threshold_and_nan():
    model = BernoulliNB(binarize=2.0)
    model.learn_one({"a": 2.0, "b": 2.5}, "x")  # 2.0 is not > 2.0: absent; 2.5 present
    model.learn_one({"a": float("nan"), "b": 0.0}, "x")
    assert model.n_.tolist() == [[1.0, 2.0]]
    assert model.ones_.tolist() == [[0.0, 1.0]]


# -- both ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [MultinomialNB, lambda: MultinomialNB(alpha=0.1), BernoulliNB])
def test_test_then_train_equals_one_at_a_time(make):
    data = stream()
    loop = make()
    expected = []
    for x, y in data:
        expected.append(loop.predict_proba_one(x))
        loop.learn_one(x, y)
    schema = Schema()
    X = schema.rows([x for x, _ in data])
    y = np.array([y for _, y in data])
    batch = make()
    outs = [
        batch.test_then_train_many(X[:80], y[:80], schema=schema, return_proba=True),
        batch.test_then_train_many(X[80:], y[80:], schema=schema, return_proba=True),
    ]
    P = np.vstack([np.pad(o, ((0, 0), (0, 3 - o.shape[1]))) for o in outs])
    E = np.array([[p.get(c, 0.0) for c in loop.classes_] for p in expected])
    assert np.array_equal(P, E)
    assert digest(batch) == digest(loop)
    other = make()
    other.learn_many(X, y, schema=schema)
    assert digest(other) == digest(loop)


@pytest.mark.parametrize("make", [MultinomialNB, BernoulliNB])
def test_save_load_continues_identically(make, tmp_path):
    data = stream(seed=4)
    model = make()
    for x, y in data[:150]:
        model.learn_one(x, y)
    save(model, tmp_path / "m.npz")
    twin = load(tmp_path / "m.npz")
    for x, y in data[150:]:
        assert twin.predict_proba_one(x) == model.predict_proba_one(x)
        model.learn_one(x, y)
        twin.learn_one(x, y)
    assert digest(twin) == digest(model)


@pytest.mark.parametrize("cls", [MultinomialNB, BernoulliNB])
def test_categorical_columns_need_encoding(cls):
    with pytest.raises(SchemaError, match="Encode them first"):
        cls().learn_one({"proto": "tcp"}, "x")


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (MultinomialNB, {"alpha": 0.0}),
        (MultinomialNB, {"alpha": "1"}),
        (BernoulliNB, {"alpha": -1.0}),
        (BernoulliNB, {"binarize": None}),
        (BernoulliNB, {"binarize": float("nan")}),
    ],
)
def test_bad_params(cls, params):
    with pytest.raises(InvalidParameterError, match=repr(next(iter(params)))):
        cls(**params)
