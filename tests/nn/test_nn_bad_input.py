"""Bad input: NaN/inf features, width changes, unseen labels, modules that do not fit the task."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn_helpers import xor_data  # noqa: E402

from streamlearn.base.errors import InvalidParameterError, SchemaError  # noqa: E402
from streamlearn.nn import (  # noqa: E402
    MLPClassifier,
    RNNClassifier,
    TorchAnomalyDetector,
    TorchClassifier,
    TorchForecaster,
    TorchRegressor,
    TransformerClassifier,
)


def fitted(**params):
    X, y = xor_data(40, seed=1)
    return MLPClassifier(hidden=4, batch_size=4, seed=1, **params).learn_many(X, y)


def test_nan_and_inf_features_are_imputed_as_zero_and_counted():
    model = fitted()
    p0 = model.predict_proba_one({0: 0.0, 1: 0.7})
    assert model.predict_proba_one({0: float("nan"), 1: 0.7}) == p0
    assert model.predict_proba_one({0: float("inf"), 1: 0.7}) == p0  # the schema makes inf missing
    assert model.predict_proba_one({1: 0.7}) == p0  # a missing key too
    assert model.n_imputed_ == 0
    X = np.array([[np.nan, 1.0], [np.inf, -np.inf], [0.5, 0.5]])
    model.learn_many(X, ["same", "diff", "same"])
    assert model.n_imputed_ == 3


def test_a_module_instance_cannot_grow():
    net = torch.nn.Linear(2, 2)
    X, y = xor_data(20, seed=2)
    model = TorchClassifier(module=net, batch_size=4, seed=1).learn_many(X, y)
    assert model._net is not net  # a copy is trained; the argument stays as given
    p = model.predict_proba_one({0: 0.3, 1: 0.2})
    assert model.predict_proba_one({0: 0.3, 1: 0.2, "new": 1.0}) == p  # ignored for predictions
    with pytest.raises(SchemaError, match="cannot grow"):
        model.learn_one({0: 0.3, 1: 0.2, "new": 1.0}, "same")
    model.learn_one({0: 0.3, 1: 0.2}, "same")  # the new column is missing here: fine
    with pytest.raises(SchemaError, match="2 outputs and cannot grow"):
        model.learn_one({0: 0.3, 1: 0.2}, "third")


def test_a_module_with_more_outputs_than_classes_uses_the_first():
    model = TorchClassifier(module=torch.nn.Linear(2, 5), batch_size=1, seed=1)
    X, y = xor_data(10, seed=3)
    model.learn_many(X, y)
    assert model.n_outputs_ == 5 and model.n_classes_ == 2
    assert model.predict_proba_many(X).shape == (10, 2)
    np.testing.assert_allclose(model.predict_proba_many(X).sum(axis=1), 1.0)


def test_a_module_that_cannot_read_the_input_is_a_clear_error():
    model = TorchClassifier(module=torch.nn.Linear(10, 2), seed=1)
    with pytest.raises(InvalidParameterError, match=r"cannot read an example of shape \(1, 2\)"):
        model.learn_many(*xor_data(4))


class _Wide(torch.nn.Module):
    def __init__(self, n_features, n_outputs, window=1):
        super().__init__()
        self.lin = torch.nn.Linear(n_features * window, 3)  # ignores n_outputs

    def forward(self, x):
        return self.lin(x.reshape(len(x), -1))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (TorchRegressor(module=_Wide, seed=1), r"one value per example .* shape \(1, 3\)"),
        (TorchClassifier(module=_Wide, seed=1), r"asked for 1 outputs .* returns 3"),
        (TorchAnomalyDetector(module=_Wide, seed=1), r"reconstruct its input: .* \(1, 2\) .* \(1, 3\)"),
        (TorchForecaster(module=_Wide, window=2, horizon=2, seed=1), r"horizon \* n_series = 2 values"),
    ],
)
def test_a_module_whose_output_does_not_fit_the_task_is_a_clear_error(model, message):
    X, y = xor_data(4)
    with pytest.raises(SchemaError, match=message):
        if model.task == "forecasting":
            model.learn_many(X[:, 0])
        elif model.task == "anomaly":
            model.learn_many(X)
        elif model.task == "regression":
            model.learn_many(X, np.arange(4.0))
        else:
            model.learn_many(X, y)


def test_a_module_returning_something_else_than_a_tensor():
    class Tuple(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 2)

        def forward(self, x):
            return (self.lin(x),)

    with pytest.raises(InvalidParameterError, match="must return a tensor"):
        TorchClassifier(module=Tuple(), seed=1).learn_many(*xor_data(4))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: TorchClassifier(module="nope"), "module name"),
        (lambda: TorchClassifier(module="lstm"), "reads windows of records: set window"),
        (lambda: TorchClassifier(key="host"), "'key' parameter .* needs a window"),
        (lambda: TorchClassifier(lr_schedule_params={"gamma": 0.9}), "needs an lr_schedule"),
        (lambda: TorchClassifier(lr_schedule="step", lr_schedule_params={"decay": 1.0}), "unknown keys"),
        (lambda: TransformerClassifier(d_model=10, n_heads=4), "multiple of n_heads"),
        (lambda: MLPClassifier(hidden=[4, 0]), "'hidden' parameter"),
        (lambda: MLPClassifier(batch_size=0), "'batch_size' parameter"),
        (lambda: MLPClassifier(device="gpu"), "'device' parameter"),
    ],
)
def test_bad_parameters_are_named(build, message):
    with pytest.raises(InvalidParameterError, match=message):
        build()


def test_module_params_that_the_module_rejects():
    with pytest.raises(InvalidParameterError, match="could not build its module 'MLP'"):
        TorchClassifier(module_params={"widht": 3}).learn_many(*xor_data(4))


def test_categorical_inputs_must_be_encoded_except_the_key():
    with pytest.raises(SchemaError, match="Encode them first"):
        MLPClassifier().learn_one({"proto": "tcp", "bytes": 1.0}, "a")
    model = RNNClassifier(hidden=2, window=2, key="host", batch_size=1, seed=1)
    model.learn_one({"host": "h1", "bytes": 1.0}, "a")  # a categorical key is fine
    assert model.n_features_ == 1
    with pytest.raises(SchemaError, match="'proto'"):
        model.learn_one({"host": "h1", "bytes": 1.0, "proto": "tcp"}, "a")


def test_a_one_dimensional_batch_is_a_schema_error():
    with pytest.raises(SchemaError):
        MLPClassifier().learn_many(np.array([1.0, 2.0]), ["a", "b"])


def test_predictions_before_learning_are_empty_or_zero():
    assert MLPClassifier().predict_proba_one({"a": 1.0}) == {}
    assert TorchRegressor().predict_one({"a": 1.0}) == 0.0
    assert TorchAnomalyDetector().score_one({"a": 1.0}) == 0.0
    f = TorchForecaster()
    assert all(math.isnan(v) for v in f.forecast(3))
