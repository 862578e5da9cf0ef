"""Imputer: running means, constants and most frequent categories."""

from __future__ import annotations

import numpy as np

from streamlearn.base.learner import Transformer
from streamlearn.base.schema import Schema
from streamlearn.preprocessing import Imputer

NAN = np.nan


def test_imputer_mean_matches_numpy():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 3))
    X[rng.random((100, 3)) < 0.3] = NAN
    imp = Imputer().learn_many(X)
    out, schema = imp.transform_many(X)
    filled = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    np.testing.assert_allclose(out, filled, rtol=1e-12)
    assert schema is imp.schema_


def test_imputer_fills_only_learned_columns_and_constant():
    for imp in (Imputer(fill_value=7.0), Imputer(strategy="constant", fill_value=7.0)):
        assert imp.transform_one({"a": NAN}) == {}  # nothing learned yet: stays missing
        imp.learn_one({"a": NAN})
        assert imp.transform_one({"a": NAN}) == {}
    imp = Imputer(fill_value=7.0).learn_many([{"a": 2.0}, {"a": 4.0}])
    assert imp.transform_one({"a": None}) == {"a": 3.0}
    assert imp.transform_one({"a": 10.0}) == {"a": 10.0}
    const = Imputer(strategy="constant", fill_value=-1.0).learn_many([{"a": 2.0}, {"a": 4.0}])
    assert const.transform_one({"a": None}) == {"a": -1.0}
    np.testing.assert_array_equal(const.mean_, [3.0])


def test_imputer_most_frequent_category_with_ties():
    imp = Imputer()
    assert imp.learn_one({"p": "a"}).transform_one({"p": None}) == {"p": "a"}
    imp.learn_one({"p": "b"})  # tie 1-1: "a" reached 1 first and keeps it
    assert imp.transform_one({"p": None}) == {"p": "a"}
    imp.learn_one({"p": "b"})
    assert imp.transform_one({"p": None}) == {"p": "b"}
    assert Imputer().learn_one({"q": None, "x": 1.0}).transform_one({"q": "z"}) == {"q": "z", "x": 1.0}


def test_imputer_categorical_without_data_stays_missing():
    imp = Imputer().learn_many([{"x": 1.0, "p": None}, {"x": 2.0, "p": "u"}])
    s = Schema([("p", "cat")])
    imp2 = Imputer()
    out, _ = imp2.transform_many(np.array([[NAN]]), s)
    assert np.isnan(out[0, 0])
    assert imp.transform_one({}) == {"x": 1.5, "p": "u"}


def test_imputer_many_categories_grow_counts():
    recs = [{"ip": f"10.0.0.{i % 37}"} for i in range(200)] + [{"ip": "10.0.0.5"}] * 3
    a = Imputer().learn_many(recs)
    b = Imputer()
    for r in recs:
        b.learn_one(r)
    assert a.transform_one({"ip": None}) == {"ip": "10.0.0.5"}
    np.testing.assert_array_equal(a.counts_, b.counts_)
    np.testing.assert_array_equal(a.offset_, b.offset_)
    assert a.counts_[a.offset_[0] + 5] == 200 // 37 + 1 + 3


def test_imputer_prequential_by_hand():
    imp = Imputer()
    s = Schema(["x", ("p", "cat")])
    X = s.rows([{"x": NAN, "p": None}, {"x": 4.0, "p": "a"}, {"x": None, "p": None}, {"x": 2.0, "p": "b"}])
    A = imp._rows(X, s)
    pred, learn = imp._prequential(A, A)
    # Row 0: nothing learned for either column, so both stay missing.
    np.testing.assert_array_equal(pred, [[NAN, NAN], [4.0, 0.0], [4.0, 0.0], [2.0, 1.0]])
    np.testing.assert_array_equal(learn, [[NAN, NAN], [4.0, 0.0], [4.0, 0.0], [2.0, 1.0]])
    b = Imputer()
    B = b._rows(X, s)
    pb, lb = Transformer._prequential(b, B, B)
    np.testing.assert_array_equal(pred, pb)
    np.testing.assert_array_equal(learn, lb)
