"""StreamingRandomPatchesClassifier: patches, detectors, exactness, persistence."""

import itertools
import os
import sys
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.ensemble import StreamingRandomPatchesClassifier
from streamlearn.ensemble.streaming_random_patches import draw_patch
from streamlearn.naive_bayes import GaussianNB
from streamlearn.tree import HoeffdingTreeClassifier

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tree"))
from _streams import drifting_records

SRP = StreamingRandomPatchesClassifier


def test_draw_patch():
    state = np.random.SeedSequence(1).generate_state(1, dtype=np.uint64)
    masks = [draw_patch(state, 6, 3, 8) for _ in range(300)]
    assert all(m.sum() == 3 and not m[6:].any() for m in masks)
    freq = np.mean(masks, axis=0)[:6]
    np.testing.assert_allclose(freq, 0.5, atol=0.1)  # each of the 6 columns in half the patches


def test_members_only_learn_their_patch():
    rng = np.random.default_rng(0)
    X = rng.random((2000, 6))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    model = SRP(
        HoeffdingTreeClassifier(grace_period=50), n_models=4, subspace_size=3, seed=2, drift_delta=None
    )
    model.learn_many(X, y)
    for member, patch in zip(model.members_, model.patch_):
        assert patch.sum() == 3
        seen = member.num_stats_[:, :, :, 0].sum(axis=(0, 2)) > 0  # features with statistics in some slot
        assert not (seen & ~patch).any()
    assert len({tuple(p) for p in model.patch_}) > 1
    every = SRP(n_models=2, training_method="resampling", seed=2).learn_many(X[:300], y[:300])
    assert every.patch_.all()


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
    "params",
    [
        {"model": GaussianNB(), "n_models": 3, "warning_delta": 0.3, "drift_delta": 0.1, "seed": 1},
        {
            "model": HoeffdingTreeClassifier(grace_period=30, delta=0.05),
            "n_models": 3,
            "warning_delta": 0.3,
            "drift_delta": 0.1,
            "training_method": "subspaces",
            "seed": 2,
        },
    ],
)
def test_test_then_train_equals_one_at_a_time(params):
    rows, labels = drifting_records(2000, period=400)
    model = _exact(lambda: SRP(**params), rows, labels, [0, 1, 2, 37, 900, 901, 2000])
    s = model.summary()
    assert s["n_warnings"] > 0 and s["n_drifts"] > 0


def test_save_load_continues_identically():
    rows, labels = drifting_records(1500, period=400)
    model = SRP(GaussianNB(), n_models=3, warning_delta=0.3, drift_delta=0.1, seed=5).learn_many(
        rows[:700], labels[:700]
    )
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "srp.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    pa = model.test_then_train_many(rows[700:], labels[700:], return_proba=True)
    pb = twin.test_then_train_many(rows[700:], labels[700:], return_proba=True)
    np.testing.assert_array_equal(pa, pb)
    assert digest(twin) == digest(model)
