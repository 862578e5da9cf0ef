"""StandardScaler and MinMaxScaler: values against NumPy and hand computations."""

from __future__ import annotations

import math

import numpy as np

from streamlearn.base.learner import Transformer
from streamlearn.base.schema import Schema
from streamlearn.preprocessing import MinMaxScaler, StandardScaler


def _data(n: int = 300, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=[5.0, -2.0, 100.0], scale=[1.0, 3.0, 0.01], size=(n, 3))
    X[rng.random((n, 3)) < 0.1] = np.nan
    return X


# -- StandardScaler -------------------------------------------------------------


def test_standard_scaler_statistics_match_numpy():
    X = _data()
    s = StandardScaler().learn_many(X)
    np.testing.assert_allclose(s.mean_, np.nanmean(X, axis=0), rtol=1e-12)
    np.testing.assert_allclose(s.var_, np.nanvar(X, axis=0), rtol=1e-10)
    np.testing.assert_array_equal(s.n_, (~np.isnan(X)).sum(axis=0))
    out, schema = s.transform_many(X)
    expected = (X - np.nanmean(X, axis=0)) / np.nanstd(X, axis=0)
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12)
    assert np.array_equal(np.isnan(out), np.isnan(X))  # NaN stays NaN
    assert schema.names == [0, 1, 2]


def test_standard_scaler_learn_then_transform_like_river():
    s = StandardScaler()
    # The first record is learned, then scaled with std 0 -> 0.
    assert s.learn_one({"x": 3.0}).transform_one({"x": 3.0}) == {"x": 0.0}
    s.learn_one({"x": 5.0})  # mean 4, population std 1
    assert s.transform_one({"x": 7.0}) == {"x": 3.0}
    assert s.transform_one({"y": 2.0}) == {"y": 0.0}  # nothing learned for y: 0
    assert s.transform_one({"x": None}) == {}  # missing stays missing
    np.testing.assert_array_equal(s.n_, [2.0, 0.0])


def test_standard_scaler_constant_column_gives_zero():
    s = StandardScaler().learn_many(np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]]))
    assert s.m2_[0] == 0.0
    out, _ = s.transform_many(np.array([[0.1, 2.0], [5.0, 2.0]]))
    np.testing.assert_array_equal(out[:, 0], [0.0, 0.0])


def test_standard_scaler_without_std_only_centres():
    X = _data(50)
    s = StandardScaler(with_std=False).learn_many(X)
    out, _ = s.transform_many(X)
    np.testing.assert_allclose(out, X - np.nanmean(X, axis=0), rtol=1e-12, atol=1e-12)
    assert StandardScaler(with_std=False).transform_one({"a": 4.0}) == {"a": 4.0}


def test_standard_scaler_learn_many_equals_learn_one_bitwise():
    X = _data(200)
    a = StandardScaler().learn_many(X)
    b = StandardScaler()
    for row in X:
        b.learn_one({j: (None if v != v else v) for j, v in enumerate(row)})
    for name in ("n_", "mean_", "m2_"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_standard_scaler_prequential_semantics_by_hand():
    s = StandardScaler()
    X = np.array([[1.0], [3.0], [5.0]])
    A = s._rows(X, None)
    pred, learn = s._prequential(A, A)
    # Before row 0: nothing learned -> 0; before row 1: mean 1, std 0 -> 0;
    # before row 2: mean 2, std 1 -> 3.
    np.testing.assert_allclose(pred[:, 0], [0.0, 0.0, 3.0])
    # After row 0: std 0 -> 0; after row 1: mean 2, std 1 -> 1;
    # after row 2: mean 3, std sqrt(8/3).
    np.testing.assert_allclose(learn[:, 0], [0.0, 1.0, 2.0 / math.sqrt(8.0 / 3.0)])


def test_standard_scaler_categorical_pass_through():
    s = StandardScaler()
    records = [{"bytes": 10.0, "proto": "tcp"}, {"bytes": 20.0, "proto": "udp"}, {"proto": None}]
    s.learn_many(records)
    schema = Schema([("bytes", "num"), ("proto", "cat")], categories={"proto": ["tcp", "udp"]})
    out, out_schema = s.transform_many(np.array([[15.0, 1.0], [15.0, np.nan]]), schema)
    np.testing.assert_array_equal(out[:, 1], [1.0, np.nan])
    assert out_schema.decode(1, out[0, 1]) == "udp"
    assert out_schema.kinds == ["num", "cat"]
    assert s.n_[1] == 0.0  # categorical codes are never learned as numbers
    assert s.transform_one({"bytes": 20.0, "proto": "tcp"}) == {"bytes": 1.0, "proto": "tcp"}


def test_standard_scaler_new_column_mid_stream():
    s = StandardScaler().learn_many(np.array([[1.0], [3.0]]))
    s.learn_many([{0: 5.0, "new": 10.0}, {"new": 14.0}])
    assert s.schema_.names == [0, "new"]
    np.testing.assert_allclose(s.mean_, [3.0, 12.0])
    np.testing.assert_allclose(s.var_, [8.0 / 3.0, 4.0])


def test_standard_scaler_prequential_equals_default_loop():
    X = _data(400, seed=7)
    a, b = StandardScaler(), StandardScaler()
    for chunk in np.array_split(X, 4):
        A, B = a._rows(chunk, None), b._rows(chunk, None)
        pa, la = a._prequential(A, A)
        pb, lb = Transformer._prequential(b, B, B)
        np.testing.assert_array_equal(pa, pb)
        np.testing.assert_array_equal(la, lb)
    assert np.array_equal(a.m2_, b.m2_)


# -- MinMaxScaler ----------------------------------------------------------------


def test_min_max_scaler_matches_numpy():
    X = _data()
    s = MinMaxScaler().learn_many(X)
    lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    np.testing.assert_array_equal(s.min_, lo)
    np.testing.assert_array_equal(s.max_, hi)
    out, _ = s.transform_many(X)
    np.testing.assert_allclose(out, (X - lo) / (hi - lo), rtol=1e-12)
    assert np.nanmin(out) == 0.0 and np.nanmax(out) == 1.0


def test_min_max_scaler_edge_cases():
    s = MinMaxScaler()
    assert s.transform_one({"a": 3.0}) == {"a": 0.0}  # nothing learned
    assert s.learn_one({"a": 3.0}).transform_one({"a": 3.0}) == {"a": 0.0}  # max == min
    s.learn_one({"a": 5.0, "c": "x"})
    assert s.transform_one({"a": 4.0, "c": "y"}) == {"a": 0.5, "c": "y"}
    assert s.transform_one({"a": 9.0}) == {"a": 3.0}  # outside the learned range
    assert s.transform_one({"a": float("nan")}) == {}
    assert np.isinf(s.min_[1]) and np.isinf(s.max_[1])  # categorical column never learned


def test_min_max_prequential_by_hand():
    s = MinMaxScaler()
    A = s._rows(np.array([[2.0], [4.0], [np.nan], [3.0]]), None)
    pred, learn = s._prequential(A, A)
    np.testing.assert_array_equal(pred[:, 0], [0.0, 0.0, np.nan, 0.5])
    np.testing.assert_array_equal(learn[:, 0], [0.0, 1.0, np.nan, 0.5])
