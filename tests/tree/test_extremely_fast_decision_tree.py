"""ExtremelyFastDecisionTreeClassifier: early splits, re-evaluation, exactness, persistence."""

import itertools
import os
import tempfile

import numpy as np
import pytest
from _streams import drifting_records

from streamlearn import digest, load, save
from streamlearn.base.registry import make
from streamlearn.tree import ExtremelyFastDecisionTreeClassifier, HoeffdingTreeClassifier
from streamlearn.tree import _efdt_kernels as E
from streamlearn.tree import _hat_kernels as H
from streamlearn.tree._nodes import LEAF, N_ACTIVE, N_INACTIVE, N_NODES, NUMERIC

EFDT = ExtremelyFastDecisionTreeClassifier


def test_registry_and_defaults():
    model = make("extremely_fast_decision_tree", grace_period=100)
    assert isinstance(model, EFDT) and EFDT.registry_name == "extremely_fast_decision_tree"
    # CapyMOA's EFDT defaults
    assert (model.delta, model.tau, model.min_samples_reevaluate) == (1e-3, 0.05, 200)


def _tie_stream(n):
    rows, labels = [], []
    for i in range(n):
        x = float(i % 11)
        rows.append({"a": x, "b": x})
        labels.append(x >= 6)
    return rows, labels


def test_splits_as_soon_as_a_split_beats_none():
    """Two identical attributes tie: the Hoeffding tree waits for the tie
    threshold (3,400 rows with delta=1e-7), EFDT splits at its first attempt
    (the gain, ~0.99 bits, beats 0 by far more than eps = 0.2 at n = 200)."""
    rows, labels = _tie_stream(200)
    efdt = EFDT(delta=1e-7, leaf_prediction="mc").learn_many(rows, labels)
    ht = HoeffdingTreeClassifier(delta=1e-7, leaf_prediction="mc").learn_many(rows, labels)
    assert efdt.summary()["n_nodes"] == 3 and ht.summary()["n_nodes"] == 1
    assert efdt.kind_[0] == NUMERIC and efdt.threshold_[0] == pytest.approx(60 / 11)
    # the split node keeps its statistics and keeps learning
    assert efdt.slot_[0] >= 0
    efdt.learn_one({"a": 3.0, "b": 3.0}, False)
    assert efdt.class_counts_[0].sum() == 201
    assert efdt.num_stats_[efdt.slot_[0], 0, :, 0].sum() == 201
    assert EFDT(delta=1e-7).learn_many(*_tie_stream(199)).summary()["n_nodes"] == 1


def test_reevaluation_replaces_a_split_on_a_worse_attribute():
    """The label first follows a, then b: the root, split on a, re-splits on b
    once b's gain beats a's by the bound."""
    rng = np.random.default_rng(0)
    X = rng.random((6000, 2))
    y = np.where(np.arange(6000) < 400, X[:, 0] > 0.5, X[:, 1] > 0.5)
    model = EFDT(grace_period=100, min_samples_reevaluate=100)
    model.learn_many(X[:400], y[:400])
    assert model.feature_[0] == 0
    model.learn_many(X[400:], y[400:])
    assert model.feature_[0] == 1 and model.summary()["n_resplit"] >= 1
    assert (model.predict_many(X[:500]) == (X[:500, 1] > 0.5)).mean() > 0.95
    ht = HoeffdingTreeClassifier(grace_period=100).learn_many(X, y)
    assert ht.feature_[0] == 0  # the Hoeffding tree keeps its first choice


def test_a_subtree_collapses_when_no_split_is_valid():
    rows, labels = drifting_records(1500)
    model = EFDT(grace_period=50, min_samples_reevaluate=50).learn_many(rows, labels)
    assert model.summary()["n_nodes"] > 3
    model.num_stats_[model.slot_[0]] = 0.0  # the root no longer sees any attribute
    model.cat_counts_[model.slot_[0]] = 0.0
    model.n_values_[model.slot_[0]] = 0
    fp, ip = model._params()
    assert E.reevaluate(model._tree(model._is_cat()), model._hat(), 0, fp, ip)
    assert model.kind_[0] == LEAF and model.slot_[0] >= 0
    assert model.summary()["n_collapsed"] == 1 and model.summary()["n_nodes"] == 1
    n = int(model.counters_[N_NODES])
    assert (model.kind_[:n] == LEAF).sum() == model.counters_[N_ACTIVE] + model.counters_[N_INACTIVE] == 1


PARAMS = [
    {"grace_period": 30, "delta": 0.05, "min_samples_reevaluate": 30},
    {"grace_period": 20, "delta": 0.1, "tau": 0.3, "min_samples_reevaluate": 20, "leaf_prediction": "nb"},
    {
        "grace_period": 20,
        "delta": 0.1,
        "min_samples_reevaluate": 25,
        "binary_split": True,
        "split_criterion": "gini",
        "leaf_prediction": "mc",
        "max_depth": 4,
    },
]


@pytest.mark.parametrize("params", PARAMS)
def test_test_then_train_equals_one_at_a_time(params):
    rows, labels = drifting_records(4000, period=500)
    loop = EFDT(**params)
    expected = []
    for x, y in zip(rows, labels):
        expected.append(loop.predict_proba_one(x))
        loop.learn_one(x, y)
    classes = loop.classes_
    exp = np.array([[p.get(c, 0.0) for c in classes] for p in expected])
    assert loop.summary()["n_resplit"] > 3 and loop.hat_counters_[H.N_COMPACTIONS] > 0
    n = int(loop.counters_[N_NODES])
    assert n - (loop.kind_[:n] == H.DEAD).sum() >= loop.summary()["n_nodes"]
    for cuts in ([0, 4000], [0, 1, 2, 37, 1300, 1301, 3650, 4000]):
        batch = EFDT(**params)
        parts = []
        for a, b in itertools.pairwise(cuts):
            P = batch.test_then_train_many(rows[a:b], labels[a:b], return_proba=True)
            parts.append(np.pad(P, ((0, 0), (0, len(classes) - P.shape[1]))))
        np.testing.assert_array_equal(np.vstack(parts), exp)
        assert digest(batch) == digest(loop)
    assert digest(EFDT(**params).learn_many(rows, labels)) == digest(loop)


def test_save_load_continues_identically():
    rows, labels = drifting_records(3000, period=500)
    model = EFDT(**PARAMS[0]).learn_many(rows[:1700], labels[:1700])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "efdt.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model) and twin.to_text() == model.to_text()
    pa = model.test_then_train_many(rows[1700:], labels[1700:], return_proba=True)
    pb = twin.test_then_train_many(rows[1700:], labels[1700:], return_proba=True)
    np.testing.assert_array_equal(pa, pb)
    assert digest(twin) == digest(model)


def test_summary_and_text():
    model = EFDT(delta=1e-7, leaf_prediction="mc").learn_many(*_tie_stream(200))
    s = model.summary()
    assert (s["n_nodes"], s["n_leaves"], s["depth"], s["n_resplit"], s["n_collapsed"]) == (3, 2, 1, 0, 0)
    assert model.to_text().splitlines()[0] == "b <= 5.45455 (or missing)"
    assert EFDT().to_text() == "(empty tree)" and EFDT().summary()["n_nodes"] == 0
