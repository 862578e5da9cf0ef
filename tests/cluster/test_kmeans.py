"""KMeans: Spark's streaming update rule against hand computations, dying clusters, modes, state."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.errors import InvalidParameterError
from streamlearn.cluster import KMeans

BATCH = np.array([[1.0, 1.0], [2.0, 0.0], [9.0, 11.0]])


def primed(**params) -> KMeans:
    """A model whose centres and weights are set by hand: c0 = (0, 0) n0 = 4, c1 = (10, 10) n1 = 2."""
    model = KMeans(n_clusters=2, seed=0, **params)
    model.predict_many(np.zeros((1, 2)))  # builds the (random) state for two columns
    model.centers_ = np.array([[0.0, 0.0], [10.0, 10.0]])
    model.weights_ = np.array([4.0, 2.0])
    return model


def hand_batch(a: float) -> tuple[np.ndarray, np.ndarray]:
    """c' = (c n a + sum) / (n a + m), n' = n a + m; rows 0, 1 go to c0 and row 2 to c1."""
    c0 = (np.array([0.0, 0.0]) * 4 * a + BATCH[0] + BATCH[1]) / (4 * a + 2)
    c1 = (np.array([10.0, 10.0]) * 2 * a + BATCH[2]) / (2 * a + 1)
    return np.array([c0, c1]), np.array([4 * a + 2, 2 * a + 1])


@pytest.mark.parametrize(
    ("params", "a"),
    [({}, 1.0), ({"decay_factor": 0.5}, 0.5), ({"half_life": 2.0}, 2**-0.5), ({"decay_factor": 0.0}, 0.0)],
)
def test_batch_update_matches_hand_computation(params, a):
    model = primed(**params)
    assert model.decay == pytest.approx(a, rel=1e-15)
    model.learn_many(BATCH)
    centers, weights = hand_batch(a)
    np.testing.assert_allclose(model.centers_, centers, rtol=1e-14)
    np.testing.assert_allclose(model.weights_, weights, rtol=1e-14)


def test_decay_one_gives_running_means():
    model = primed()
    model.learn_many(BATCH)
    np.testing.assert_allclose(model.centers_, [[0.5, 1 / 6], [29 / 3, 31 / 3]], rtol=1e-14)
    assert model.weights_.tolist() == [6.0, 3.0]


def test_points_mode_updates_each_record_with_discount_a():
    model = primed(decay_factor=0.5, time_unit="points")
    model.learn_many(BATCH)
    # by hand, one point at a time with a = 0.5:
    #   (1, 1)  -> c0: n = (2, 1),      c0 = (1, 1) / 3,                 n0 = 3
    #   (2, 0)  -> c0: n = (1.5, 0.5),  c0 = (c0 * 1.5 + (2, 0)) / 2.5,  n0 = 2.5
    #   (9, 11) -> c1: n = (1.25, .25), c1 = ((10, 10) * .25 + (9, 11)) / 1.25, n1 = 1.25
    np.testing.assert_allclose(model.centers_, [[1.0, 0.2], [9.2, 10.8]], rtol=1e-14)
    np.testing.assert_allclose(model.weights_, [1.25, 1.25], rtol=1e-14)
    # the old weights were discounted by a ** 3 over the batch, as Spark's "points" unit does
    assert model.weights_.sum() == pytest.approx((4 + 2) * 0.5**3 + (0.5**2 + 0.5 + 1), rel=1e-14)


def test_half_life_halves_old_weight_after_h_units():
    model = primed(half_life=3.0, time_unit="points")
    for _ in range(3):
        model.learn_one({0: 10.0, 1: 10.0})  # all to c1: c0 only decays
    assert model.weights_[0] == pytest.approx(2.0, rel=1e-14)
    assert math.isclose(model.decay**3, 0.5, rel_tol=1e-14)


def test_dying_cluster_is_split_from_the_largest():
    model = primed()
    model.weights_ = np.array([1e9, 1.0])
    model.learn_many(np.array([[0.0, 0.0]]))
    # weights (1e9 + 1, 1): 1 < 1e-8 * (1e9 + 1), so cluster 1 dies and cluster 0 splits
    w = (1e9 + 1 + 1) / 2
    assert model.weights_.tolist() == [w, w]
    assert model.centers_.tolist() == [[1e-14, 1e-14], [-1e-14, -1e-14]]
    # relative perturbation for large coordinates
    model = primed()
    model.centers_ = np.array([[500.0, -3.0], [10.0, 10.0]])
    model.weights_ = np.array([1e9, 1.0])
    model.learn_many(np.array([[500.0, -3.0]]))
    np.testing.assert_array_equal(
        model.centers_, [[500.0 + 5e-12, -3.0 + 3e-14], [500.0 - 5e-12, -3.0 - 3e-14]]
    )


def test_split_clusters_separate_with_new_data():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(-5, 0.1, (300, 2)), rng.normal(5, 0.1, (300, 2))])
    model = KMeans(n_clusters=2, seed=0)  # batches: the first batch lands on one centre
    for batch in np.array_split(rng.permutation(X), 20):
        model.learn_many(batch)
    assert model.predict_one({0: -5.0, 1: -5.0}) != model.predict_one({0: 5.0, 1: 5.0})


def test_initial_centres_come_from_the_seed():
    a, b, c = KMeans(n_clusters=3, seed=11), KMeans(n_clusters=3, seed=11), KMeans(n_clusters=3, seed=12)
    for m in (a, b, c):
        assert m.predict_one({"x": 1.0, "y": 2.0}) == -1  # nothing learned yet
    expected = np.random.default_rng(11)
    np.testing.assert_array_equal(a.centers_[:, 0], expected.standard_normal(3))
    np.testing.assert_array_equal(a.centers_[:, 1], expected.standard_normal(3))
    assert digest(a) == digest(b) != digest(c)
    X = np.random.default_rng(0).random((50, 2))
    for m in (a, b):
        m.learn_many(X)
    assert digest(a) == digest(b)


def test_missing_values_move_only_observed_coordinates():
    model = primed()
    model.learn_many(np.array([[np.nan, 4.0], [1.0, np.nan]]))  # both nearest to c0
    # c0: coordinate 0 sees one value (1), coordinate 1 one value (4); n0 = 4 + 2
    np.testing.assert_allclose(model.centers_[0], [1 / 5, 4 / 5])
    assert model.weights_.tolist() == [6.0, 2.0]
    before = digest(model)
    assert model.predict_many(np.full((1, 2), np.nan)).tolist() == [-1]
    model.learn_many(np.full((3, 2), np.nan))  # nothing observed: nothing learned
    assert digest(model) == before


def test_points_mode_learn_many_equals_learn_one_and_test_then_train():
    rng = np.random.default_rng(3)
    X = rng.normal(0, 3, (400, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    loop = KMeans(n_clusters=4, time_unit="points", half_life=50.0, seed=5)
    assert loop.learns_per_record
    expected = []
    for row in X:
        x = {j: v for j, v in enumerate(row) if v == v}
        expected.append(loop.predict_one(x))
        loop.learn_one(x)
    batch = KMeans(n_clusters=4, time_unit="points", half_life=50.0, seed=5)
    got = np.concatenate([batch.test_then_train_many(X[:150]), batch.test_then_train_many(X[150:])])
    assert got.tolist() == expected
    assert expected[0] == -1 and min(expected[1:]) >= 0
    assert digest(batch) == digest(loop)
    many = KMeans(n_clusters=4, time_unit="points", half_life=50.0, seed=5).learn_many(X)
    assert digest(many) == digest(loop)


def test_batches_mode_is_one_update_per_batch():
    rng = np.random.default_rng(4)
    X = rng.normal(0, 3, (100, 2))
    model = KMeans(n_clusters=3, seed=2)
    assert not model.learns_per_record
    many = model.clone().learn_many(X)
    loop = model.clone()
    for row in X:
        loop.learn_one({0: row[0], 1: row[1]})
    assert digest(many) != digest(loop)
    # test-then-train on a batch: predict it with the state before, then learn it
    ttt, ref = model.clone(), model.clone()
    ref.learn_many(X[:50])
    ttt.learn_many(X[:50])
    expected = ref.predict_many(X[50:])
    ref.learn_many(X[50:])
    assert ttt.test_then_train_many(X[50:]).tolist() == expected.tolist()
    assert digest(ttt) == digest(ref)


@pytest.mark.parametrize("time_unit", ["batches", "points"])
def test_save_load_continues_identically(time_unit, tmp_path):
    rng = np.random.default_rng(6)
    X = rng.normal(0, 2, (300, 3))
    model = KMeans(n_clusters=3, decay_factor=0.9, time_unit=time_unit, seed=8)
    model.learn_many(X[:100])
    save(model, tmp_path / "km.npz")
    twin = load(tmp_path / "km.npz")
    assert digest(twin) == digest(model)
    for part in (X[100:200], X[200:]):
        assert twin.predict_many(part).tolist() == model.predict_many(part).tolist()
        model.learn_many(part)
        twin.learn_many(part)
    # a column that appears after loading draws the same centre coordinates
    model.learn_one({0: 1.0, 1: 1.0, 2: 1.0, "new": 3.0})
    twin.learn_one({0: 1.0, 1: 1.0, 2: 1.0, "new": 3.0})
    assert digest(twin) == digest(model)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"n_clusters": 0}, "n_clusters"),
        ({"n_clusters": 2.5}, "n_clusters"),
        ({"decay_factor": 1.5}, "decay_factor"),
        ({"decay_factor": -0.1}, "decay_factor"),
        ({"half_life": 0.0}, "half_life"),
        ({"time_unit": "seconds"}, "time_unit"),
        ({"seed": -1}, "seed"),
        ({"decay_factor": 0.5, "half_life": 10.0}, "half_life"),
    ],
)
def test_bad_params(params, name):
    with pytest.raises(InvalidParameterError, match=repr(name)):
        KMeans(**params)
