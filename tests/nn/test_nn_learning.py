"""The torch learners learn simple problems a linear model cannot."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn_helpers import xor_data  # noqa: E402

from streamlearn.metrics import get as metric  # noqa: E402
from streamlearn.nn import (  # noqa: E402
    AutoencoderDetector,
    CNN1dClassifier,
    MLPClassifier,
    MLPRegressor,
    RNNClassifier,
    RNNRegressor,
    TorchClassifier,
    TransformerClassifier,
)
from streamlearn.preprocessing import StandardScaler  # noqa: E402


def accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    return float((pred == y).mean())


def test_mlp_learns_xor_which_a_linear_model_cannot():
    X, y = xor_data(4000)
    mlp = MLPClassifier(hidden=16, lr=0.01, batch_size=8, seed=1)
    linear = MLPClassifier(n_layers=0, lr=0.01, batch_size=8, seed=1)  # no hidden layer
    assert accuracy(mlp.test_then_train_many(X, y)[2000:], y[2000:]) > 0.93
    assert accuracy(linear.test_then_train_many(X, y)[2000:], y[2000:]) < 0.65


def test_mlp_regressor_fits_a_nonlinear_function_of_any_scale():
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, size=(6000, 2))
    y = 1e4 + 3e3 * np.sin(2 * X[:, 0]) + 1e3 * X[:, 1] ** 2  # targets far from 0: standardised inside
    model = MLPRegressor(hidden=32, lr=0.005, batch_size=16, seed=3)
    pred = model.test_then_train_many(X, y)
    mae = np.abs(pred[-1000:] - y[-1000:]).mean()
    assert mae < 0.05 * y.std()
    # the running target statistics match the data's
    assert model.y_n_[0] == len(y)
    np.testing.assert_allclose(model.y_mean_[0], y.mean(), rtol=1e-12)
    np.testing.assert_allclose(model.y_m2_[0] / len(y), y.var(), rtol=1e-9)


def test_rnn_classifier_remembers_the_window():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5000, 1))
    y = np.where(np.roll(X[:, 0], 3) > 0, "up", "down")  # the sign three records ago
    rnn = RNNClassifier(cell="lstm", hidden=16, window=5, lr=0.01, batch_size=8, seed=1)
    mlp = MLPClassifier(hidden=16, lr=0.01, batch_size=8, seed=1)  # sees only the current record
    assert accuracy(rnn.test_then_train_many(X, y)[4000:], y[4000:]) > 0.95
    assert accuracy(mlp.test_then_train_many(X, y)[4000:], y[4000:]) < 0.6


def test_cnn_and_transformer_read_the_window():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(4000, 1))
    y = np.where(np.roll(X[:, 0], 1) + np.roll(X[:, 0], 2) > 0, "up", "down")
    for model in (
        CNN1dClassifier(channels=8, window=4, lr=0.01, batch_size=8, seed=1),
        TransformerClassifier(d_model=16, n_heads=2, window=4, lr=0.005, batch_size=8, seed=1),
    ):
        assert accuracy(model.test_then_train_many(X, y)[3000:], y[3000:]) > 0.9, model


def test_rnn_regressor_sums_the_window():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(5000, 1))
    y = X[:, 0] + np.roll(X[:, 0], 1) + np.roll(X[:, 0], 2)
    model = RNNRegressor(cell="gru", hidden=16, window=3, lr=0.01, batch_size=8, seed=1)
    pred = model.test_then_train_many(X, y)
    assert np.abs(pred[-1000:] - y[-1000:]).mean() < 0.2


def test_autoencoder_scores_off_manifold_records_higher():
    rng = np.random.default_rng(6)
    t = rng.normal(size=(5000, 1))
    X = np.hstack([t, 2 * t, -t, np.tanh(t)]) + 0.05 * rng.normal(size=(5000, 4))
    is_anomaly = np.zeros(5000, dtype=bool)
    is_anomaly[2000::25] = True
    X[is_anomaly] = rng.normal(size=(is_anomaly.sum(), 4)) * 2
    for noise, kind in ((0.0, "gaussian"), (0.1, "gaussian"), (0.2, "mask")):
        det = StandardScaler() | AutoencoderDetector(
            hidden=16, latent=2, noise=noise, noise_kind=kind, seed=1
        )
        scores = det.test_then_train_many(X)
        auc = metric("roc_auc")
        auc.update_many(is_anomaly[2000:], scores[2000:])
        assert auc.get() > 0.95, (noise, kind, auc.get())


def test_generic_wrapper_takes_a_module_class_with_routed_params():
    class Net(torch.nn.Module):
        def __init__(self, n_features, n_outputs, width=4):
            super().__init__()
            self.body = torch.nn.Sequential(
                torch.nn.Linear(n_features, width), torch.nn.Tanh(), torch.nn.Linear(width, n_outputs)
            )

        def forward(self, x):
            return self.body(x)

    X, y = xor_data(3000, seed=7)
    model = TorchClassifier(module=Net, module_params={"width": 16}, lr=0.02, batch_size=8, seed=1)
    assert accuracy(model.test_then_train_many(X, y)[2000:], y[2000:]) > 0.9
    assert model._net.body[0].out_features == 16  # module_params reached the constructor
