import numpy as np
import pytest

from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.compose import Pipeline
from streamlearn.linear_model import LinearRegression, LogisticRegression
from streamlearn.naive_bayes import GaussianNB
from streamlearn.preprocessing import StandardScaler


@pytest.mark.parametrize("model", [GaussianNB(), StandardScaler() | LogisticRegression()])
def test_x_and_y_lengths_must_match(model):
    with pytest.raises(SchemaError, match="3 rows but y has 2"):
        model.learn_many(np.zeros((3, 2)), ["a", "b"])


def test_string_arrays_are_refused_with_a_hint():
    with pytest.raises(SchemaError, match="DataFrame"):
        GaussianNB().learn_many(np.array([["a", "b"]]), ["x"])


def test_missing_label_is_an_error_when_learning():
    with pytest.raises(SchemaError, match="missing label"):
        GaussianNB().learn_one({"a": 1.0}, None)
    with pytest.raises(SchemaError, match="missing label"):
        GaussianNB().learn_many(np.zeros((2, 1)), np.array([1.0, np.nan]))


def test_regression_targets_must_be_finite_numbers():
    with pytest.raises(SchemaError, match="finite"):
        LinearRegression().learn_many(np.zeros((2, 1)), [1.0, np.inf])
    with pytest.raises(SchemaError, match="numbers"):
        LinearRegression().learn_one({"a": 1.0}, "high")


def test_numeric_learner_refuses_categories_with_a_fix():
    with pytest.raises(SchemaError, match="OneHotEncoder"):
        LogisticRegression().learn_one({"proto": "tcp"}, True)


def test_pipeline_needs_transformers_before_the_last_step():
    with pytest.raises(InvalidParameterError, match="not a transformer"):
        Pipeline([GaussianNB(), StandardScaler()])
    with pytest.raises(InvalidParameterError, match="non-empty list"):
        Pipeline([])


def test_pipeline_one_at_a_time_equals_batch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] > 0
    a, b = StandardScaler() | LogisticRegression(), StandardScaler() | LogisticRegression()
    P = a.test_then_train_many(X, y, return_proba=True)
    rows = []
    for x, t in zip(X, y):
        rec = dict(enumerate(x.tolist()))
        p = b.predict_proba_one(rec)
        rows.append([p.get(c, 0.0) for c in a.classes_])
        b.learn_one(rec, bool(t))
    np.testing.assert_allclose(P, rows, rtol=1e-12, atol=1e-12)
    assert b.predict_one({0: 3.0, 1: 0.0, 2: 0.0}) is True  # a plain Python label, not a NumPy scalar
