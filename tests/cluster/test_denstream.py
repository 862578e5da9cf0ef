"""DenStream: faded cluster features by hand, pruning, the offline DBSCAN, blobs, change, state."""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.errors import InvalidParameterError
from streamlearn.cluster import DenStream
from streamlearn.cluster.denstream import OUTLIER, POTENTIAL


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


def blobs(rng, centres, n, sd=1.0):
    labels = rng.integers(0, len(centres), n)
    return centres[labels] + rng.normal(0.0, sd, (n, centres.shape[1])), labels


CENTRES = np.array([[0.0] * 5, [12.0, 0, 0, 0, 0], [0.0, 12.0, 0, 0, 0]])
BLOB_PARAMS = {"decaying_factor": 0.005, "beta": 0.3, "mu": 10.0, "epsilon": 2.0, "n_samples_init": 300}


def fade(dt: float, lam: float = 0.1) -> float:
    return 2.0 ** (-lam * dt)


def test_time_period():
    # T_p = ceil(log2(beta mu / (beta mu - 1)) / lambda)
    assert DenStream(decaying_factor=0.1, beta=0.5, mu=3.0).time_period == math.ceil(10 * math.log2(3)) == 16
    assert DenStream().time_period == 1000  # beta mu = 2: log2(2) / 0.001


def small() -> DenStream:
    """lambda = 0.1, beta mu = 1.5, mu = 3, eps = 0.5; buffered 0.0, 0.1, 0.2 at t = 1, 2, 3."""
    model = DenStream(decaying_factor=0.1, beta=0.5, mu=3.0, epsilon=0.5, n_samples_init=3)
    model.learn_many(np.array([[0.0], [0.1], [0.2]]))
    return model


def test_initial_dbscan_and_merges_by_hand():
    model = small()
    # the first point's eps-neighbourhood holds all three, weighing 2^-0.2 + 2^-0.1 + 1 >= 1.5
    w = fade(2) + fade(1) + 1
    cf1, cf2 = fade(1) * 0.1 + 0.2, fade(1) * 0.01 + 0.04
    assert model.initialised_ and model.n_potential == 1 and model.n_outlier == 0
    assert model.weights_[0] == pytest.approx(w, rel=1e-14)
    assert model.cf1_[0, 0] == pytest.approx(cf1, rel=1e-14)
    assert model.cf2_[0, 0] == pytest.approx(cf2, rel=1e-14)
    assert model.updated_[0] == 3 and model.created_[0] == 1
    # 0.3 at t = 4: faded by 2^-0.1, the radius stays below eps: merged
    model.learn_one({0: 0.3})
    w, cf1, cf2 = w * fade(1) + 1, cf1 * fade(1) + 0.3, cf2 * fade(1) + 0.09
    assert math.sqrt(cf2 / w - (cf1 / w) ** 2) <= 0.5
    assert model.weights_[0] == pytest.approx(w, rel=1e-14)
    assert model.cf1_[0, 0] == pytest.approx(cf1, rel=1e-14)
    # 5.0 at t = 5: too far for the p-micro-cluster, no o-micro-cluster: a new one
    model.learn_one({0: 5.0})
    assert model.kind_[:2].tolist() == [POTENTIAL, OUTLIER]
    assert model.weights_[1] == 1.0 and model.cf1_[1, 0] == 5.0 and model.created_[1] == 5
    # 5.2 at t = 6 joins it: weight 2^-0.1 + 1 > 1.5 makes it a p-micro-cluster
    model.learn_one({0: 5.2})
    assert model.kind_[:2].tolist() == [POTENTIAL, POTENTIAL]
    assert model.weights_[1] == pytest.approx(fade(1) + 1, rel=1e-14)
    assert model.cf2_[1, 0] == pytest.approx(25 * fade(1) + 5.2**2, rel=1e-14)
    # offline, at t = 6: the first weighs (w 2^-0.2) >= mu = 3, a core; the second (1.93) is not a core
    # and has no core within 2 eps = 1: noise
    assert w * fade(2) >= 3 > model.weights_[1]
    assert model.predict_many(np.array([[0.1], [5.1], [100.0]])).tolist() == [0, -1, -1]
    assert model.n_clusters == 1


def test_pruning_by_hand():
    model = small()  # T_p = 16
    model.learn_one({0: 0.3})  # t = 4: p-micro-cluster of weight w4
    w4 = (fade(2) + fade(1) + 1) * fade(1) + 1
    model.learn_one({0: 5.0})  # t = 5: o-micro-cluster created at 5
    model.learn_many(np.full((7, 1), np.nan))  # t = 6..12 (not learned, time goes on)
    model.learn_one({0: 9.0})  # t = 13: o-micro-cluster created at 13
    model.learn_one({0: 9.1})  # t = 14: joins it, 2^-0.1 + 1 > 1.5: a p-micro-cluster
    model.learn_one({0: 20.0})  # t = 15: o-micro-cluster created at 15
    assert model.kind_[:4].tolist() == [POTENTIAL, OUTLIER, POTENTIAL, OUTLIER]
    assert model.n_skipped_ == 7
    model.learn_one({})  # t = 16 = T_p: pruning

    def xi(t0: float, t: float = 16, tp: float = 16) -> float:
        return (fade(t - t0 + tp) - 1) / (fade(tp) - 1)

    # p: weights at 16 against beta mu = 1.5; o: against xi
    assert w4 * fade(12) >= 1.5  # kept
    assert fade(11) < xi(5)  # the o-micro-cluster from t = 5 goes
    assert (fade(1) + 1) * fade(2) >= 1.5  # kept
    assert fade(1) < xi(15)  # a lone point one row old is below xi = 1.03: it goes too
    assert model.kind_[:4].tolist() == [POTENTIAL, 0, POTENTIAL, 0]
    assert model.weights_[1] == 0.0 and model.cf1_[1, 0] == 0.0
    model.learn_many(np.full((16, 1), np.nan))  # t = 32: both p-micro-clusters fell below 1.5
    assert w4 * fade(28) < 1.5 and (fade(1) + 1) * fade(18) < 1.5
    assert model.n_potential == 0 and model.predict_one({0: 0.0}) == -1


def hand_state(**params) -> DenStream:
    """p-micro-clusters set by hand (eps = 1, mu = 4, no fading since the last update)."""
    model = DenStream(decaying_factor=0.01, beta=0.5, mu=4.0, epsilon=1.0, n_samples_init=1, **params)
    model.learn_one({0: 50.0, 1: 50.0})  # initialises, making nothing (one point weighs 1 < 2)
    assert model.initialised_ and model.n_potential + model.n_outlier == 0
    slots = [  # centre, weight, kind, created
        ((0.0, 0.0), 5.0, POTENTIAL, 3.0),  # core
        ((1.5, 0.0), 2.0, POTENTIAL, 1.0),  # border of the first
        ((3.0, 0.0), 5.0, POTENTIAL, 4.0),  # core, 1.5 from the border but 3 from the first core
        ((10.0, 0.0), 2.0, POTENTIAL, 0.0),  # isolated, not a core: noise
        ((3.0, 1.5), 4.5, POTENTIAL, 2.0),  # core next to the third
        ((20.0, 0.0), 1.0, OUTLIER, 1.0),  # not part of the clustering
    ]
    for s, (c, w, kind, created) in enumerate(slots):
        model.kind_[s] = kind
        model.weights_[s] = w
        model.cf1_[s] = np.array(c) * w
        model.cf2_[s] = np.array(c) ** 2 * w
        model.updated_[s] = model.time_
        model.created_[s] = created
    return model


def test_offline_dbscan_by_hand():
    model = hand_state()
    Q = np.array([[0.1, 0.0], [1.4, 0.0], [3.1, 0.2], [3.0, 1.4], [9.0, 0.0], [20.0, 0.0], [np.nan, np.nan]])
    # clusters {(0,0), (1.5,0)} (oldest member created at 1) and {(3,0), (3,1.5)} (oldest at 2)
    assert model.predict_many(Q).tolist() == [0, 0, 1, 1, -1, -1, -1]
    assert model.n_clusters == 2
    model = hand_state()
    model.created_[4] = 0.5  # now the second cluster is the older
    assert model.predict_many(Q).tolist() == [1, 1, 0, 0, -1, -1, -1]


@pytest.mark.parametrize("macro_every", [None, 50])
def test_clusters_recover_three_blobs(macro_every):
    rng = np.random.default_rng(0)
    X, labels = blobs(rng, CENTRES, 6000)
    model = DenStream(macro_every=macro_every, **BLOB_PARAMS)
    out = model.test_then_train_many(X)
    assert (out[:300] == -1).all()
    assert ari(out[3000:], labels[3000:]) >= 0.9
    assert ari(model.predict_many(X), labels) >= 0.9
    assert model.n_clusters == 3


def test_micro_cluster_counts_are_bounded():
    rng = np.random.default_rng(1)
    X, _ = blobs(rng, CENTRES, 12000, sd=1.5)
    model = DenStream(**BLOB_PARAMS)
    lam, tp, bmu = 0.005, model.time_period, 0.3 * 10.0
    total = 1.0 / (1.0 - 2.0**-lam)  # the most weight a stream can hold, W = sum_k 2^(-lambda k)
    model.learn_many(X[:tp])
    counts = []
    for start in range(tp, len(X) - tp, tp):
        model.learn_many(X[start : start + tp])
        assert model.time_ % tp == 0
        faded = model.weights_ * 2.0 ** (-lam * (model.time_ - model.updated_))
        assert faded[model.kind_ != 0].sum() <= total
        # right after a pruning every p-micro-cluster weighs beta mu or more: at most W / (beta mu)
        assert (faded[model.kind_ == POTENTIAL] >= bmu).all()
        assert model.n_potential <= total / bmu
        counts.append(model.n_potential + model.n_outlier)
    assert max(counts[len(counts) // 2 :]) <= max(counts[: len(counts) // 2]) + 5  # no growth over time


def test_old_clusters_fade_after_blobs_move():
    rng = np.random.default_rng(3)
    old = CENTRES[:, :4]
    new = old + 30.0
    X1, _ = blobs(rng, old, 5000)
    X2, l2 = blobs(rng, new, 6000)
    model = DenStream(decaying_factor=0.002, beta=0.3, mu=10.0, epsilon=2.0, n_samples_init=500)
    model.learn_many(X1)

    def near_old() -> int:
        C = model.micro_cluster_centers("potential")
        return int((np.linalg.norm(C[:, None] - old[None], axis=2).min(1) < 10).sum())

    assert near_old() == model.n_potential > 0
    model.learn_many(X2[:3000])
    assert near_old() == 0  # faded below beta mu and pruned
    model.learn_many(X2[3000:])
    assert model.n_clusters == 3
    assert ari(model.predict_many(X2), l2) >= 0.9


@pytest.mark.parametrize("macro_every", [None, 3])
def test_batch_equals_one_at_a_time(macro_every):
    rng = np.random.default_rng(4)
    X, _ = blobs(rng, CENTRES[:, :3], 500, sd=2.0)
    X[rng.random(X.shape) < 0.05] = np.nan
    X[7] = np.nan
    params = {"decaying_factor": 0.02, "beta": 0.5, "mu": 3.0, "epsilon": 1.0, "n_samples_init": 30}
    batch = DenStream(macro_every=macro_every, **params)
    loop = DenStream(macro_every=macro_every, **params)
    got = np.concatenate([batch.test_then_train_many(X[:150]), batch.test_then_train_many(X[150:])])
    expected = []
    for row in X:
        x = {j: v for j, v in enumerate(row)}
        expected.append(loop.predict_one(x))
        loop.learn_one(x)
    assert got.tolist() == expected
    assert digest(batch) == digest(loop)
    assert len(batch.kind_) > 32  # the slot arrays grew mid-batch
    assert got[7] == -1 and batch.n_skipped_ >= 1
    assert len(set(got.tolist()) - {-1}) >= 2


def test_macro_every_stores_the_current_clustering_at_its_multiples():
    rng = np.random.default_rng(6)
    X, _ = blobs(rng, CENTRES, 1000)
    every = DenStream(macro_every=100, **BLOB_PARAMS)
    lazy = DenStream(**BLOB_PARAMS)
    for m in (every, lazy):
        m.learn_many(X[:700])
    np.testing.assert_array_equal(every.weights_, lazy.weights_)
    Q = X[:200]
    np.testing.assert_array_equal(every.predict_many(Q), lazy.predict_many(Q))
    P, labels, k = lazy._macro_state()
    assert every.n_macro_ == k > 0
    np.testing.assert_array_equal(every.macro_centers_[:k], P[:k])
    np.testing.assert_array_equal(every.macro_labels_[:k], labels[:k])


def test_save_load_continues_identically():
    rng = np.random.default_rng(8)
    X, _ = blobs(rng, CENTRES, 1200)
    model = DenStream(**BLOB_PARAMS)
    model.learn_many(X[:500])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    np.testing.assert_array_equal(twin.predict_many(X), model.predict_many(X))
    np.testing.assert_array_equal(twin.test_then_train_many(X[500:]), model.test_then_train_many(X[500:]))
    assert digest(twin) == digest(model)


def test_missing_values():
    model = small()
    model.learn_one({})  # nothing observed: skipped, time goes on
    assert model.time_ == 4 and model.n_skipped_ == 1 and model.predict_one({}) == -1
    # a new column counts as 0 in the old micro-cluster; a missing value takes the nearest centre
    model.learn_one({0: 0.1, 1: 0.2})  # t = 5
    w = (fade(2) + fade(1) + 1) * fade(2) + 1
    assert model.weights_[0] == pytest.approx(w, rel=1e-14) and model.cf1_[0, 1] == 0.2
    centre1 = 0.2 / w
    model.learn_one({1: np.nan, 0: 0.05})  # t = 6: column 1 imputed with the centre
    assert model.cf1_[0, 1] == pytest.approx(0.2 * fade(1) + centre1, rel=1e-14)
    assert model.predict_one({1: 0.0}) == model.predict_one({0: 0.1}) == 0


def test_before_initialisation():
    model = DenStream(n_samples_init=5)
    assert model.predict_one({"a": 1.0}) == -1
    model.learn_many(np.ones((4, 1)))
    assert model.predict_many(np.ones((2, 1))).tolist() == [-1, -1]
    assert not model.initialised_ and model.n_potential == 0 and model.n_clusters == 0


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("decaying_factor", 0.0),
        ("beta", 0.0),
        ("beta", 1.5),
        ("mu", 1.0),
        ("epsilon", 0.0),
        ("n_samples_init", 0),
        ("macro_every", 0),
        ("epsilon", "1"),
    ],
)
def test_bad_params(param, value):
    with pytest.raises(InvalidParameterError, match=repr(param)):
        DenStream(**{param: value})


def test_beta_times_mu_must_exceed_one():
    with pytest.raises(InvalidParameterError, match="beta \\* mu > 1"):
        DenStream(beta=0.2, mu=5.0)
    DenStream(beta=0.2, mu=5.5)
