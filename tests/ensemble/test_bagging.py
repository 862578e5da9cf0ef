"""OnlineBaggingClassifier and LeveragingBaggingClassifier: weights, exactness, resets."""

import itertools
import math
import os
import sys
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.ensemble import (
    AdaptiveRandomForestClassifier,
    LeveragingBaggingClassifier,
    OnlineBaggingClassifier,
)
from streamlearn.ensemble import _bagging as B
from streamlearn.naive_bayes import GaussianNB
from streamlearn.tree import HoeffdingTreeClassifier

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tree"))
from _streams import drifting_records

OB, LB = OnlineBaggingClassifier, LeveragingBaggingClassifier


def test_poisson_draws_do_not_depend_on_the_batch_cut():
    a = np.random.SeedSequence(3).generate_state(4, dtype=np.uint64).reshape(-1, 1)
    b = a.copy()
    whole = B.poisson_draws(a, 1.0, 1000)
    parts = np.vstack(
        [B.poisson_draws(b, 1.0, 1), B.poisson_draws(b, 1.0, 399), B.poisson_draws(b, 1.0, 600)]
    )
    np.testing.assert_array_equal(whole, parts)
    assert whole.shape == (1000, 4) and len({tuple(c) for c in whole.T}) == 4  # members differ
    assert abs((whole == 0).mean() - math.exp(-1)) < 0.03


def test_member_test_then_train_equals_predict_then_learn_k_times():
    rows, labels = drifting_records(400)
    owner = OB(GaussianNB(), n_models=1, seed=0)
    X = owner._rows(rows, None)
    codes = owner._codes(labels)
    weights = np.random.default_rng(1).poisson(1.0, len(X))
    batch, loop = GaussianNB(), GaussianNB()
    B.sync(batch, owner)
    B.sync(loop, owner)
    k = len(owner.classes_)
    got = B.member_test_then_train(batch, X, X, codes, weights, k)
    for i in range(len(X)):
        np.testing.assert_array_equal(got[i], B.member_proba(loop, X[i : i + 1], k)[0])
        for _ in range(weights[i]):
            loop._learn(X[i : i + 1], codes[i : i + 1])
    assert digest(batch) == digest(loop)


def _exact(make, rows, labels, cuts):
    loop = make()
    expected = []
    for x, y in zip(rows, labels):
        expected.append(loop.predict_proba_one(x))
        loop.learn_one(x, y)
    classes = loop.classes_
    exp = np.array([[p.get(c, 0.0) for c in classes] for p in expected])
    batch = make()
    parts = []
    for a, b in itertools.pairwise(cuts):
        P = batch.test_then_train_many(rows[a:b], labels[a:b], return_proba=True)
        parts.append(np.pad(P, ((0, 0), (0, len(classes) - P.shape[1]))))
    np.testing.assert_array_equal(np.vstack(parts), exp)
    assert digest(batch) == digest(loop)
    assert digest(make().learn_many(rows, labels)) == digest(loop)
    return loop


@pytest.mark.parametrize(
    "base",
    [GaussianNB(), HoeffdingTreeClassifier(grace_period=30, delta=0.05, remove_poor_attributes=True)],
)
def test_online_bagging_generic_path_is_exact(base):
    rows, labels = drifting_records(1200)
    model = _exact(lambda: OB(base, n_models=3, seed=4), rows, labels, [0, 1, 2, 37, 500, 501, 1200])
    assert hasattr(model, "members_") and not hasattr(model, "forest_")


def test_online_bagging_of_trees_runs_the_compiled_forest():
    rows, labels = drifting_records(1200)
    tree = HoeffdingTreeClassifier(grace_period=30, delta=0.05)
    model = _exact(lambda: OB(tree, n_models=3, seed=4), rows, labels, [0, 1, 2, 37, 500, 501, 1200])
    forest = model.forest_
    assert isinstance(forest, AdaptiveRandomForestClassifier)
    assert (forest.max_features, forest.lambda_value, forest.drift_delta, forest.weighted_vote) == (
        None,
        1.0,
        None,
        False,
    )
    # the same as that forest on its own
    twin = AdaptiveRandomForestClassifier(
        n_models=3, max_features=None, lambda_value=1.0, warning_delta=None, drift_delta=None,
        weighted_vote=False, seed=4, grace_period=30, delta=0.05,
    )  # fmt: skip
    np.testing.assert_array_equal(
        OB(tree, n_models=3, seed=4).test_then_train_many(rows, labels, return_proba=True),
        twin.test_then_train_many(rows, labels, return_proba=True),
    )


@pytest.mark.parametrize(
    "params",
    [
        {"model": GaussianNB(), "n_models": 4, "adwin_delta": 0.05, "seed": 1},
        {
            "model": HoeffdingTreeClassifier(grace_period=30, delta=0.05),
            "n_models": 3,
            "adwin_delta": 0.1,
            "seed": 2,
        },
    ],
)
def test_leveraging_bagging_is_exact_with_resets(params):
    rows, labels = drifting_records(2000, period=400)
    model = _exact(lambda: LB(**params), rows, labels, [0, 1, 2, 37, 900, 901, 2000])
    assert model.summary()["n_resets"] > 0


def test_leveraging_bagging_separate_prediction_rows():
    rows, labels = drifting_records(600, period=200)
    a, loop = (
        LB(GaussianNB(), n_models=3, adwin_delta=0.1, seed=3),
        LB(GaussianNB(), n_models=3, adwin_delta=0.1, seed=3),
    )
    X = a._rows(rows, None)
    loop._rows(rows, None)
    codes = a._codes(labels)
    loop._codes(labels)
    shifted = np.roll(X, 1, axis=0)
    P = a._test_then_train(shifted, X, codes)
    for i in range(len(X)):
        expected = loop._proba(shifted[i : i + 1])
        np.testing.assert_array_equal(P[i, : expected.shape[1]], expected[0])
        loop._learn(X[i : i + 1], codes[i : i + 1])
    assert digest(a) == digest(loop)


def test_leveraging_resets_the_member_with_the_highest_error():
    model = LB(GaussianNB(), n_models=3, seed=0)
    model.learn_many(np.array([[0.0], [1.0]]), ["a", "b"])
    model.adwin_stats_[:, 0] = 10.0
    model.adwin_stats_[:, 1] = [2.0, 7.0, 5.0]  # error estimates 0.2, 0.7, 0.5
    old = model.members_[1]
    model._reset_worst()
    assert (model.members_[1] is not old and not model.members_[1].is_fitted) or model.members_[
        1
    ].schema_ is not None
    assert model.adwin_stats_[1].tolist() == [0.0] * 5 and model.n_resets_ == 1
    assert model.members_[0] is not None and model.adwin_stats_[0, 1] == 2.0


def test_leveraging_bagging_resets_members_after_a_drift():
    from streamlearn.datasets.synth import Agrawal

    X, y, schema = Agrawal(n_rows=12_000, function=0, drifts=[(6000, 2, 0)], seed=7).to_arrays()
    lev = LB(n_models=5, seed=1)
    lev.learn_many(X[:6000], y[:6000], schema=schema)
    before = lev.summary()["n_resets"]
    pl = lev.test_then_train_many(X[6000:], y[6000:], schema=schema)
    assert lev.summary()["n_resets"] > before
    assert (pl[2000:] == y[8000:]).mean() > 0.9 > (pl[:1000] == y[6000:7000]).mean()


def test_save_load_continues_identically():
    rows, labels = drifting_records(1500, period=400)
    for model in (
        LB(GaussianNB(), n_models=3, adwin_delta=0.05, seed=5),
        OB(GaussianNB(), n_models=3, seed=5),
        OB(n_models=2, seed=5),
    ):
        model.learn_many(rows[:700], labels[:700])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bag.npz")
            save(model, path)
            twin = load(path)
        assert digest(twin) == digest(model)
        pa = model.test_then_train_many(rows[700:], labels[700:], return_proba=True)
        pb = twin.test_then_train_many(rows[700:], labels[700:], return_proba=True)
        np.testing.assert_array_equal(pa, pb)
        assert digest(twin) == digest(model)
