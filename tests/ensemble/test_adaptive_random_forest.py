"""AdaptiveRandomForestClassifier: exactness, random draws, subspaces, drift handling, persistence."""

import itertools
import math
import os
import sys
import tempfile

import numpy as np
import pytest

from streamlearn import InvalidParameterError, digest, load, save
from streamlearn.base.registry import make
from streamlearn.drift._rng import seed_state
from streamlearn.ensemble import AdaptiveRandomForestClassifier
from streamlearn.ensemble._forest_kernels import adwin_add, combine, poisson, top_class, vote_weight
from streamlearn.ensemble.adaptive_random_forest import subspace_size
from streamlearn.tree._nodes import LEAF, N_NODES

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tree"))
from test_hoeffding_tree import messy_records

ARF = AdaptiveRandomForestClassifier


# -- building blocks -------------------------------------------------------------------------
def test_registry_name_and_parameters():
    model = make("adaptive_random_forest", n_models=4, seed=3)
    assert isinstance(model, ARF) and model.n_models == 4 and model.seed == 3
    assert ARF.registry_name == "adaptive_random_forest"
    with pytest.raises(InvalidParameterError, match="'n_models' parameter of AdaptiveRandomForestClassifier"):
        ARF(n_models=0)
    with pytest.raises(InvalidParameterError, match="'max_features'"):
        ARF(max_features="log3")
    with pytest.raises(InvalidParameterError, match="'max_features'"):
        ARF(max_features=1.5)
    with pytest.raises(InvalidParameterError, match="'lambda_value'"):
        ARF(lambda_value=0.0)


def test_subspace_size():
    # "sqrt": round(sqrt(M)) + 1, as MOA's sqrt(M)+1
    assert subspace_size("sqrt", 8) == 4  # round(2.83) + 1
    assert subspace_size("sqrt", 41) == 7  # round(6.40) + 1
    assert subspace_size("sqrt", 1) == 1  # never more than M
    assert subspace_size(3, 8) == 3 and subspace_size(30, 8) == 8
    assert subspace_size(0.6, 8) == 5 and subspace_size(0.01, 8) == 1
    assert subspace_size(None, 8) == 8


def test_poisson_draws_follow_the_distribution():
    state = seed_state(11)
    n = 60_000
    draws = np.array([poisson(6.0, state) for _ in range(n)])
    assert abs(draws.mean() - 6.0) < 0.05 and abs(draws.var() - 6.0) < 0.15
    # frequencies against e^-l l^k / k!, for k = 0..14 (4 standard errors)
    for k in range(15):
        p = math.exp(-6.0) * 6.0**k / math.factorial(k)
        assert abs((draws == k).mean() - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-4, k
    state = seed_state(2)
    ones = np.array([poisson(1.0, state) for _ in range(n)])
    assert abs((ones == 0).mean() - math.exp(-1)) < 0.01


def test_vote_helpers():
    assert top_class(np.array([0.2, 0.5, 0.5])) == 1
    assert top_class(np.zeros(3)) == -1
    assert vote_weight(10.0, 7.0, True) == 0.7
    assert vote_weight(10.0, 0.0, True) == 1.0  # accuracy 0: weight 1, as MOA and River
    assert vote_weight(0.0, 0.0, True) == 1.0
    assert vote_weight(10.0, 7.0, False) == 1.0
    votes = np.array([[[0.9, 0.1], [0.0, 0.0]], [[0.2, 0.8], [0.4, 0.6]]])  # (members, rows, classes)
    weights = np.array([[0.5, 0.5], [1.0, 0.25]])
    out = np.empty((2, 2))
    combine(votes, weights, out)
    # row 0: 0.5 * [.9, .1] + 1.0 * [.2, .8] = [.65, .85]; row 1: only member 1 votes
    np.testing.assert_allclose(out, [[0.65 / 1.5, 0.85 / 1.5], [0.4, 0.6]])


def test_adwin_add_matches_the_adwin_detector():
    from streamlearn.drift import ADWIN

    rng = np.random.default_rng(0)
    errors = (rng.random(3000) < np.where(np.arange(3000) < 1500, 0.1, 0.6)).astype(float)
    detector = ADWIN(delta=0.002)
    expected = detector.update_many(errors).tolist()
    st, sums, sq, lens = np.zeros(5), np.zeros((62, 6)), np.zeros((62, 6)), np.zeros(62, dtype=np.int64)
    got = [i for i, e in enumerate(errors) if adwin_add(e, st, sums, sq, lens, 0.002)]
    assert got == expected and len(got) > 0
    np.testing.assert_array_equal(st, detector.stats_)


# -- exactness --------------------------------------------------------------------------------
PARAMS = [
    {"n_models": 3, "grace_period": 20, "delta": 0.05, "warning_delta": 0.3, "drift_delta": 0.1, "seed": 5},
    {
        "n_models": 3,
        "grace_period": 20,
        "delta": 0.05,
        "warning_delta": 0.5,
        "drift_delta": 0.3,
        "max_size": 0.01,
        "seed": 5,
    },
    {
        "n_models": 2,
        "grace_period": 10,
        "delta": 0.1,
        "tau": 0.3,
        "leaf_prediction": "nb",
        "nb_threshold": 5,
        "binary_split": True,
        "max_features": 1,
        "warning_delta": 0.5,
        "drift_delta": 0.3,
        "weighted_vote": False,
        "seed": 7,
    },
]


@pytest.mark.parametrize("params", PARAMS)
def test_test_then_train_equals_one_at_a_time(params):
    """New classes, new features, new categories, missing values, splits, warnings,
    drifts, swaps and (second set) the memory bound: batch == loop, bit for bit."""
    rows, labels = messy_records()
    loop = ARF(**params)
    expected = []
    for x, y in zip(rows, labels):
        expected.append(loop.predict_proba_one(x))
        loop.learn_one(x, y)
    classes = loop.classes_
    exp = np.array([[p.get(c, 0.0) for c in classes] for p in expected])
    s = loop.summary()
    assert s["n_nodes"] > 3 * params["n_models"] and s["n_warnings"] > 0 and s["n_drifts"] > 0
    for cuts in ([0, 900], [0, 1, 2, 37, 300, 301, 650, 900]):
        batch = ARF(**params)
        parts = []
        for a, b in itertools.pairwise(cuts):
            P = batch.test_then_train_many(rows[a:b], labels[a:b], return_proba=True)
            parts.append(np.pad(P, ((0, 0), (0, len(classes) - P.shape[1]))))
        np.testing.assert_array_equal(np.vstack(parts), exp)
        assert digest(batch) == digest(loop)
    assert digest(ARF(**params).learn_many(rows, labels)) == digest(loop)


def test_backgrounds_are_swapped_in_and_the_memory_bound_holds():
    rows, labels = messy_records()
    model = ARF(**PARAMS[1]).learn_many(rows, labels)
    n = model.n_models
    # some member's foreground now lives in its spare storage: a background tree was swapped in
    assert (model.fg_ >= n).any()
    for e in range(n):
        assert model.fg_[e] in (e, e + n) and model.bg_[e] in (-1, e if model.fg_[e] == e + n else e + n)
    trees = model.summary()["trees"]
    assert sum(t["n_inactive_leaves"] for t in trees) > 0  # 0.01 MiB per tree deactivates leaves
    assert model.events_[:, 1].sum() == model.summary()["n_drifts"]


def test_separate_prediction_rows():
    """In a pipeline the rows to predict differ from the rows learned: the batch
    equals predict_proba_one(x_pred) then learn_one(x_learn), row by row; the
    members' accuracy and detectors see their votes on the learned rows."""
    rows, labels = messy_records(300)
    a, b = ARF(**PARAMS[0]), ARF(**PARAMS[0])
    pa = a.test_then_train_many(rows, labels, return_proba=True)
    X = b._rows(rows, None)
    pb = b._test_then_train(X.copy(), X, b._codes(labels))
    np.testing.assert_array_equal(pa, pb)
    assert digest(a) == digest(b)
    c, loop = ARF(**PARAMS[0]), ARF(**PARAMS[0])
    Xc = c._rows(rows, None)
    shifted = np.roll(Xc, 1, axis=0)
    pc = c._test_then_train(shifted, Xc, c._codes(labels))
    assert digest(c) == digest(a)  # predicting other rows changes only the predictions
    assert not np.array_equal(pc, pa)
    loop._rows(rows, None)  # same schema
    codes = loop._codes(labels)
    for i in range(len(rows)):
        np.testing.assert_array_equal(
            pc[i, : loop._safe_proba(shifted[i : i + 1]).shape[1]], loop._safe_proba(shifted[i : i + 1])[0]
        )
        loop._learn(Xc[i : i + 1], codes[i : i + 1])
    assert digest(loop) == digest(c)


def test_seed_decides_the_forest():
    rows, labels = messy_records(400)
    a = ARF(n_models=3, grace_period=20, seed=1).learn_many(rows, labels)
    b = ARF(n_models=3, grace_period=20, seed=1).learn_many(rows, labels)
    c = ARF(n_models=3, grace_period=20, seed=2).learn_many(rows, labels)
    assert digest(a) == digest(b) and digest(a) != digest(c)
    # members draw from distinct generators
    assert len({int(s) for s in a.rng_state_[:, 0]}) == 3


# -- random subspaces ---------------------------------------------------------------------------
def test_each_leaf_observes_a_random_subset_of_max_features():
    rng = np.random.default_rng(0)
    X = rng.random((3000, 9))
    y = (X[:, 0] + X[:, 4] > 1.0).astype(int)
    model = ARF(n_models=4, max_features=3, grace_period=30, seed=0, drift_delta=None).learn_many(X, y)
    subsets = set()
    for e in range(model.n_models):
        t = model.tree(e)
        n = int(t.counters_[N_NODES])
        leaves = np.flatnonzero((t.kind_[:n] == LEAF) & (t.slot_[:n] >= 0))
        assert len(leaves) > 1
        for leaf in leaves:
            observed = np.flatnonzero(~t.disabled_[t.slot_[leaf]])
            assert len(observed) == 3
            subsets.add(tuple(observed.tolist()))
            # statistics exist only for the observed features
            seen = np.flatnonzero(t.num_stats_[t.slot_[leaf], :, :, 0].sum(axis=1) > 0)
            assert set(seen.tolist()) <= set(observed.tolist())
    assert len(subsets) > 5
    everything = ARF(n_models=2, max_features=None, grace_period=30, seed=0).learn_many(X[:500], y[:500])
    assert not everything.tree(0).disabled_.any()


def test_subsets_are_drawn_from_the_columns_seen_so_far():
    """Leaves draw among the columns that had a value in the rows learned so far;
    a column seen later is observed by the leaves that exist then, and new
    leaves may draw it."""
    rng = np.random.default_rng(1)
    X = np.full((600, 5), np.nan)
    X[:, :4] = rng.random((600, 4))
    X[300:, 4] = rng.random(300)  # a late column: empty in the first 300 rows
    y = (X[:, 0] > 0.5).astype(int)
    y[300:] = X[300:, 4] > 0.5
    model = ARF(n_models=3, max_features=2, grace_period=20, seed=0, drift_delta=None)
    model.learn_many(X[:300], y[:300])
    slots_before = {}
    for e in range(3):
        t = model.tree(e)
        n = int(t.counters_[N_NODES])
        for leaf in np.flatnonzero((t.kind_[:n] == LEAF) & (t.slot_[:n] >= 0)):
            d = t.disabled_[t.slot_[leaf]]
            assert (~d[:4]).sum() == 2 and not d[4]  # 2 of the 4 seen; the empty column is not disabled
            slots_before[(e, int(leaf))] = d.copy()
    assert model.width_seen_ == 4
    model.learn_many(X[300:], y[300:])
    assert model.width_seen_ == 5
    drawn_late = False
    for e in range(3):
        t = model.tree(e)
        n = int(t.counters_[N_NODES])
        for leaf in np.flatnonzero((t.kind_[:n] == LEAF) & (t.slot_[:n] >= 0)):
            d = t.disabled_[t.slot_[leaf]]
            if (e, int(leaf)) in slots_before and (~d).sum() == 3:
                continue  # an old leaf: its 2 features plus the late one
            assert (~d).sum() == 2  # a new leaf: 2 of the 5 seen
            drawn_late |= not d[4]
    assert drawn_late
    # a loop of single records and one batch draw the same subsets
    loop = ARF(n_models=3, max_features=2, grace_period=20, seed=0, drift_delta=None)
    for x, yi in zip(X, y):
        loop.learn_one({j: (None if np.isnan(v) else v) for j, v in enumerate(x)}, int(yi))
    batch = ARF(n_models=3, max_features=2, grace_period=20, seed=0, drift_delta=None).learn_many(X, y)
    assert digest(loop) == digest(batch)


# -- drift ------------------------------------------------------------------------------------
def test_drift_detection_recovers_after_an_abrupt_change():
    from streamlearn.datasets.synth import SEA

    X, y, schema = SEA(n_rows=12000, function=0, drifts=[(6000, 3, 0)], seed=3).to_arrays()
    detecting = ARF(n_models=5, seed=1)
    blind = ARF(n_models=5, seed=1, drift_delta=None)
    pd = detecting.test_then_train_many(X, y, schema=schema)
    pb = blind.test_then_train_many(X, y, schema=schema)
    after = slice(6000, 7000)
    assert (pd[after] == y[after]).mean() > (pb[after] == y[after]).mean() + 0.02
    assert detecting.summary()["n_drifts"] >= 5 and blind.summary()["n_drifts"] == 0
    assert not (blind.fg_ >= blind.n_models).any()  # nothing swapped without detection


# -- inspection, persistence ---------------------------------------------------------------------
def test_summary_text_and_dot():
    rows, labels = messy_records(400)
    model = ARF(n_models=3, grace_period=20, seed=4).learn_many(rows, labels)
    s = model.summary()
    assert s["n_models"] == 3 and len(s["trees"]) == 3
    assert s["n_nodes"] == sum(int(model.counters_[m, N_NODES]) for m in model.fg_)
    assert s["bytes"] == sum(a.nbytes for a in model._state().values() if isinstance(a, np.ndarray))
    assert 0 < s["estimated_bytes"] < s["bytes"]
    for t, e in zip(s["trees"], range(3)):
        seen, right = model.acc_[e]
        assert t["accuracy"] == pytest.approx(right / seen)
    text = model.to_text(1)
    assert text.count("class ") == s["trees"][1]["n_leaves"]
    assert (
        model.to_dot(1).startswith("digraph") and model.to_dot(1).count("->") == s["trees"][1]["n_nodes"] - 1
    )
    assert ARF().to_text() == "(empty forest)" and ARF().summary()["n_nodes"] == 0


def test_save_load_continues_identically():
    rows, labels = messy_records()
    model = ARF(**PARAMS[0]).learn_many(rows[:450], labels[:450])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "arf.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    pa = model.test_then_train_many(rows[450:], labels[450:], return_proba=True)
    pb = twin.test_then_train_many(rows[450:], labels[450:], return_proba=True)
    np.testing.assert_array_equal(pa, pb)
    assert digest(twin) == digest(model)


def test_predict_before_learning_and_new_class():
    model = ARF(n_models=2, seed=0)
    assert model.predict_one({"a": 1.0}) is None and model.predict_proba_one({"a": 1.0}) == {}
    for i in range(40):
        model.learn_one({"a": float(i % 5)}, "x" if i % 5 < 2 else "y")
    P = model.test_then_train_many([{"a": 9.0}] * 60, ["z"] * 60, return_proba=True)
    assert model.classes_ == ["x", "y", "z"] and P[0, 2] == 0.0 and P[-1, 2] > 0.5
