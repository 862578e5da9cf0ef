"""CluStream: cluster feature vectors by hand, the boundary and deletion rules, macro clusters, state."""

from __future__ import annotations

import math
import os
import statistics
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.errors import InvalidParameterError
from streamlearn.cluster import CluStream
from streamlearn.cluster.clustream import _inv_normal_cdf


def ari(a, b) -> float:
    """Adjusted Rand index (Hubert and Arabie 1985) from the contingency table."""
    _, a = np.unique(np.asarray(a), return_inverse=True)
    _, b = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    pairs = lambda v: float((v * (v - 1) / 2).sum())  # noqa: E731
    index, rows, cols, total = (
        pairs(table),
        pairs(table.sum(1)),
        pairs(table.sum(0)),
        len(a) * (len(a) - 1) / 2,
    )
    expected = rows * cols / total
    return (index - expected) / ((rows + cols) / 2 - expected)


def test_ari_helper_against_hand_value():
    # contingency [[2, 1, 0], [0, 1, 2]]: index 2, rows 6, cols 3, C(6, 2) = 15 -> (2 - 1.2) / (4.5 - 1.2)
    assert ari([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(0.8 / 3.3, rel=1e-12)
    assert ari([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0


def blobs(rng, centres, n, sd=1.0):
    labels = rng.integers(0, len(centres), n)
    return centres[labels] + rng.normal(0.0, sd, (n, centres.shape[1])), labels


CENTRES = np.array([[0.0] * 5, [12.0, 0, 0, 0, 0], [0.0, 12.0, 0, 0, 0]])


@pytest.mark.parametrize("macro_every", [None, 50])
def test_macro_clusters_recover_three_blobs(macro_every):
    rng = np.random.default_rng(0)
    X, labels = blobs(rng, CENTRES, 6000)
    model = CluStream(
        n_macro_clusters=3, max_micro_clusters=40, init_points=300, macro_every=macro_every, seed=3
    )
    out = model.test_then_train_many(X)
    assert (out[:299] == -1).all()  # buffering: nothing learned yet
    assert ari(out[3000:], labels[3000:]) >= 0.9
    assert ari(model.predict_many(X), labels) >= 0.9
    centres = model.macro_centers
    assert centres.shape == (3, 5)
    # each macro centre sits on one blob centre
    gap = np.linalg.norm(centres[:, None, :] - CENTRES[None], axis=2)
    assert sorted(gap.argmin(1).tolist()) == [0, 1, 2]
    assert gap.min(1).max() < 0.5


def test_micro_cluster_count_is_bounded_and_counts_add_up():
    rng = np.random.default_rng(1)
    X, _ = blobs(rng, CENTRES, 4000, sd=2.0)
    for window in (200, 10**9):  # with deletions / merges only
        model = CluStream(max_micro_clusters=25, init_points=100, time_window=window, seed=0)
        for chunk in np.array_split(X, 40):
            model.learn_many(chunk)
            assert model.n_micro_clusters <= 25
        assert model.n_micro_clusters == 25
        assert model.time_ == 4000
    # without deletions every point is in exactly one micro-cluster (merges add the vectors up)
    assert model.n_.sum() == 4000
    np.testing.assert_allclose(model.ls_.sum(0), X.sum(0), rtol=1e-9)
    np.testing.assert_allclose(model.ss_.sum(0), (X * X).sum(0), rtol=1e-9)
    assert model.lt_.sum() == sum(range(1, 4001))
    assert model.st_.sum() == sum(t * t for t in range(1, 4001))


def one_d(**params) -> CluStream:
    """Two one-point micro-clusters from the buffer: 0.0 (time 1, slot 0) and 10.0 (time 2, slot 1)."""
    model = CluStream(max_micro_clusters=2, init_points=2, seed=0, **params)
    model.learn_many(np.array([[0.0], [10.0]]))
    assert model.n_.tolist() == [1.0, 1.0] and model.ls_[:, 0].tolist() == [0.0, 10.0]
    return model


def test_absorption_and_boundaries_by_hand():
    model = one_d(time_window=100, max_radius_factor=2.0)
    # 1.0 at t=3: the nearest is 0.0; no micro-cluster has two points yet, so the boundary of a
    # one-point micro-cluster is the distance to the nearest other centre, 10 -> absorbed
    model.learn_one({0: 1.0})
    assert model.n_.tolist() == [2.0, 1.0]
    assert model.ls_[0, 0] == 1.0 and model.ss_[0, 0] == 1.0
    assert model.lt_[0] == 1 + 3 and model.st_[0] == 1 + 9
    # 1.9 at t=4: centre 0.5, RMS deviation sqrt(1/2 - 1/4) = 0.5, boundary 2 * 0.5 = 1 < 1.4
    # no free slot, every relevance stamp (mean time, N < 2m) is newer than 4 - 100: merge the
    # two closest (slots 0 and 1) into slot 0, the point starts slot 1
    model.learn_one({0: 1.9})
    assert model.n_.tolist() == [3.0, 1.0]
    assert model.ls_[:, 0].tolist() == [11.0, 1.9]
    assert model.ss_[:, 0].tolist() == [101.0, 1.9**2]
    assert model.lt_.tolist() == [1 + 3 + 2, 4] and model.st_.tolist() == [1 + 9 + 4, 16]
    assert model.born_.tolist() == [1.0, 4.0]
    # -1.0 at t=5: nearest is slot 1 (one point, centre 1.9, distance 2.9): its boundary is r = 1 times
    # the boundary of the nearest micro-cluster with more points, slot 0: 2 * sqrt(101/3 - (11/3)^2) = 8.99
    # -> absorbed (the distance to the nearest other centre, 1.77, would not have taken it)
    assert math.dist([-1.0], [11 / 3]) > math.dist([-1.0], [1.9]) > math.dist([1.9], [11 / 3])
    assert 2 * math.sqrt(101 / 3 - (11 / 3) ** 2) > 2.9
    model.learn_one({0: -1.0})
    assert model.n_.tolist() == [3.0, 2.0] and model.ls_[1, 0] == pytest.approx(0.9, rel=1e-15)


def test_old_micro_cluster_is_deleted_instead_of_merged():
    model = one_d(time_window=1)
    model.learn_one({0: 1.0})  # t=3 -> slot 0: N=2, mean time 2; slot 1: time 2
    # 4.0 at t=4 does not fit slot 0 (boundary 1); stamps are 2.0 and 2.0 < 4 - 1: the first
    # (slot 0) is deleted and replaced by the point
    model.learn_one({0: 4.0})
    assert model.n_.tolist() == [1.0, 1.0]
    assert model.ls_[:, 0].tolist() == [4.0, 10.0]
    assert model.lt_.tolist() == [4.0, 2.0]


def primed_relevance(window: int) -> CluStream:
    """Slot 0: 10 points at 0 +- 1, times of mean 50 and deviation 10; slot 1: one point (10.0 at 45)."""
    model = one_d(time_window=window)
    model.n_[:] = [10.0, 1.0]
    model.ls_[:, 0] = [0.0, 10.0]
    model.ss_[:, 0] = [10.0, 100.0]
    model.lt_[:] = [500.0, 45.0]
    model.st_[:] = [10 * (100 + 2500), 45.0**2]
    model.time_ = 99
    return model


def test_relevance_stamp_uses_the_recent_tail():
    # m = max_micro_clusters = 2 and N = 10 >= 2m: stamp = 50 + 10 * Phi^-1(1 - 2/20) = 62.8
    # (the older tail would give 37.2); slot 1 (N = 1) has stamp 45
    z = statistics.NormalDist().inv_cdf(1 - 2 / 20)
    assert 50 + 10 * z > 45 > 50 - 10 * z
    model = primed_relevance(window=50)  # 100.0 at t=100: threshold 50, the least relevant is slot 1
    model.learn_one({0: 100.0})
    assert model.n_.tolist() == [10.0, 1.0] and model.ls_[:, 0].tolist() == [0.0, 100.0]
    model = primed_relevance(window=60)  # threshold 40 < 45: nothing is old enough, merge instead
    model.learn_one({0: 100.0})
    assert model.n_.tolist() == [11.0, 1.0] and model.ls_[:, 0].tolist() == [10.0, 100.0]


def test_inverse_normal_cdf():
    for p in (1e-6, 0.01, 0.02425, 0.1, 0.5, 0.75, 0.9, 0.99, 1 - 1e-6):
        assert _inv_normal_cdf(p) == pytest.approx(statistics.NormalDist().inv_cdf(p), rel=2e-9, abs=1e-9)


def test_old_blobs_are_forgotten_after_they_move():
    rng = np.random.default_rng(3)
    old = CENTRES[:, :4]
    new = old + 30.0
    X1, _ = blobs(rng, old, 5000)
    X2, l2 = blobs(rng, new, 6000)
    model = CluStream(n_macro_clusters=3, max_micro_clusters=50, time_window=1000, init_points=500, seed=0)
    model.learn_many(X1)

    def near_old() -> int:
        gaps = np.linalg.norm(model.micro_cluster_centers[:, None] - old[None], axis=2)
        return int((gaps.min(1) < 10).sum())

    assert near_old() == 50
    model.learn_many(X2[:3000])
    assert near_old() == 0  # every old micro-cluster was deleted (relevance stamp older than the window)
    gap = np.linalg.norm(model.macro_centers[:, None] - new[None], axis=2)
    assert sorted(gap.argmin(1).tolist()) == [0, 1, 2] and gap.min(1).max() < 0.5
    model.learn_many(X2[3000:])
    assert ari(model.predict_many(X2), l2) >= 0.9


@pytest.mark.parametrize("macro_every", [None, 3])
def test_batch_equals_one_at_a_time(macro_every):
    rng = np.random.default_rng(4)
    X, _ = blobs(rng, CENTRES[:, :3], 400)
    X[rng.random(X.shape) < 0.05] = np.nan
    X[7] = np.nan
    params = {"n_macro_clusters": 3, "max_micro_clusters": 12, "init_points": 30, "time_window": 40}
    batch = CluStream(macro_every=macro_every, seed=5, **params)
    loop = CluStream(macro_every=macro_every, seed=5, **params)
    got = np.concatenate([batch.test_then_train_many(X[:150]), batch.test_then_train_many(X[150:])])
    expected = []
    for row in X:
        x = {j: v for j, v in enumerate(row)}
        expected.append(loop.predict_one(x))
        loop.learn_one(x)
    assert got.tolist() == expected
    assert digest(batch) == digest(loop)
    assert got[7] == -1 and loop.n_skipped_ == batch.n_skipped_ >= 1


def test_macro_every_stores_the_current_clustering_at_its_multiples():
    rng = np.random.default_rng(6)
    X, _ = blobs(rng, CENTRES, 1000)
    every = CluStream(n_macro_clusters=3, max_micro_clusters=20, init_points=100, macro_every=100, seed=2)
    lazy = CluStream(n_macro_clusters=3, max_micro_clusters=20, init_points=100, seed=2)
    every.learn_many(X[:700])
    lazy.learn_many(X[:700])
    np.testing.assert_array_equal(every.ls_, lazy.ls_)  # the macro mode does not change the micro-clusters
    np.testing.assert_array_equal(every.macro_centers, lazy.macro_centers)
    every.learn_many(X[700:750])
    lazy.learn_many(X[700:750])
    stored = every.macro_centers
    assert not np.array_equal(stored, lazy.macro_centers)  # still those of row 700
    every.learn_many(X[750:800])
    lazy.learn_many(X[750:800])
    np.testing.assert_array_equal(every.macro_centers, lazy.macro_centers)


def test_same_seed_same_model_and_predictions_stable_across_calls():
    rng = np.random.default_rng(7)
    X, _ = blobs(rng, CENTRES, 800)
    a = CluStream(n_macro_clusters=3, max_micro_clusters=15, init_points=50, seed=11).learn_many(X)
    b = CluStream(n_macro_clusters=3, max_micro_clusters=15, init_points=50, seed=11).learn_many(X)
    assert digest(a) == digest(b)
    first = a.predict_many(X)
    np.testing.assert_array_equal(first, a.predict_many(X))
    np.testing.assert_array_equal(first, b.predict_many(X))


def test_save_load_continues_identically():
    rng = np.random.default_rng(8)
    X, _ = blobs(rng, CENTRES, 900)
    model = CluStream(n_macro_clusters=3, max_micro_clusters=15, init_points=50, time_window=100, seed=4)
    model.learn_many(X[:400])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    np.testing.assert_array_equal(twin.predict_many(X), model.predict_many(X))
    np.testing.assert_array_equal(twin.test_then_train_many(X[400:]), model.test_then_train_many(X[400:]))
    assert digest(twin) == digest(model)


def test_save_load_while_buffering():
    X = np.arange(30.0).reshape(15, 2)
    model = CluStream(init_points=10, max_micro_clusters=4, seed=0).learn_many(X[:6])
    with tempfile.TemporaryDirectory() as d:
        save(model, os.path.join(d, "m.npz"))
        twin = load(os.path.join(d, "m.npz"))
    assert twin.predict_one({0: 1.0, 1: 2.0}) == -1
    for m in (model, twin):
        m.learn_many(X[6:])
    assert digest(twin) == digest(model) and twin.initialised_


def test_missing_values():
    model = one_d()
    # an all-missing record is not learned, time advances, prediction is -1
    model.learn_one({})
    assert model.time_ == 3 and model.n_skipped_ == 1 and model.n_.sum() == 2
    assert model.predict_one({}) == -1
    # a new column: old micro-clusters count it as 0; its value is learned from now on
    model.learn_one({0: 0.0, 1: 0.5})
    assert (
        model.ls_.shape == (2, 2) and model.n_.tolist() == [2.0, 1.0] and model.ls_[0].tolist() == [0.0, 0.5]
    )
    # a missing feature takes the nearest micro-cluster's centre (0.25 in column 1)
    model.learn_one({0: 0.2})
    assert model.n_.tolist() == [3.0, 1.0]
    assert model.ls_[0].tolist() == [0.2, 0.75]
    np.testing.assert_allclose(model.ss_[0], [0.04, 0.25 + 0.0625], rtol=1e-15)
    # predictions use the observed features only (centres: (0.2/3, 0.25) and (10, 0))
    assert model.predict_one({1: 0.3}) == model.predict_one({0: 0.1}) != model.predict_one({0: 9.0})


def test_predict_before_learning_and_while_buffering():
    model = CluStream(init_points=5, seed=0)
    assert model.predict_one({"a": 1.0}) == -1
    model.learn_many(np.ones((4, 1)))
    assert model.predict_many(np.ones((3, 1))).tolist() == [-1, -1, -1]
    assert len(model.macro_centers) == 0 and not model.initialised_


def test_numbering_follows_the_age_of_clusters():
    rng = np.random.default_rng(9)
    # the blob at 12 on the second axis arrives first, so it is macro cluster 0
    first, _ = blobs(rng, CENTRES[2:], 60)
    X, _ = blobs(rng, CENTRES, 2000)
    model = CluStream(n_macro_clusters=3, max_micro_clusters=20, init_points=60, seed=0)
    model.learn_many(first)
    model.learn_many(X)
    assert model.predict_one({0: 0.0, 1: 12.0, 2: 0.0, 3: 0.0, 4: 0.0}) == 0


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("n_macro_clusters", 0),
        ("max_micro_clusters", 1),
        ("time_window", 0),
        ("max_radius_factor", 0.0),
        ("micro_cluster_r_factor", -1.0),
        ("init_points", 0),
        ("macro_every", 0),
        ("n_init", 0),
        ("seed", -1),
        ("n_macro_clusters", 2.5),
    ],
)
def test_bad_params(param, value):
    with pytest.raises(InvalidParameterError, match=repr(param)):
        CluStream(**{param: value})
