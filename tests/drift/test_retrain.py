"""DriftRetrainClassifier: recovery after a concept change, exactness, modes, persistence."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

from streamlearn import digest, load, save
from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.learner import DriftDetector
from streamlearn.drift import ADWIN, DDM, HDDM_A, HDDM_W, DriftRetrainClassifier, PageHinkley
from streamlearn.naive_bayes import GaussianNB
from streamlearn.preprocessing import StandardScaler


def flipped(n: int = 6000, flip: int = 3000, seed: int = 0, d: int = 2):
    """Labels ``x0 + x1 > 0``, flipped from row ``flip`` on (an abrupt concept change)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.where((X[:, 0] + X[:, 1] > 0) ^ (np.arange(n) >= flip), "attack", "normal")
    return X, y


def one_at_a_time(model, X, y):
    """Probabilities from predict_proba_one then learn_one, as a matrix over the final classes."""
    probas = []
    names = [f"x{j}" for j in range(X.shape[1])]
    for row, label in zip(X, y):
        x = dict(zip(names, row.tolist()))
        probas.append(model.predict_proba_one(x))
        model.learn_one(x, label)
    return np.array([[p.get(c, 0.0) for c in model.classes_] for p in probas])


def frame(X):
    from streamlearn.base.schema import Schema

    return X, Schema([f"x{j}" for j in range(X.shape[1])])


DETECTORS = [ADWIN(), DDM(), HDDM_A(), HDDM_W(), PageHinkley(mode="up")]


@pytest.mark.parametrize("det", DETECTORS, ids=repr)
def test_recovers_after_labels_flip(det):
    X, y = frame(flipped()[0])[0], flipped()[1]
    plain = GaussianNB()
    wrapped = DriftRetrainClassifier(GaussianNB(), det.clone())
    p_plain = plain.test_then_train_many(X, y)
    p_wrapped = wrapped.test_then_train_many(X, y)
    after = slice(3500, None)
    acc_plain = (p_plain[after] == y[after]).mean()
    acc_wrapped = (p_wrapped[after] == y[after]).mean()
    assert wrapped.n_drifts_ >= 1
    assert acc_wrapped > 0.95 and acc_plain < 0.6, (acc_wrapped, acc_plain)
    assert (p_wrapped[:3000] == y[:3000]).mean() > 0.95  # no harm before the change
    # the detections come soon after the change
    model = DriftRetrainClassifier(GaussianNB(), det.clone())
    model.learn_many(X[:3000], y[:3000])
    assert model.n_drifts_ == 0
    model.learn_many(X[3000:3400], y[3000:3400])
    assert model.n_drifts_ >= 1


@pytest.mark.parametrize("mode", ["reset", "replace"])
@pytest.mark.parametrize(
    "det",
    [ADWIN(delta=0.05, clock=4), DDM(), HDDM_W(), DDM(min_instances=5, warning_level=0.5, drift_level=1.0)],
    ids=repr,
)
def test_batch_equals_one_at_a_time(det, mode):
    X, y = flipped(n=3000, flip=1200, seed=3)
    X, schema = frame(X)
    batch = DriftRetrainClassifier(GaussianNB(), det.clone(), mode=mode)
    loop = DriftRetrainClassifier(GaussianNB(), det.clone(), mode=mode)
    got = np.vstack(
        [
            batch.test_then_train_many(X[a:b], y[a:b], schema=schema, return_proba=True)
            for a, b in [(0, 700), (700, 701), (701, 3000)]
        ]
    )
    exp = one_at_a_time(loop, X, y)
    assert batch.classes_ == loop.classes_
    np.testing.assert_allclose(got, exp, rtol=0, atol=1e-12)
    assert batch.n_drifts_ == loop.n_drifts_ >= 1
    assert digest(batch) == digest(loop)


def test_learn_many_equals_test_then_train_state():
    X, y = flipped(n=3000, flip=1500, seed=4)
    X, schema = frame(X)
    a = DriftRetrainClassifier(GaussianNB(), DDM(), mode="replace")
    b = DriftRetrainClassifier(GaussianNB(), DDM(), mode="replace")
    a.learn_many(X, y, schema=schema)
    b.test_then_train_many(X, y, schema=schema)
    assert digest(a) == digest(b) and a.n_drifts_ >= 1


def test_reset_mode_starts_a_fresh_model_at_the_drift_row():
    X, y = flipped(n=4000, flip=2000, seed=5)
    X, schema = frame(X)
    model = DriftRetrainClassifier(GaussianNB(), DDM())
    model.learn_many(X, y, schema=schema)
    assert model.n_drifts_ == 1
    # until the drift the wrapped model is a plain GaussianNB: its errors locate the drift row
    errors = (GaussianNB().test_then_train_many(X, y, schema=schema) != y).astype(float)
    d = int(DDM().update_many(errors)[0])
    assert 2000 <= d < 2300
    # the current model is a fresh one that learned exactly the rows from the drift row on
    ref = GaussianNB().learn_many(X[d:], y[d:], schema=schema)
    for name in ("class_counts_", "mean_", "m2_"):
        np.testing.assert_array_equal(getattr(model.model_, name), getattr(ref, name))


def test_replace_mode_swaps_in_the_background_model():
    X, y = flipped(n=4000, flip=2000, seed=6)
    X, schema = frame(X)
    reset = DriftRetrainClassifier(GaussianNB(), DDM(), mode="reset")
    replace = DriftRetrainClassifier(GaussianNB(), DDM(), mode="replace")
    reset.learn_many(X, y, schema=schema)
    replace.learn_many(X, y, schema=schema)
    assert reset.n_drifts_ == replace.n_drifts_ == 1
    # the background model started at the first warning of the episode, before the drift row:
    # the replacing model has learned more rows than the fresh one
    assert replace.model_.class_counts_.sum() > reset.model_.class_counts_.sum()
    # ADWIN never warns: both modes are the same
    a = DriftRetrainClassifier(GaussianNB(), ADWIN(), mode="reset")
    b = DriftRetrainClassifier(GaussianNB(), ADWIN(), mode="replace")
    a.learn_many(X, y, schema=schema)
    b.learn_many(X, y, schema=schema)
    assert a.n_drifts_ >= 1
    assert digest(a.model_) == digest(b.model_) and b.background_ is None


def test_templates_are_not_touched():
    X, y = flipped(n=2000, flip=1000)
    gnb, det = GaussianNB(), ADWIN()
    model = DriftRetrainClassifier(gnb, det)
    model.learn_many(X, y)
    assert not gnb.is_fitted and not det.is_fitted
    assert model.model is gnb and model.detector is det
    assert model.model_ is not gnb and model.detector_ is not det


def test_save_load_mid_stream():
    X, y = flipped(n=4000, flip=1500, seed=7)
    X, schema = frame(X)
    model = DriftRetrainClassifier(GaussianNB(), DDM(), mode="replace")
    model.learn_many(X[:1600], y[:1600], schema=schema)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    a = model.test_then_train_many(X[1600:], y[1600:], schema=schema, return_proba=True)
    b = twin.test_then_train_many(X[1600:], y[1600:], schema=schema, return_proba=True)
    np.testing.assert_array_equal(a, b)
    assert digest(twin) == digest(model)


def test_in_a_pipeline_batch_equals_one_at_a_time():
    X, y = flipped(n=2000, flip=800, seed=8)
    X = X * np.array([100.0, 0.01])  # scales that the scaler must fix
    X, schema = frame(X)
    make = lambda: StandardScaler() | DriftRetrainClassifier(GaussianNB(), DDM(), mode="replace")  # noqa: E731
    batch, loop = make(), make()
    got = batch.test_then_train_many(X, y, schema=schema, return_proba=True)
    exp = one_at_a_time(loop, X, y)
    np.testing.assert_allclose(got, exp, rtol=0, atol=1e-12)
    assert batch.final.n_drifts_ >= 1
    assert digest(batch) == digest(loop)


def test_new_class_mid_stream():
    X, y = flipped(n=1500, flip=10_000, seed=9)
    y = y.astype(object)
    y[1000:] = np.where(X[1000:, 0] > 1.0, "scan", y[1000:])
    X, schema = frame(X)
    batch = DriftRetrainClassifier(GaussianNB(), DDM(min_instances=5, warning_level=0.5, drift_level=1.0))
    loop = DriftRetrainClassifier(GaussianNB(), DDM(min_instances=5, warning_level=0.5, drift_level=1.0))
    got = batch.test_then_train_many(X, y.astype(str), schema=schema, return_proba=True)
    exp = one_at_a_time(loop, X, y.astype(str))
    np.testing.assert_allclose(got, exp, rtol=0, atol=1e-12)
    assert "scan" in batch.classes_


def test_predict_before_learning_and_bad_params():
    model = DriftRetrainClassifier(GaussianNB(), ADWIN())
    assert model.predict_one({"a": 1.0}) is None and model.predict_proba_one({"a": 1.0}) == {}
    with pytest.raises(InvalidParameterError, match="'model'"):
        DriftRetrainClassifier(ADWIN(), ADWIN())
    with pytest.raises(InvalidParameterError, match="'detector'"):
        DriftRetrainClassifier(GaussianNB(), GaussianNB())
    with pytest.raises(InvalidParameterError, match="'mode'"):
        DriftRetrainClassifier(GaussianNB(), ADWIN(), mode="retrain")


class EveryKthError(DriftDetector):
    """A plain DriftDetector (not compiled): a drift at every k-th error, a warning one error before."""

    def __init__(self, k: int = 10):
        self.k = k
        self._validate_params()

    def update(self, value):
        self.errors_ = getattr(self, "errors_", 0) + int(value)
        self.drift_detected = self.errors_ % self.k == 0 and value == 1
        self.warning_detected = self.errors_ % self.k == self.k - 1
        return self.drift_detected


def test_any_drift_detector_works_one_value_at_a_time():
    X, y = flipped(n=1500, flip=600, seed=10)
    X, schema = frame(X)
    for mode in ("reset", "replace"):
        batch = DriftRetrainClassifier(GaussianNB(), EveryKthError(), mode=mode)
        loop = DriftRetrainClassifier(GaussianNB(), EveryKthError(), mode=mode)
        got = batch.test_then_train_many(X, y, schema=schema, return_proba=True)
        exp = one_at_a_time(loop, X, y)
        np.testing.assert_allclose(got, exp, rtol=0, atol=1e-12)
        assert batch.n_drifts_ == loop.n_drifts_ >= 3


def test_falls_of_the_error_rate_do_not_replace_the_model():
    # ADWIN also sees the error rate fall while a new model learns: that is no reason to reset it
    rng = np.random.default_rng(0)
    n = 40_000
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + X[:, 1] > 0) ^ ((np.arange(n) // 10_000) % 2 == 1)  # flips at 10k, 20k, 30k
    model = DriftRetrainClassifier(GaussianNB(), ADWIN())
    pred = model.test_then_train_many(X, y)
    assert 3 <= model.n_drifts_ <= 6
    assert model.detector_.n_drifts_ > model.n_drifts_  # falls were detected, and passed over
    assert (pred == y).mean() > 0.97
