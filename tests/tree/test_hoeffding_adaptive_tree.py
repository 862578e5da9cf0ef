"""HoeffdingAdaptiveTreeClassifier: exactness, alternates, compaction, persistence."""

import itertools
import os
import tempfile

import numpy as np
import pytest
from _streams import drifting_records

from streamlearn import InvalidParameterError, digest, load, save
from streamlearn.base.registry import make
from streamlearn.tree import HoeffdingAdaptiveTreeClassifier, HoeffdingTreeClassifier
from streamlearn.tree import _hat_kernels as H
from streamlearn.tree._nodes import LEAF, N_ACTIVE, N_INACTIVE, N_NODES

HAT = HoeffdingAdaptiveTreeClassifier

PARAMS = [
    {"grace_period": 20, "delta": 0.05, "drift_window_threshold": 50, "seed": 1},
    {
        "grace_period": 30,
        "delta": 0.05,
        "drift_window_threshold": 100,
        "leaf_prediction": "nb",
        "nb_threshold": 10,
        "seed": 2,
    },
    {
        "grace_period": 30,
        "delta": 0.05,
        "drift_window_threshold": 50,
        "binary_split": True,
        "max_size": 0.002,
        "leaf_prediction": "mc",
        "split_criterion": "gini",
        "seed": 3,
    },
]


def test_registry_and_defaults():
    model = make("hoeffding_adaptive_tree", seed=4)
    assert isinstance(model, HAT) and HAT.registry_name == "hoeffding_adaptive_tree"
    # CapyMOA's HoeffdingAdaptiveTree defaults: grace 200, confidence 1e-3, tie 0.05, NBA leaves
    assert (model.grace_period, model.delta, model.tau, model.leaf_prediction) == (200, 1e-3, 0.05, "nba")
    # MOA's and River's: ADWIN(0.002), switch test at 0.05 once both windows exceed 300
    assert (model.adwin_delta, model.switch_significance, model.drift_window_threshold) == (0.002, 0.05, 300)
    with pytest.raises(
        InvalidParameterError, match="'adwin_delta' parameter of HoeffdingAdaptiveTreeClassifier"
    ):
        HAT(adwin_delta=1.0)


def _check_structure(model):
    """Live nodes, leaf counts and pools agree with the arrays."""
    n = int(model.counters_[N_NODES])
    kind = model.kind_[:n]
    live = kind != H.DEAD
    assert n - live.sum() == model.hat_counters_[H.N_DEAD]
    leaves = np.flatnonzero(kind == LEAF)
    assert len(leaves) == model.counters_[N_ACTIVE] + model.counters_[N_INACTIVE]
    assert (model.slot_[leaves] >= 0).sum() == model.counters_[N_ACTIVE]
    in_use = model.det_[:n][live]
    in_use = in_use[in_use >= 0]
    hc = model.hat_counters_
    assert len(in_use) == len(set(in_use.tolist())) == hc[H.D_USED] - hc[H.D_FREE]
    for a in model.alt_[:n][live]:
        if a >= 0:
            assert model.kind_[a] == LEAF and model.det_[a] >= 0
    # the main tree's children point back at their parents
    for node in np.flatnonzero(live & (kind != LEAF)):
        if node == 0 or model.parent_[node] >= 0:
            for b in range(model.n_children_[node]):
                assert model.parent_[model.child_start_[node] + b] == node


@pytest.mark.parametrize("params", PARAMS)
def test_test_then_train_equals_one_at_a_time(params):
    """Alternates created, switched in, pruned and replacing nodes, compaction,
    new classes/features/categories, missing values: batch == loop, bit for bit."""
    rows, labels = drifting_records(6000, period=500)
    loop = HAT(**params)
    expected = []
    for x, y in zip(rows, labels):
        expected.append(loop.predict_proba_one(x))
        loop.learn_one(x, y)
    classes = loop.classes_
    exp = np.array([[p.get(c, 0.0) for c in classes] for p in expected])
    hc = loop.hat_counters_
    assert hc[H.N_ALTS] > 10 and hc[H.N_SWITCHED] + hc[H.N_REPLACED] > 2 and hc[H.N_COMPACTIONS] > 0
    _check_structure(loop)
    for cuts in ([0, 6000], [0, 1, 2, 37, 1300, 1301, 4650, 6000]):
        batch = HAT(**params)
        parts = []
        for a, b in itertools.pairwise(cuts):
            P = batch.test_then_train_many(rows[a:b], labels[a:b], return_proba=True)
            parts.append(np.pad(P, ((0, 0), (0, len(classes) - P.shape[1]))))
        np.testing.assert_array_equal(np.vstack(parts), exp)
        assert digest(batch) == digest(loop)
    assert digest(HAT(**params).learn_many(rows, labels)) == digest(loop)


def test_memory_bound_and_pruning_happen():
    rows, labels = drifting_records(6000, period=500)
    model = HAT(**PARAMS[2]).learn_many(rows, labels)
    s = model.summary()
    assert s["n_inactive_leaves"] > 0 and s["n_pruned"] > 0
    assert s["estimated_bytes"] <= 0.002 * 2**20 * 1.5  # the bound counts dead nodes until compaction
    _check_structure(model)


def test_without_drift_it_is_the_hoeffding_tree():
    """When no detector sees the error rise, no alternate is ever made: without
    bootstrap weights the adaptive tree is exactly the Hoeffding tree."""
    rng = np.random.default_rng(0)
    X = rng.random((5000, 3))
    y = np.where(X[:, 0] + 0.2 * X[:, 1] > 0.6, "up", "down")
    hat = HAT(grace_period=50, bootstrap_sampling=False)
    ht = HoeffdingTreeClassifier(grace_period=50)
    ph = hat.test_then_train_many(X, y, return_proba=True)
    pt = ht.test_then_train_many(X, y, return_proba=True)
    assert hat.summary()["n_alternates_created"] == 0
    np.testing.assert_array_equal(ph, pt)
    assert hat.to_text() == ht.to_text()
    assert hat.summary()["n_nodes"] == ht.summary()["n_nodes"] > 3


def test_detectors_ignore_a_falling_error():
    """observe(): a change counts only when the error went up (MOA's rule)."""
    model = HAT(seed=0)
    model.learn_one({"a": 1.0}, "x")
    h = model._hat()
    model.det_[0] = -1
    falling = [1.0] * 300 + [0.0] * 300
    assert not any(H.observe(h, 0, e, 0.002) for e in falling)
    d = int(model.det_[0])
    assert model.adwin_stats_[d, 0] < 600  # ADWIN did cut its window: a change it ignored
    model.det_[0] = -1
    rising = [0.0] * 300 + [1.0] * 300
    assert any(H.observe(h, 0, e, 0.002) for e in rising)


def test_replaces_the_old_concept_after_an_abrupt_change():
    """Agrawal: the label depends on age, then (from row 10,000) on education
    level. The adaptive tree rebuilds its subtrees; the Hoeffding tree keeps
    the old splits and stays worse."""
    from streamlearn.datasets.synth import Agrawal

    X, y, schema = Agrawal(n_rows=20_000, function=0, drifts=[(10_000, 2, 0)], seed=7).to_arrays()
    hat = HAT(seed=1)
    ph = hat.test_then_train_many(X, y, schema=schema)
    pt = HoeffdingTreeClassifier().test_then_train_many(X, y, schema=schema)
    later = slice(12_000, 20_000)
    assert (ph[later] == y[later]).mean() > 0.995 > (pt[later] == y[later]).mean()
    s = hat.summary()
    assert s["n_alternates_created"] > 0 and s["n_switched"] + s["n_replaced"] > 0


def test_compaction_keeps_the_tree():
    rows, labels = drifting_records(4000, period=500)
    model = HAT(**PARAMS[0]).learn_many(rows, labels)
    assert model.hat_counters_[H.N_DEAD] > 0
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "hat.npz")
        save(model, path)
        twin = load(path)
    before = model.to_text()
    twin._compact()
    assert twin.hat_counters_[H.N_DEAD] == 0
    assert twin.counters_[N_NODES] == model.counters_[N_NODES] - model.hat_counters_[H.N_DEAD]
    assert twin.to_text() == before
    _check_structure(twin)
    more_rows, more_labels = drifting_records(2000, seed=9, period=500)
    pa = model.test_then_train_many(more_rows, more_labels, return_proba=True)
    pb = twin.test_then_train_many(more_rows, more_labels, return_proba=True)
    np.testing.assert_array_equal(pa, pb)
    assert twin.to_text() == model.to_text()


def test_save_load_continues_identically():
    rows, labels = drifting_records(4000, period=500)
    model = HAT(**PARAMS[0]).learn_many(rows[:2500], labels[:2500])
    assert model.summary()["n_alternates_created"] > 0
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "hat.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    pa = model.test_then_train_many(rows[2500:], labels[2500:], return_proba=True)
    pb = twin.test_then_train_many(rows[2500:], labels[2500:], return_proba=True)
    np.testing.assert_array_equal(pa, pb)
    assert digest(twin) == digest(model)


def test_seed_decides_the_bootstrap_weights():
    rows, labels = drifting_records(1500)
    a = HAT(grace_period=30, seed=1).learn_many(rows, labels)
    b = HAT(grace_period=30, seed=1).learn_many(rows, labels)
    c = HAT(grace_period=30, seed=2).learn_many(rows, labels)
    assert digest(a) == digest(b) and digest(a) != digest(c)
    # a leaf learns each row with weight k ~ Poisson(1), or 1 when k = 0: mean 1 + 1/e,
    # variance 2 + 1/e - (1 + 1/e)^2
    stump = HAT(grace_period=10**6, seed=3).learn_many(rows, labels)
    mean, var = 1 + np.exp(-1), 2 + np.exp(-1) - (1 + np.exp(-1)) ** 2
    assert abs(stump.class_counts_[0].sum() - 1500 * mean) < 4 * np.sqrt(1500 * var)
    assert (
        HAT(grace_period=10**6, bootstrap_sampling=False).learn_many(rows, labels).class_counts_[0].sum()
        == 1500
    )


def test_summary_and_text():
    rows, labels = drifting_records(3000, period=500)
    model = HAT(**PARAMS[0]).learn_many(rows, labels)
    s = model.summary()
    for key in ("n_alternates", "n_alternates_created", "n_switched", "n_pruned", "n_replaced"):
        assert key in s
    assert s["n_alternates_created"] == model.hat_counters_[H.N_ALTS]
    text = model.to_text()
    assert text.count("class ") == s["n_leaves"]
    assert model.to_dot().count("->") == s["n_nodes"] - 1
    assert HAT().summary()["n_nodes"] == 0 and HAT().to_text() == "(empty tree)"
