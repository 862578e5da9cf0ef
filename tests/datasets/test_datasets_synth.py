"""Synthetic generators: definitions, determinism, batch-size independence, drift."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamlearn.base.errors import InvalidParameterError
from streamlearn.datasets.synth import CHUNK, GENERATORS, SEA, STAGGER, Agrawal, Hyperplane, RandomRBF, Sine
from streamlearn.datasets.synth.base import DYNAMICS
from streamlearn.datasets.synth.rbf import _reflect

N = 20_000


def small(cls, **kw):
    return cls(n_rows=kw.pop("n_rows", N), **kw)


# -- determinism and batch-size independence ------------------------------------------
@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_same_stream_any_batch_size(name):
    cls = GENERATORS[name]
    X, y, schema = small(cls, seed=5, batch_size=10_000).to_arrays()
    for bs in (1_000, 777):
        X2, y2, schema2 = small(cls, seed=5, batch_size=bs).to_arrays()
        assert np.array_equal(X, X2) and np.array_equal(y, y2) and schema == schema2
    X3, _, _ = small(cls, seed=6).to_arrays()
    assert not np.array_equal(X, X3)
    # a shorter stream is a prefix of a longer one
    Xs, ys, _ = small(cls, seed=5, n_rows=CHUNK + 5).to_arrays()
    assert np.array_equal(Xs, X[: CHUNK + 5]) and np.array_equal(ys, y[: CHUNK + 5])
    assert X.dtype == np.float64 and X.shape[0] == N and y.dtype == np.int64


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_batches_and_offsets(name):
    ds = GENERATORS[name](n_rows=2500, batch_size=1000)
    batches = list(ds)
    assert [len(b) for b in batches] == [1000, 1000, 500]
    assert [b.offset for b in batches] == [0, 1000, 2000]
    assert ds.n_rows == 2500 and ds.target == "y"


# -- definitions -----------------------------------------------------------------------
def test_sea_thresholds_and_noise():
    for f, theta in enumerate([8.0, 9.0, 7.0, 9.5]):
        X, y, schema = small(SEA, function=f).to_arrays()
        assert schema.names == ["x1", "x2", "x3"]
        assert X.min() >= 0 and X.max() < 10
        assert np.array_equal(y, (X[:, 0] + X[:, 1] > theta).astype(int))
    X, y, _ = small(SEA, noise=0.2).to_arrays()
    flipped = (y != (X[:, 0] + X[:, 1] > 8)).mean()
    assert abs(flipped - 0.2) < 0.02


def test_sine_functions():
    X, _, _ = small(Sine).to_arrays()
    s1 = X[:, 1] >= np.sin(X[:, 0])
    s2 = X[:, 1] >= 0.5 + 0.3 * np.sin(3 * np.pi * X[:, 0])
    for f, expected in enumerate([s1, ~s1, s2, ~s2]):
        _, y, _ = small(Sine, function=f).to_arrays()
        assert np.array_equal(y, expected.astype(int))
    Xi, _, schema = small(Sine, irrelevant=True).to_arrays()
    assert schema.names == ["x1", "x2", "x3", "x4"] and np.array_equal(Xi[:, :2], X)


def test_stagger_functions_and_categories():
    ds = small(STAGGER)
    X, _, schema = ds.to_arrays()
    assert schema.kinds == ["cat", "cat", "cat"]
    assert schema.categories == [
        ["small", "medium", "large"],
        ["red", "blue", "green"],
        ["circle", "square", "triangle"],
    ]
    size, color, shape = X.T
    rules = [(size == 0) & (color == 0), (color == 2) | (shape == 0), size >= 1]
    for f, rule in enumerate(rules):
        _, y, _ = small(STAGGER, function=f).to_arrays()
        assert np.array_equal(y, rule.astype(int))
    x, y = next(iter(small(STAGGER, function=1, n_rows=1).records()))
    assert y == int(x["color"] == "green" or x["shape"] == "circle")


def _agrawal_reference(f, r):
    """A direct, row-by-row transcription of the ten functions (group A -> 0)."""
    salary, commission, age, elevel, _, _, hvalue, hyears, loan = r
    total = salary + commission

    def between(v, lo, hi):
        return lo <= v <= hi

    band = 0 if age < 40 else (1 if age < 60 else 2)
    if f == 0:
        a = age < 40 or age >= 60
    elif f == 1:
        a = between(salary, *[(50e3, 100e3), (75e3, 125e3), (25e3, 75e3)][band])
    elif f == 2:
        a = elevel in [(0, 1), (1, 2, 3), (2, 3, 4)][band]
    elif f == 3:
        inner = elevel in [(0, 1), (1, 2, 3), (2, 3, 4)][band]
        ranges = [
            ((25e3, 75e3), (50e3, 100e3)),
            ((50e3, 100e3), (75e3, 125e3)),
            ((50e3, 100e3), (25e3, 75e3)),
        ]
        a = between(salary, *ranges[band][0 if inner else 1])
    elif f == 4:
        sal = [(50e3, 100e3), (75e3, 125e3), (25e3, 75e3)][band]
        loans = [
            ((100e3, 300e3), (200e3, 400e3)),
            ((200e3, 400e3), (300e3, 500e3)),
            ((300e3, 500e3), (100e3, 300e3)),
        ]
        a = between(loan, *loans[band][0 if between(salary, *sal) else 1])
    elif f == 5:
        a = between(total, *[(50e3, 100e3), (75e3, 125e3), (25e3, 75e3)][band])
    elif f == 6:
        a = 2 * total / 3 - loan / 5 - 20e3 > 0
    elif f == 7:
        a = 2 * total / 3 - 5e3 * elevel - 20e3 > 0
    elif f == 8:
        a = 2 * total / 3 - 5e3 * elevel - loan / 5 - 10e3 > 0
    else:
        equity = hvalue * (hyears - 20) / 10 if hyears >= 20 else 0.0
        a = 2 * total / 3 - 5e3 * elevel + equity / 5 - 10e3 > 0
    return 0 if a else 1


def test_agrawal_functions_match_a_scalar_reference():
    X, _, schema = small(Agrawal, n_rows=3000).to_arrays()
    assert schema.kinds == ["num", "num", "num", "cat", "cat", "cat", "num", "num", "num"]
    salary, commission, age = X[:, 0], X[:, 1], X[:, 2]
    assert salary.min() >= 20e3 and salary.max() < 150e3
    assert (commission[salary >= 75e3] == 0).all()
    assert age.min() >= 20 and age.max() <= 80 and np.array_equal(age, np.round(age))
    assert set(X[:, 4].tolist()) <= set(range(20))  # car codes 0..19 for cars 1..20
    for f in range(10):
        _, y, _ = small(Agrawal, function=f, n_rows=3000).to_arrays()
        expected = [_agrawal_reference(f, row.tolist()) for row in X]
        assert y.tolist() == expected, f
        assert 0 < y.mean() < 1


def test_agrawal_perturbation_keeps_labels_and_ranges():
    X0, y0, _ = small(Agrawal, n_rows=5000).to_arrays()
    X1, y1, _ = small(Agrawal, n_rows=5000, perturbation=0.2).to_arrays()
    assert np.array_equal(y0, y1)  # labels come from the clean values
    assert not np.array_equal(X0[:, 0], X1[:, 0])
    assert X1[:, 0].min() >= 20e3 and X1[:, 0].max() <= 150e3
    assert np.abs(X1[:, 0] - X0[:, 0]).max() <= 0.2 * 130e3 + 1e-6
    assert np.array_equal(X0[:, 3:6], X1[:, 3:6])  # categorical columns untouched


def test_hyperplane_fixed_and_rotating_match_a_row_by_row_simulation():
    ds = Hyperplane(n_rows=N, n_features=5, noise=0.0, seed=3)
    X, y, _ = ds.to_arrays()
    w = ds.weights(0)
    assert np.array_equal(y, (X @ w >= w.sum() / 2).astype(int))
    # rotating: simulate MOA's loop (label with w, move w, maybe reverse) on the same flips
    ds = Hyperplane(n_rows=2 * CHUNK + 100, n_features=5, n_drift_features=2, mag_change=0.01, sigma=0.1,
                    noise=0.0, seed=3)  # fmt: skip
    X, y, _ = ds.to_arrays()
    weights = ds.weights(0).copy()
    direction = np.ones(2)
    expected = []
    for t in range(len(X)):
        if t % CHUNK == 0:
            flips = ds.rng(t // CHUNK, DYNAMICS).random((CHUNK, 2)) < 0.1
        expected.append(int(X[t] @ weights >= weights.sum() / 2))
        weights[:2] += direction * 0.01
        direction[flips[t % CHUNK]] *= -1
    assert y.tolist() == expected


def test_rbf_reflection_and_moving_centroids():
    assert np.allclose(_reflect(np.array([0.25, 1.25, 2.25, -0.25, 3.5])), [0.25, 0.75, 0.25, 0.25, 0.5])
    still = RandomRBF(n_rows=N, n_features=3, n_centroids=1, speed=0.0, seed=2)
    X, y, _ = still.to_arrays()
    m = still.centroids(0)
    assert len(set(y.tolist())) == 1 and y[0] == m["labels"][0]
    dist = np.linalg.norm(X - m["centres"][0], axis=1)
    assert abs(np.sqrt(np.mean(dist**2)) - m["spread"][0]) < 0.05 * m["spread"][0]
    moving = RandomRBF(n_rows=N, n_features=3, n_centroids=1, speed=0.001, seed=2)
    Xm, _, _ = moving.to_arrays()
    v = moving.centroids(0)["velocity"][0]
    t = np.arange(1, N + 1)[:, None]
    centre = _reflect(m["centres"][0] + t * v)
    assert np.allclose(Xm - centre, X - m["centres"][0])  # same offsets around a moving centre
    assert np.isclose(np.linalg.norm(v), 0.001)


# -- drift -------------------------------------------------------------------------------
CASES = [
    (SEA, {"noise": 0.0}, 0, 2),
    (Sine, {}, 0, 1),
    (STAGGER, {}, 0, 1),
    (Agrawal, {}, 0, 6),
    (Hyperplane, {"noise": 0.0}, 0, 1),
    (RandomRBF, {}, 0, 1),
]


@pytest.mark.parametrize(("cls", "kw", "old", "new"), CASES, ids=[c[0].__name__ for c in CASES])
def test_abrupt_drift_switches_concept_at_position(cls, kw, old, new):
    p = 12_345
    key = cls.concept_param
    X, y, _ = cls(n_rows=N, drifts=[(p, new, 0)], seed=1, **kw).to_arrays()
    Xa, ya, _ = cls(n_rows=N, seed=1, **{key: old}, **kw).to_arrays()
    Xb, yb, _ = cls(n_rows=N, seed=1, **{key: new}, **kw).to_arrays()
    if cls is not RandomRBF:  # the RBF concept is its centroids, which place the points
        assert np.array_equal(X, Xa)  # drift settings never change the features
    assert np.array_equal(X[:p], Xa[:p]) and np.array_equal(y[:p], ya[:p])
    assert np.array_equal(X[p:], Xb[p:]) and np.array_equal(y[p:], yb[p:])
    assert (ya[p:] != yb[p:]).mean() > 0.05  # the concept really changed


def test_gradual_drift_follows_the_sigmoid():
    p, w = 10_000, 4_000
    ds = SEA(n_rows=N, drifts=[(p, 2, w)], seed=3)
    concepts = np.concatenate([ds.concepts(k * CHUNK, CHUNK, k) for k in range(math.ceil(N / CHUNK))])[:N]
    t = np.arange(N)
    prob = 1 / (1 + np.exp(-4 * (t - p) / w))
    for lo, hi in [(0, 5000), (7000, 9000), (9500, 10500), (11000, 13000), (15000, 20000)]:
        share = (concepts[lo:hi] == 2).mean()
        assert abs(share - prob[lo:hi].mean()) < 0.04, (lo, hi)
    # labels: agreement with the old function decays from 1 across the window
    X, y, _ = ds.to_arrays()
    old = (X[:, 0] + X[:, 1] > 8).astype(int)
    agree = [(y[a : a + 2000] == old[a : a + 2000]).mean() for a in (0, 8000, 10000, 12000, 18000)]
    assert agree[0] > 0.995 and agree[-1] < agree[2] < agree[1] < agree[0]
    new = (X[:, 0] + X[:, 1] > 7).astype(int)
    assert (y[18000:] == new[18000:]).mean() > 0.99
    # a wider width spreads the change further
    narrow = SEA(n_rows=N, drifts=[(p, 2, 500)], seed=3)
    c2 = np.concatenate([narrow.concepts(k * CHUNK, CHUNK, k) for k in range(3)])[:N]
    assert (c2[8500:9000] == 2).mean() < 0.01 < (concepts[8500:9000] == 2).mean()


def test_several_drifts_apply_in_order():
    ds = SEA(n_rows=N, drifts=[(15_000, 3), (5_000, 1, 0)], seed=2)
    assert ds.drifts == [(5_000, 1, 0), (15_000, 3, 0)]
    X, y, _ = ds.to_arrays()
    s = X[:, 0] + X[:, 1]
    assert np.array_equal(y[:5000], s[:5000] > 8)
    assert np.array_equal(y[5000:15000], s[5000:15000] > 9)
    assert np.array_equal(y[15000:], s[15000:] > 9.5)


def test_parameter_errors():
    with pytest.raises(InvalidParameterError, match=r"'function' of SEA must be an int in 0\.\.3"):
        SEA(function=4)
    with pytest.raises(InvalidParameterError, match="noise"):
        SEA(noise=1.5)
    with pytest.raises(InvalidParameterError, match="n_rows"):
        SEA(n_rows=-1)
    with pytest.raises(InvalidParameterError, match="position, function, width"):
        SEA(drifts=[5])
    with pytest.raises(InvalidParameterError, match="width"):
        SEA(drifts=[(5, 1, -2)])
    with pytest.raises(InvalidParameterError, match="function of drift"):
        Agrawal(drifts=[(5, 10)])
    with pytest.raises(InvalidParameterError, match="n_drift_features"):
        Hyperplane(n_features=2, n_drift_features=3)
    with pytest.raises(InvalidParameterError, match="batch_size"):
        STAGGER(batch_size=0)
    assert "SEA(n_rows=100000, function=0" in repr(SEA())
