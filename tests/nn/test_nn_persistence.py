"""Save and load through streamlearn: arrays only, and learning resumes exactly."""

import json
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn_helpers import same_weights, xor_data  # noqa: E402

import streamlearn  # noqa: E402
from streamlearn.base.errors import PersistenceError  # noqa: E402
from streamlearn.nn import (  # noqa: E402
    AutoencoderDetector,
    MLPClassifier,
    RNNClassifier,
    RNNForecaster,
    TorchClassifier,
    register_module,
)
from streamlearn.preprocessing import StandardScaler  # noqa: E402


def resume(model, learn, tmp_path):
    """Learn half, save, load, learn the rest; compare with learning all without a break."""
    twin = model.clone()
    learn(model, 0)
    path = tmp_path / "m.npz"
    streamlearn.save(model, path)
    loaded = streamlearn.load(path)
    assert streamlearn.digest(loaded) == streamlearn.digest(model)
    for m in (loaded, model):
        learn(m, 1)
    learn(twin, 0)
    learn(twin, 1)
    return loaded, model, twin


def test_mlp_with_dropout_replay_schedule_resumes_exactly(tmp_path):
    X, y = xor_data(300, seed=1)
    model = MLPClassifier(
        hidden=8,
        dropout=0.2,
        optimizer="adamw",
        batch_size=8,
        replay_size=30,
        lr_schedule="cosine",
        seed=4,
    )

    def learn(m, half):
        part = slice(0, 150) if half == 0 else slice(150, None)
        m.learn_many(X[part], y[part])

    loaded, model, twin = resume(model, learn, tmp_path)
    assert same_weights(loaded, model) and same_weights(loaded, twin)
    assert streamlearn.digest(loaded) == streamlearn.digest(twin)
    np.testing.assert_array_equal(loaded.predict_proba_many(X[:20]), twin.predict_proba_many(X[:20]))


def test_pipeline_with_keyed_rnn_resumes_exactly(tmp_path):
    rng = np.random.default_rng(2)
    hosts = rng.integers(0, 3, size=200)
    records = [
        ({"host": f"h{h}", "v": float(v)}, "up" if v > 0 else "down")
        for h, v in zip(hosts, rng.normal(size=200))
    ]
    model = StandardScaler() | RNNClassifier(cell="gru", hidden=4, window=3, key="host", batch_size=4, seed=1)

    def learn(m, half):
        for x, label in records[:100] if half == 0 else records[100:]:
            m.learn_one(x, label)

    loaded, model, twin = resume(model, learn, tmp_path)
    assert streamlearn.digest(loaded) == streamlearn.digest(model) == streamlearn.digest(twin)


def test_forecaster_and_denoising_autoencoder_resume_exactly(tmp_path):
    t = np.arange(400.0)
    Y = np.column_stack([np.sin(t / 5), np.cos(t / 7)])
    fc = RNNForecaster(hidden=4, window=5, horizon=2, batch_size=4, replay_size=10, seed=1)
    loaded, _model, twin = resume(fc, lambda m, h: m.learn_many(Y[:200] if h == 0 else Y[200:]), tmp_path)
    assert streamlearn.digest(loaded) == streamlearn.digest(twin)
    np.testing.assert_array_equal(loaded.forecast(5), twin.forecast(5))
    X = np.random.default_rng(3).normal(size=(300, 4))
    ae = AutoencoderDetector(hidden=6, latent=2, noise=0.2, batch_size=8, seed=1)
    loaded, _model, twin = resume(ae, lambda m, h: m.learn_many(X[:150] if h == 0 else X[150:]), tmp_path)
    assert streamlearn.digest(loaded) == streamlearn.digest(twin)


def test_the_file_holds_a_manifest_and_arrays_only(tmp_path):
    X, y = xor_data(50)
    model = MLPClassifier(hidden=4, batch_size=4, seed=1).learn_many(X, y)
    path = tmp_path / "m.npz"
    streamlearn.save(model, path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        manifest = json.loads(z.read("manifest.json"))
        for name in names:
            if name.endswith(".npy"):
                with z.open(name) as f:
                    np.lib.format.read_array(f, allow_pickle=False)  # plain arrays, no pickle
    assert set(names) == {"manifest.json"} | {n for n in names if n.endswith(".npy")}
    state = manifest["model"]["state"]
    assert set(state["module_state_"]) == {
        "net.0.weight",
        "net.0.bias",
        "net.2.weight",
        "net.2.bias",
        "net.4.weight",
        "net.4.bias",
    }
    assert set(state["optimizer_state_"]["0"]) == {"exp_avg", "exp_avg_sq", "step:scalar"}


def test_a_module_class_must_be_registered_to_be_saved(tmp_path):
    class Net(torch.nn.Module):
        def __init__(self, n_features, n_outputs):
            super().__init__()
            self.lin = torch.nn.Linear(n_features, n_outputs)

        def forward(self, x):
            return self.lin(x)

    X, y = xor_data(40)
    with pytest.raises(PersistenceError):
        streamlearn.save(TorchClassifier(module=Net, seed=1).learn_many(X, y), tmp_path / "a.npz")
    register_module("test_linear_net")(Net)
    model = TorchClassifier(module="test_linear_net", batch_size=4, seed=1).learn_many(X, y)
    streamlearn.save(model, tmp_path / "b.npz")
    loaded = streamlearn.load(tmp_path / "b.npz")
    np.testing.assert_array_equal(loaded.predict_proba_many(X), model.predict_proba_many(X))
    with pytest.raises(ValueError, match="Cannot register"):
        register_module("mlp")(Net)
