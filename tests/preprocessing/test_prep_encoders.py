"""OneHotEncoder, OrdinalEncoder and FeatureHasher: values by hand."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from streamlearn.base.learner import Transformer
from streamlearn.base.schema import Schema
from streamlearn.preprocessing import FeatureHasher, OneHotEncoder, OrdinalEncoder
from streamlearn.preprocessing.feature_hasher import stable_hash

NAN = np.nan


def _records():
    return [
        {"proto": "tcp", "bytes": 1.0},
        {"proto": "udp", "bytes": 2.0},
        {"proto": "tcp", "bytes": 3.0},
        {"proto": None, "bytes": 4.0},
        {"proto": "icmp", "bytes": 5.0},
    ]


# -- OneHotEncoder --------------------------------------------------------------------------


def test_one_hot_values_and_names():
    enc = OneHotEncoder().learn_many(_records())
    out, schema = enc.transform_many(_records())
    # Numeric columns are placed when they appear, categories when they are learned.
    assert schema.names == ["bytes", "proto_tcp", "proto_udp", "proto_icmp"]
    assert schema.kinds == ["num"] * 4
    expected = np.array(
        [
            [1.0, 1.0, 0.0, 0.0],
            [2.0, 0.0, 1.0, 0.0],
            [3.0, 1.0, 0.0, 0.0],
            [4.0, 0.0, 0.0, 0.0],  # missing category: all zeros
            [5.0, 0.0, 0.0, 1.0],
        ]
    )
    np.testing.assert_array_equal(out, expected)


def test_one_hot_unseen_category_and_transform_does_not_learn():
    enc = OneHotEncoder().learn_one({"proto": "tcp"})
    assert enc.transform_one({"proto": "gre"}) == {"proto_tcp": 0.0}
    assert enc.transform_one({"proto": "gre"}) == {"proto_tcp": 0.0}
    assert enc.output_schema().names == ["proto_tcp"]
    assert "gre" in enc.schema_.categories[0]  # seen by the schema, not learned
    enc.learn_one({"proto": "gre"})
    assert enc.transform_one({"proto": "gre"}) == {"proto_tcp": 0.0, "proto_gre": 1.0}


def test_one_hot_output_positions_never_move():
    enc = OneHotEncoder()
    enc.learn_many([{"a": "x", "n": 1.0}])
    before = list(enc.output_schema().names)
    enc.learn_many([{"b": "p", "a": "y", "m": 2.0}, {"a": "z"}])
    after = enc.output_schema().names
    assert after[: len(before)] == before
    assert after == ["n", "a_x", "m", "a_y", "b_p", "a_z"]
    out, _ = enc.transform_many([{"a": "x", "b": "p", "n": 7.0}])
    np.testing.assert_array_equal(out, [[7.0, 1.0, NAN, 0.0, 1.0, 0.0]])


def test_one_hot_prequential_marks_columns_not_born_yet_missing():
    enc = OneHotEncoder()
    s = Schema([("p", "cat")])
    X = s.rows([{"p": "a"}, {"p": "b"}, {"p": "a"}, {"p": None}, {"p": "c"}])
    A = enc._rows(X, s)
    pred, learn = enc._prequential(A, A)
    assert enc.output_schema().names == ["p_a", "p_b", "p_c"]
    np.testing.assert_array_equal(
        pred,
        [
            [NAN, NAN, NAN],  # nothing learned: no column exists yet
            [0.0, NAN, NAN],  # "b" unseen before row 1
            [1.0, 0.0, NAN],
            [0.0, 0.0, NAN],  # missing: zeros in the columns that exist
            [0.0, 0.0, NAN],
        ],
    )
    np.testing.assert_array_equal(
        learn,
        [
            [1.0, NAN, NAN],
            [0.0, 1.0, NAN],
            [1.0, 0.0, NAN],
            [0.0, 0.0, NAN],
            [0.0, 0.0, 1.0],
        ],
    )
    b = OneHotEncoder()
    B = b._rows(X, s)
    pb, lb = Transformer._prequential(b, B, B)
    np.testing.assert_array_equal(pred, pb)
    np.testing.assert_array_equal(learn, lb)


def test_one_hot_name_collision_is_made_unique():
    enc = OneHotEncoder().learn_many([{"p": "x"}]).learn_many([{"p_x": 1.0}])
    assert enc.output_schema().names == ["p_x", "p_x_"]
    assert enc.transform_one({"p": "x", "p_x": 3.0}) == {"p_x": 1.0, "p_x_": 3.0}


def test_one_hot_learn_many_equals_learn_one_order():
    recs = [{"a": "u", "b": "k"}, {"b": "j", "a": "v"}, {"a": "u", "b": "i"}, {"b": "k", "c": 2.0}]
    a = OneHotEncoder().learn_many(recs)
    b = OneHotEncoder()
    for r in recs:
        b.learn_one(r)
    assert (
        a.output_schema().names == b.output_schema().names == ["a_u", "b_k", "a_v", "b_j", "b_i", "c"]
    )  # input-column order
    assert a.columns_ == b.columns_ and a.codes_ == b.codes_


# -- OrdinalEncoder -------------------------------------------------------------------------


def test_ordinal_values():
    enc = OrdinalEncoder().learn_many(_records())
    out, schema = enc.transform_many([*_records(), {"proto": "gre", "bytes": 6.0}])
    assert schema.names == ["proto", "bytes"] and schema.kinds == ["num", "num"]
    np.testing.assert_array_equal(out[:, 0], [0.0, 1.0, 0.0, NAN, 2.0, -1.0])
    np.testing.assert_array_equal(out[:, 1], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def test_ordinal_order_of_learning_not_of_schema_codes():
    enc = OrdinalEncoder(unknown_value=NAN)
    enc.transform_one({"p": "late"})  # the schema codes "late" as 0 but it is not learned
    enc.learn_one({"p": "first"}).learn_one({"p": "late"})
    assert enc.transform_one({"p": "first"}) == {"p": 0.0}
    assert enc.transform_one({"p": "late"}) == {"p": 1.0}
    assert enc.transform_one({"p": "never"}) == {}  # unknown_value NaN: missing


def test_ordinal_prequential_by_hand():
    enc = OrdinalEncoder(unknown_value=-5.0)
    s = Schema([("p", "cat"), "x"])
    X = s.rows([{"p": "a", "x": 1.0}, {"p": "b"}, {"p": "a"}, {"x": 2.0}, {"p": "b"}])
    A = enc._rows(X, s)
    pred, learn = enc._prequential(A, A)
    np.testing.assert_array_equal(pred[:, 0], [-5.0, -5.0, 0.0, NAN, 1.0])
    np.testing.assert_array_equal(learn[:, 0], [0.0, 1.0, 0.0, NAN, 1.0])
    np.testing.assert_array_equal(learn[:, 1], [1.0, NAN, NAN, 2.0, NAN])
    assert enc.order_ == [[0, 1], []]


# -- FeatureHasher --------------------------------------------------------------------------


def _bucket(key: str, n: int) -> tuple[int, float]:
    h = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
    return h % n, (-1.0 if h >> 63 else 1.0)


def test_feature_hasher_values_by_formula():
    n = 32
    hasher = FeatureHasher(n_features=n)
    out = hasher.transform_one({"proto": "tcp", "bytes": 3.5, "port": None})
    expected = np.zeros(n)
    b, s = _bucket("proto=tcp", n)
    expected[b] += s
    b, s = _bucket("bytes", n)
    expected[b] += s * 3.5
    got = np.array([out[f"hash_{k}"] for k in range(n)])
    np.testing.assert_array_equal(got, expected)
    assert hasher.output_schema().names == [f"hash_{k}" for k in range(n)]


def test_feature_hasher_collisions_sum_and_signs():
    hasher = FeatureHasher(n_features=1, alternate_sign=False)
    assert hasher.transform_one({"a": "x", "b": "y", "c": 2.5}) == {"hash_0": 4.5}
    signed = FeatureHasher(n_features=1)
    s_ax, s_c = _bucket("a=x", 1)[1], _bucket("c", 1)[1]
    assert signed.transform_one({"a": "x", "c": 2.5}) == {"hash_0": s_ax + 2.5 * s_c}


def test_feature_hasher_is_stable_across_processes():
    code = (
        "from streamlearn.preprocessing.feature_hasher import stable_hash;"
        "print(stable_hash('proto=tcp'), stable_hash('bytes'))"
    )
    outs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outs.add(res.stdout.strip())
    assert outs == {f"{stable_hash('proto=tcp')} {stable_hash('bytes')}"}


def test_feature_hasher_learns_nothing_and_is_order_free():
    recs = [{"p": "a", "x": 1.0}, {"p": "b", "x": -2.0}, {"p": None, "x": None}]
    h = FeatureHasher(n_features=8)
    before, _ = h.transform_many(recs)
    h.learn_many(recs)
    after, _ = h.transform_many(recs)
    np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(after[2], np.zeros(8))  # missing values contribute nothing
    rev, _ = FeatureHasher(n_features=8).transform_many(recs[::-1])
    np.testing.assert_array_equal(rev[::-1], after)


@pytest.mark.parametrize("value", ["tcp", 6.0])
def test_feature_hasher_key_formats(value):
    from streamlearn.preprocessing.feature_hasher import feature_key

    assert feature_key("proto", value) == f"proto={value}"
    assert feature_key(3) == "3"
