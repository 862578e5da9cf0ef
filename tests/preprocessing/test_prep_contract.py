"""Contract tests over every preprocessing transformer.

Batch test-then-train against the row-by-row default loop, learn_many
against learn_one, save/load, pipelines, input immutability, bad parameters.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import streamlearn
from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.learner import Classifier, Transformer
from streamlearn.base.schema import Schema
from streamlearn.compose import Pipeline
from streamlearn.preprocessing import (
    FeatureHasher,
    Imputer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)

ALL: list[Transformer] = [
    StandardScaler(),
    StandardScaler(with_std=False),
    MinMaxScaler(),
    OneHotEncoder(),
    OrdinalEncoder(),
    OrdinalEncoder(unknown_value=float("nan")),
    FeatureHasher(n_features=16),
    FeatureHasher(n_features=3, alternate_sign=False),
    Imputer(),
    Imputer(strategy="constant", fill_value=2.0),
]
IDS = [repr(t) for t in ALL]


def _stream(n: int, seed: int) -> list[dict[Hashable, Any]]:
    """Records with missing values, new columns and new categories mid-stream."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        r: dict[Hashable, Any] = {}
        if rng.random() < 0.8:
            r["a"] = float(rng.normal(3.0, 2.0))
        if rng.random() < 0.7:
            r["proto"] = ["tcp", "udp", "icmp", "gre", "esp"][min(int(rng.exponential(1.2)), 4)]
        if i > n // 2 and rng.random() < 0.6:
            r["b"] = float(rng.integers(0, 3))
        if i > n // 3:
            r["flag"] = "f" + str(int(rng.integers(0, 3 + i // 20)))
        out.append(r)
    return out


def _batches(records: list[dict], sizes: list[int]) -> list[tuple[np.ndarray, Schema]]:
    out, start = [], 0
    for size in sizes:
        s = Schema()
        out.append((s.rows(records[start : start + size]), s))
        start += size
    return out


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert np.array_equal(np.isnan(a), np.isnan(b))


def _check_prequential(t: Transformer, batches: list[tuple[np.ndarray, Schema]]) -> None:
    fast, slow = t.clone(), t.clone()
    for X, s in batches:
        A, B = fast._rows(X, s), slow._rows(X, s)
        pa, la = fast._prequential(A, A)
        pb, lb = Transformer._prequential(slow, B, B)
        _same(pa, pb)
        _same(la, lb)
        assert fast.output_schema() == slow.output_schema()
        # Afterwards both transform alike.
        _same(fast._transform(A), slow._transform(B))
    assert streamlearn.digest(fast) == streamlearn.digest(slow)


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_prequential_equals_row_by_row_loop(t):
    _check_prequential(t, _batches(_stream(300, seed=11), [1, 40, 100, 159]))


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_prequential_with_distinct_pred_and_learn_rows(t):
    """In a pipeline X_pred went through earlier steps as they were before each row."""
    s = Schema()
    X = s.rows(_stream(120, seed=5))
    X_other = s.rows(_stream(120, seed=6))
    X = np.hstack([X, np.full((len(X), s.width - X.shape[1]), np.nan)])
    fast, slow = t.clone(), t.clone()
    A_l, B_l = fast._rows(X, s), slow._rows(X, s)
    A_p, B_p = fast._rows(X_other, s), slow._rows(X_other, s)
    pa, la = fast._prequential(A_p, A_l)
    pb, lb = Transformer._prequential(slow, B_p, B_l)
    _same(pa, pb)
    _same(la, lb)


_value = st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False), st.sampled_from([0.0, 1.0, 1.0]))
_cat = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"]))
_record = st.fixed_dictionaries({}, optional={"x": _value, "y": _value, "p": _cat, "q": _cat})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(_record, min_size=1, max_size=30),
    cut=st.integers(0, 30),
    which=st.integers(0, len(ALL) - 1),
)
def test_prequential_property(records, cut, which):
    cut = min(cut, len(records))
    sizes = [n for n in (cut, len(records) - cut) if n]
    _check_prequential(ALL[which], _batches(records, sizes))


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_learn_many_equals_learn_one_loop(t):
    records = _stream(150, seed=2)
    a, b = t.clone(), t.clone()
    a.learn_many(records[:70]).learn_many(records[70:])
    for r in records:
        b.learn_one(r)
    assert streamlearn.digest(a) == streamlearn.digest(b)
    probe = _stream(20, seed=9)
    _same(a.transform_many(probe)[0], b.transform_many(probe)[0])
    assert a.transform_one(probe[-1]) == b.transform_one(probe[-1])


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_save_load_round_trip_and_continue(t, tmp_path):
    records = _stream(200, seed=4)
    model = t.clone().learn_many(records[:120])
    path = tmp_path / "model.npz"
    streamlearn.save(model, path)
    loaded = streamlearn.load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert streamlearn.digest(loaded) == streamlearn.digest(model)
    _same(loaded.transform_many(records)[0], model.transform_many(records)[0])
    # Learning goes on identically, batch and prequential paths alike.
    rest = _batches(records[120:], [80])[0]
    pa, la = model._prequential(model._rows(*rest), model._rows(*rest))
    pb, lb = loaded._prequential(loaded._rows(*rest), loaded._rows(*rest))
    _same(pa, pb)
    _same(la, lb)
    assert streamlearn.digest(loaded) == streamlearn.digest(model)
    assert loaded.output_schema() == model.output_schema()


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_inputs_are_not_mutated(t):
    s = Schema()
    X = s.rows(_stream(60, seed=8))
    keep = X.copy()
    m = t.clone()
    m.learn_many(X, s)
    m.transform_many(X, s)
    A = m._rows(X, s)
    A_keep = A.copy()
    m._prequential(A, A)
    m._learn(A)
    m._transform(A)
    assert np.array_equal(X, keep, equal_nan=True)
    assert np.array_equal(A, A_keep, equal_nan=True)


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_empty_batches_and_fresh_state(t):
    m = t.clone()
    out, schema = m.transform_many(np.empty((0, 2)))
    assert out.shape == (0, schema.width)
    p, l = m.clone()._prequential(np.empty((0, 0)), np.empty((0, 0)))
    assert p.shape[0] == l.shape[0] == 0
    assert isinstance(m.transform_one({}), dict)
    assert m.clone().get_params() == m.get_params()


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_registered(t):
    assert streamlearn.registry()[t.registry_name] is type(t)
    assert isinstance(streamlearn.make(t.registry_name), type(t))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: StandardScaler(with_std=1), "'with_std' parameter of StandardScaler must be a bool"),
        (lambda: FeatureHasher(n_features=0), "'n_features' parameter of FeatureHasher must be an int >= 1"),
        (lambda: FeatureHasher(n_features=2.0), "must be an int >= 1. Got 2.0"),
        (lambda: FeatureHasher(alternate_sign="yes"), "'alternate_sign'"),
        (lambda: OrdinalEncoder(unknown_value="x"), "finite number or NaN"),
        (lambda: OrdinalEncoder(unknown_value=float("inf")), "finite number or NaN"),
        (lambda: Imputer(strategy="median"), "one of 'mean', 'constant'. Got 'median'"),
        (
            lambda: Imputer(fill_value=float("nan")),
            "'fill_value' parameter of Imputer must be a finite",
        ),
        (lambda: Imputer(fill_value=True), "finite number"),
        (lambda: OneHotEncoder().clone(sparse=True), "OneHotEncoder has no parameter 'sparse'"),
    ],
)
def test_bad_params(make, message):
    with pytest.raises(InvalidParameterError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make()


# -- pipelines ----------------------------------------------------------------------------


class Centroids(Classifier):
    """A tiny nearest-centroid classifier for these tests (NaN features are skipped)."""

    def __init__(self) -> None:
        self._validate_params()

    def _grow(self, width: int) -> None:
        k = len(getattr(self, "n_", []))
        self._resize(k, width)

    def _resize(self, k: int, d: int) -> None:
        sums = np.zeros((k, d))
        counts = np.zeros((k, d))
        n = np.zeros(k)
        if hasattr(self, "sums_"):
            k0, d0 = self.sums_.shape
            sums[:k0, :d0], counts[:k0, :d0], n[:k0] = self.sums_, self.counts_, self.n_
        self.sums_, self.counts_, self.n_ = sums, counts, n

    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        for x, c in zip(X, codes, strict=True):
            if c >= len(self.n_):
                self._resize(c + 1, self.sums_.shape[1])
            seen = ~np.isnan(x)
            self.sums_[c, seen] += x[seen]
            self.counts_[c, seen] += 1
            self.n_[c] += 1

    def _proba(self, X: np.ndarray) -> np.ndarray:
        k = len(getattr(self, "n_", []))
        out = np.zeros((len(X), k))
        for i, x in enumerate(X):
            scores = np.zeros(k)
            for c in range(k):
                use = ~np.isnan(x) & (self.counts_[c] > 0)
                centre = self.sums_[c, use] / self.counts_[c, use]
                scores[c] = -np.sum((x[use] - centre) ** 2)
            e = np.exp(scores - scores.max()) if k else scores
            out[i] = e / e.sum() if k else e
        return out


def _labelled(n: int, seed: int) -> tuple[list[dict], list[str]]:
    records = _stream(n, seed)
    labels = [
        "attack" if (r.get("proto") in ("icmp", "gre")) or r.get("a", 0.0) > 5.0 else "normal"
        for r in records
    ]
    labels[n // 2] = "other"  # a class that appears mid-stream
    return records, labels


def _loop_proba(model: Pipeline, records: list[dict], labels: list[str]) -> tuple[list[dict], list]:
    rows = []
    for x, y in zip(records, labels, strict=True):
        rows.append(model.predict_proba_one(x))
        model.learn_one(x, y)
    return rows, list(model.classes_)


@pytest.mark.parametrize(
    "steps",
    [
        lambda: StandardScaler() | OneHotEncoder() | Centroids(),
        lambda: Imputer() | OneHotEncoder() | MinMaxScaler() | Centroids(),
        lambda: OneHotEncoder() | Imputer(strategy="constant") | StandardScaler(with_std=False) | Centroids(),
        lambda: OrdinalEncoder() | StandardScaler() | Centroids(),
    ],
    ids=["scaler-onehot", "imputer-onehot-minmax", "onehot-imputer-centre", "ordinal-scaler"],
)
def test_pipeline_test_then_train_equals_one_at_a_time(steps):
    records, labels = _labelled(240, seed=21)
    batch = steps()
    single = batch.clone()
    blocks = []
    for a, b in [(0, 1), (1, 90), (90, 240)]:
        P = batch.test_then_train_many(records[a:b], labels[a:b], return_proba=True)
        blocks.append(np.pad(P, ((0, 0), (0, 3 - P.shape[1]))))  # classes met later: 0
    P = np.vstack(blocks)
    rows, classes = _loop_proba(single, records, labels)
    assert classes == list(batch.classes_)
    Q = np.array([[r.get(c, 0.0) for c in classes] for r in rows])
    np.testing.assert_allclose(P, Q, rtol=0, atol=1e-12)
    # The transformers end in the same state.
    for a, b in zip(batch.steps[:-1], single.steps[:-1], strict=True):
        assert streamlearn.digest(a) == streamlearn.digest(b)
        assert a.output_schema() == b.output_schema()
    x = records[-1]
    assert batch.predict_proba_one(x) == pytest.approx(single.predict_proba_one(x), abs=1e-12)


def test_pipeline_zero_filled_onehot_would_differ():
    """Columns born mid-batch must be missing, not 0, for a NaN-skipping learner."""
    records = [{"p": "a"}, {"p": "a"}, {"p": "b"}, {"p": "b"}, {"p": "a"}]
    labels = ["x", "x", "y", "y", "x"]
    batch = OneHotEncoder() | Centroids()
    P = batch.test_then_train_many(records, labels, return_proba=True)
    single = batch.clone()
    rows, classes = _loop_proba(single, records, labels)
    Q = np.array([[r.get(c, 0.0) for c in classes] for r in rows])
    np.testing.assert_allclose(P, Q, atol=1e-12)
    # Row 3 ("b"): class "x" learned rows 0-1 before p_b existed, so p_b is skipped
    # for it (squared distance 1, from p_a); a zero-filled p_b would give 2. "y" is at 0.
    e = np.exp(-1.0)
    np.testing.assert_allclose(P[3], [e / (e + 1.0), 1.0 / (e + 1.0)], rtol=1e-12)


def test_pipeline_of_transformers_save_load_and_other_steps(tmp_path):
    records = _stream(150, seed=30)
    prep = Imputer() | MinMaxScaler() | OrdinalEncoder() | StandardScaler()
    prep.learn_many(records[:100])
    streamlearn.save(prep, tmp_path / "p.npz")
    loaded = streamlearn.load(tmp_path / "p.npz")
    assert streamlearn.digest(loaded) == streamlearn.digest(prep)
    for m in (prep, loaded):
        m.learn_many(records[100:])
    a, sa = prep.transform_many(records)
    b, sb = loaded.transform_many(records)
    _same(a, b)
    assert sa == sb and sa.kinds == ["num"] * sa.width
    assert not np.isnan(a[:, sa.index("a")]).any()  # imputed before scaling


def test_pipeline_hasher_then_classifier_matches_loop():
    records, labels = _labelled(120, seed=33)
    batch = FeatureHasher(n_features=8) | StandardScaler() | Centroids()
    single = batch.clone()
    P = batch.test_then_train_many(records, labels, return_proba=True)
    rows, classes = _loop_proba(single, records, labels)
    Q = np.array([[r.get(c, 0.0) for c in classes] for r in rows])
    np.testing.assert_allclose(P, Q, rtol=0, atol=1e-12)


def test_categorical_needs_encoding_before_numeric_learner():
    with pytest.raises(SchemaError, match="Encode them first"):
        (StandardScaler() | Centroids()).learn_one({"p": "tcp"}, "x")
    # With an encoder it works.
    (StandardScaler() | OrdinalEncoder() | Centroids()).learn_one({"p": "tcp"}, "x")
