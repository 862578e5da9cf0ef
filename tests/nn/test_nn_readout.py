"""The per-record readout of the recurrent classifier, and truncated backpropagation."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import streamlearn  # noqa: E402
from streamlearn.base.errors import InvalidParameterError  # noqa: E402
from streamlearn.nn import RNNClassifier, TorchClassifier  # noqa: E402
from streamlearn.nn.modules import RNN  # noqa: E402


def regimes(n: int, seed: int = 0, period: int = 150) -> tuple[np.ndarray, np.ndarray]:
    """The label is the sign of feature 0, flipped every ``period`` records (a drifting stream)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    flip = (np.arange(n) // period) % 2 == 1
    y = np.where((X[:, 0] > 0) ^ flip, "up", "down")
    return X, y


def test_the_readout_follows_the_stream_between_updates():
    X, y = regimes(3000, period=300)
    common = {"hidden": 8, "window": 4, "batch_size": 128, "seed": 1}
    with_readout = RNNClassifier(**common).test_then_train_many(X, y)
    without = RNNClassifier(readout=None, **common).test_then_train_many(X, y)
    acc_with, acc_without = np.mean(with_readout == y), np.mean(without == y)
    assert acc_with > 0.8  # the network alone is at chance: its updates come too late
    assert acc_with > acc_without + 0.25


@pytest.mark.parametrize("stacked", [{}, {"n_layers": 2, "dropout": 0.3}])
def test_each_record_is_predicted_with_the_readout_before_its_own_step(stacked):
    """Predictions use the weights before the record (and evaluation mode, with dropout)."""
    X, y = regimes(90, seed=1)
    model = RNNClassifier(hidden=4, window=3, batch_size=16, seed=2, **stacked)
    P = model.test_then_train_many(X, y, return_proba=True)
    for k in (20, 31, 32, 47, 80):  # inside a micro-batch, at its end, right after an update
        twin = RNNClassifier(hidden=4, window=3, batch_size=16, seed=2, **stacked)
        twin.learn_many(X[:k], y[:k])
        expected = twin.predict_proba_many(X[k : k + 1])
        np.testing.assert_allclose(P[k], expected[0], atol=1e-13)


def test_one_readout_step_is_normalised_lms_plus_adagrad_on_the_cross_entropy():
    X, y = regimes(40, seed=2)
    model = RNNClassifier(hidden=3, window=2, batch_size=1000, readout=0.5, readout_slow=0.1, seed=3)
    model.learn_many(X[:39], y[:39])  # no update of the module: its micro-batch is not full
    before = {k: getattr(model, k).copy() for k in ("readout_W_", "readout_b_", "readout_V_", "readout_c_")}
    GV, Gc = model.readout_GV_.copy(), model.readout_Gc_.copy()
    x = X[39:40]
    raw = model._forward(model._pred_examples(x)).numpy()
    S, h = raw[0, :2], raw[0, 2:]
    F = np.concatenate([h, x[0]])
    W, b, V, c = before.values()
    z = S + (W + V) @ F + b + c
    g = np.exp(z - z.max())
    g /= g.sum()
    g[model.classes_.index(y[39])] -= 1.0
    model.learn_many(x, y[39:])
    G = np.outer(g, F)
    r = 0.5 / (1.0 + F @ F)
    np.testing.assert_allclose(model.readout_W_, W - r * G, atol=1e-14)
    np.testing.assert_allclose(model.readout_b_, b - r * g, atol=1e-14)
    np.testing.assert_allclose(model.readout_GV_, GV + G**2, atol=1e-14)
    np.testing.assert_allclose(model.readout_V_, V - 0.1 * G / (np.sqrt(GV + G**2) + 1e-8), atol=1e-12)
    np.testing.assert_allclose(model.readout_c_, c - 0.1 * g / (np.sqrt(Gc + g**2) + 1e-8), atol=1e-12)


def test_the_slow_part_can_be_turned_off():
    X, y = regimes(200, seed=8)
    model = RNNClassifier(hidden=3, window=2, batch_size=16, readout_slow=0.0, seed=1).learn_many(X, y)
    assert not model.readout_V_.any() and not model.readout_c_.any()
    assert model.readout_W_.any()


def test_without_readout_the_classifier_is_the_plain_recurrent_network():
    X, y = regimes(200, seed=3)
    a = RNNClassifier(cell="gru", hidden=4, window=3, batch_size=8, readout=None, seed=1)
    b = TorchClassifier(module="gru", module_params={"hidden": 4}, window=3, batch_size=8, seed=1)
    np.testing.assert_array_equal(
        a.test_then_train_many(X, y, return_proba=True), b.test_then_train_many(X, y, return_proba=True)
    )
    assert not hasattr(a, "readout_W_")


def test_a_new_class_and_a_new_feature_grow_the_readout():
    X, y = regimes(60, seed=4)
    model = RNNClassifier(hidden=3, window=2, batch_size=8, seed=1)
    model.learn_many(X, y)
    assert model.readout_W_.shape == (2, 3 + 3)
    model.learn_one({0: 0.1, 1: 0.2, 2: 0.3}, "scan")
    assert model.readout_W_.shape == (3, 6)
    assert model.readout_b_[2] > 0  # the new class's row was learned (from zero) on its record
    P = model.predict_proba_one({0: 0.1, 1: 0.2, 2: 0.3, "late": 1.0})  # a column never seen
    assert set(P) == {"up", "down", "scan"}
    model.learn_one({0: 0.1, 1: 0.2, 2: 0.3, "late": 1.0}, "up")
    assert model.n_features_ == 4 and model.readout_W_.shape == (3, 3 + 4)


def test_non_finite_features_skip_the_readout_step_and_are_counted():
    X, y = regimes(64, seed=5)
    model = RNNClassifier(hidden=3, window=2, batch_size=1000, seed=1)
    model.learn_many(X, y)
    W = model.readout_W_.copy()
    bad = np.array([[1e200, 0.0, 0.0]])  # finite, but its squared norm overflows
    with pytest.warns(RuntimeWarning, match="non-finite readout"):
        model.learn_many(bad, np.array(["up"]))
    assert model.n_nonfinite_ == 1
    np.testing.assert_array_equal(model.readout_W_, W)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.learn_many(X[:5], y[:5])  # learning goes on
    assert np.isfinite(model.readout_W_).all()


def test_the_readout_resumes_exactly_after_save_and_load(tmp_path):
    X, y = regimes(300, seed=6)
    model = RNNClassifier(hidden=4, window=3, batch_size=16, seed=1)
    twin = model.clone()
    model.learn_many(X[:150], y[:150])
    streamlearn.save(model, tmp_path / "m.npz")
    loaded = streamlearn.load(tmp_path / "m.npz")
    twin.learn_many(X[:150], y[:150])
    got = loaded.test_then_train_many(X[150:], y[150:], return_proba=True)
    expected = twin.test_then_train_many(X[150:], y[150:], return_proba=True)
    np.testing.assert_array_equal(got, expected)
    assert streamlearn.digest(loaded) == streamlearn.digest(twin)


def test_bad_readout_values_are_refused():
    for bad in (0.0, -1.0, "fast"):
        with pytest.raises(InvalidParameterError, match="readout"):
            RNNClassifier(readout=bad)
    with pytest.raises(InvalidParameterError, match="readout_slow"):
        RNNClassifier(readout_slow=-0.1)
    with pytest.raises(InvalidParameterError, match="bptt"):
        RNNClassifier(bptt=0)


# -- truncated backpropagation and the shared steps of embed_last ------------------------------


def windows(n: int, w: int, f: int, seed: int = 0) -> torch.Tensor:
    S = torch.from_numpy(np.random.default_rng(seed).normal(size=(n + w - 1, f)))
    return S.unfold(0, w, 1).permute(0, 2, 1).contiguous()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_embed_last_equals_two_full_passes(cell):
    torch.manual_seed(0)
    net = RNN(n_features=3, n_outputs=2, cell=cell, hidden=5, n_layers=2).double()
    x = windows(12, 6, 3)
    last = torch.from_numpy(np.random.default_rng(1).normal(size=(4, 3)))
    h, other = net.embed_last(x, last, 3, 7)
    x2 = x[3:7].clone()
    x2[:, -1] = last
    with torch.no_grad():
        torch.testing.assert_close(h, net.embed(x), atol=1e-14, rtol=0)
        torch.testing.assert_close(other, net.embed(x2), atol=1e-14, rtol=0)


def test_truncated_backpropagation_changes_the_gradient_not_the_output():
    torch.manual_seed(0)
    full = RNN(n_features=3, n_outputs=2, hidden=5).double()
    short = RNN(n_features=3, n_outputs=2, hidden=5, bptt=2).double()
    short.load_state_dict(full.state_dict())
    x = windows(10, 6, 3)
    out_full, out_short = full(x), short(x)
    torch.testing.assert_close(out_full, out_short, atol=1e-14, rtol=0)
    out_full.sum().backward()
    out_short.sum().backward()
    g_full, g_short = full.rnn.weight_ih_l0.grad, short.rnn.weight_ih_l0.grad
    assert not torch.allclose(g_full, g_short)
    as_long = RNN(n_features=3, n_outputs=2, hidden=5, bptt=6).double()  # bptt >= window: exact
    as_long.load_state_dict(full.state_dict())
    as_long(x).sum().backward()
    torch.testing.assert_close(as_long.rnn.weight_ih_l0.grad, g_full, atol=1e-14, rtol=0)


def test_bptt_learns_through_the_classifier():
    X, y = regimes(400, seed=7)
    a = RNNClassifier(hidden=4, window=6, batch_size=8, bptt=2, seed=1)
    b = RNNClassifier(hidden=4, window=6, batch_size=8, bptt=6, seed=1)
    c = RNNClassifier(hidden=4, window=6, batch_size=8, seed=1)
    pa, pb, pc = (m.test_then_train_many(X, y, return_proba=True) for m in (a, b, c))
    np.testing.assert_allclose(pb, pc, atol=1e-13)  # bptt >= window is full backpropagation
    assert not np.allclose(pa, pc)
