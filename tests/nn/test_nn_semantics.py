"""Micro-batches, exact test-then-train, growth, replay, schedules, clipping, device, threads."""

import copy
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn_helpers import same_weights, weights, xor_data  # noqa: E402

from streamlearn import make  # noqa: E402
from streamlearn.base.persistence import digest  # noqa: E402
from streamlearn.compose.auto import with_preprocessing  # noqa: E402
from streamlearn.nn import (  # noqa: E402
    MLPClassifier,
    MLPRegressor,
    RNNClassifier,
    TorchClassifier,
    TorchRegressor,
)


def test_micro_batches_wait_in_a_buffer_and_flush_learns_them():
    X, y = xor_data(10)
    model = MLPClassifier(hidden=4, batch_size=4, seed=1)
    model.learn_many(X, y)
    assert model.n_steps_ == 2  # rows 0-3 and 4-7
    assert model.pending_X_.shape == (2, 2)
    np.testing.assert_array_equal(model.pending_X_, X[8:])
    model.flush()
    assert model.n_steps_ == 3 and not hasattr(model, "pending_X_")


def test_one_update_equals_a_hand_written_sgd_step():
    X, y = xor_data(8, seed=3)
    model = MLPClassifier(hidden=5, n_layers=1, optimizer="sgd", lr=0.3, batch_size=4, seed=2)
    model.learn_many(X[:3], y[:3])  # builds the module; 3 rows wait
    net = copy.deepcopy(model._net)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    model.learn_many(X[3:4], y[3:4])  # the 4th row completes the micro-batch: one update
    codes = torch.tensor(model._codes(y[:4]))
    logits = net(torch.tensor(X[:4]))
    k = model.n_classes_
    loss = torch.nn.functional.cross_entropy(logits[:, :k], codes)
    loss.backward()
    expected = {name: before[name] - 0.3 * p.grad for name, p in net.named_parameters()}
    got = weights(model)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value.detach().numpy(), rtol=0, atol=1e-15)


@pytest.mark.parametrize("batch_size", [1, 3, 8])
def test_outer_batches_never_change_the_model(batch_size):
    X, y = xor_data(50, seed=4)
    a = MLPClassifier(hidden=4, batch_size=batch_size, seed=1)
    b = MLPClassifier(hidden=4, batch_size=batch_size, seed=1)
    c = MLPClassifier(hidden=4, batch_size=batch_size, seed=1)
    Pa = a.test_then_train_many(X, y, return_proba=True)
    Pb = [b.test_then_train_many(X[i : i + 7], y[i : i + 7], return_proba=True) for i in range(0, 50, 7)]
    rows = []
    for x, label in zip(X, y):  # predict_one then learn_one
        rows.append(c.predict_proba_one({0: x[0], 1: x[1]}))
        c.learn_one({0: x[0], 1: x[1]}, label)
    k = len(a.classes_)
    Pb = np.vstack([np.pad(p, ((0, 0), (0, k - p.shape[1]))) for p in Pb])
    Pc = np.array([[r.get(cl, 0.0) for cl in a.classes_] for r in rows])
    np.testing.assert_allclose(Pa, Pb, atol=1e-13)
    np.testing.assert_allclose(Pa, Pc, atol=1e-13)
    assert digest(a) == digest(b) == digest(c)


def test_test_then_train_predicts_each_micro_batch_before_learning_it():
    """With batch_size B, rows are predicted by the weights after the previous full micro-batch."""
    X, y = xor_data(24, seed=5)
    model = MLPClassifier(hidden=4, batch_size=8, seed=1)
    twin = MLPClassifier(hidden=4, batch_size=8, seed=1)
    P = model.test_then_train_many(X, y, return_proba=True)
    twin.learn_many(X[:8], y[:8])  # builds and makes the first update
    expected = twin.predict_proba_many(X[8:16])
    np.testing.assert_allclose(P[8:16, : expected.shape[1]], expected, atol=1e-14)


def test_new_class_grows_the_output_layer_with_zero_weights():
    X, y = xor_data(40, seed=6)
    model = MLPClassifier(hidden=4, n_layers=1, batch_size=4, seed=1)
    model.learn_many(X, y)
    assert model.n_classes_ == 2 and model._net.net[-1].out_features == 2
    old = weights(model)
    model.learn_one({0: 0.1, 1: 0.2}, "scan")  # a label never seen before: waits in the buffer
    assert model.classes_[2] == "scan" and model.n_classes_ == 3
    new = weights(model)
    w_old, w_new = old["net.2.weight"], new["net.2.weight"]
    assert w_new.shape == (3, 4)
    np.testing.assert_array_equal(w_new[:2], w_old)
    np.testing.assert_array_equal(w_new[2], 0.0)
    assert new["net.2.bias"][2] == 0.0
    # the new score is 0: the odds between old classes are unchanged
    p = model.predict_proba_one({0: 0.5, 1: -0.5})
    q = MLPClassifier(hidden=4, n_layers=1, batch_size=4, seed=1)
    q.learn_many(X, y)
    p_old = q.predict_proba_one({0: 0.5, 1: -0.5})
    assert math.isclose(p["diff"] / p["same"], p_old["diff"] / p_old["same"], rel_tol=1e-12)


def test_new_feature_grows_the_input_layer_and_keeps_predictions():
    X, y = xor_data(40, seed=7)
    model = MLPClassifier(hidden=4, batch_size=4, seed=1)
    model.learn_many(X, y)
    assert model.n_features_ == 2
    before = model.predict_proba_one({0: 0.3, 1: 0.4})
    after = model.predict_proba_one({0: 0.3, 1: 0.4, "late": 5.0})  # a column never seen: grows
    assert model.n_features_ == 3
    assert weights(model)["net.0.weight"].shape == (4, 3)
    np.testing.assert_array_equal(weights(model)["net.0.weight"][:, 2], 0.0)
    assert before == pytest.approx(after, abs=1e-15)
    opt = model._opt.state_dict()["state"][0]
    np.testing.assert_array_equal(opt["exp_avg"][:, 2].numpy(), 0.0)  # optimiser state widened too


def test_the_new_feature_is_learned():
    rng = np.random.default_rng(8)
    model = MLPClassifier(hidden=8, lr=0.01, batch_size=8, seed=1)
    noise = rng.normal(size=(2000, 1))
    model.learn_many(noise, np.where(rng.random(2000) > 0.5, "a", "b"))
    signal = rng.normal(size=2000)
    Xn = np.column_stack([rng.normal(size=2000), signal])
    from streamlearn.base.schema import Schema

    schema = Schema([0, "signal"])
    labels = np.where(signal > 0, "a", "b")
    pred = model.test_then_train_many(Xn, labels, schema=schema)
    assert model.n_features_ == 2
    assert (pred[1000:] == labels[1000:]).mean() > 0.95


def test_replay_reservoir_is_a_uniform_sample_and_joins_each_update():
    sizes = []

    class Recorder(torch.nn.Module):
        def __init__(self, n_features, n_outputs):
            super().__init__()
            self.lin = torch.nn.Linear(n_features, n_outputs)

        def forward(self, x):
            if self.training:
                sizes.append(len(x))
            return self.lin(x)

    X = np.arange(3000, dtype=float)[:, None]  # the feature is the row number
    y = np.arange(3000, dtype=float)
    model = TorchRegressor(module=Recorder, batch_size=10, replay_size=200, replay_batch=5, lr=1e-9, seed=1)
    model.learn_many(X, y)
    assert model.replay_X_.shape == (200, 1) and model.replay_seen_ == 3000
    assert sizes[0] == 10 and set(sizes[1:]) == {15}  # no replay before anything was stored
    kept = model.replay_X_[:, 0]
    assert len(np.unique(kept)) == 200
    np.testing.assert_array_equal(model.replay_y_, kept)  # examples and targets stay paired
    # Vitter's algorithm R keeps a uniform sample: mean ~ 1500 (sd of the mean ~ 61)
    assert abs(kept.mean() - 1499.5) < 250
    assert (kept < 1000).sum() > 30 and (kept >= 2000).sum() > 30


def test_replay_is_the_same_in_batches_and_one_at_a_time():
    X, y = xor_data(60, seed=9)
    a = MLPClassifier(hidden=4, batch_size=4, replay_size=10, seed=3)
    b = MLPClassifier(hidden=4, batch_size=4, replay_size=10, seed=3)
    a.learn_many(X, y)
    for x, label in zip(X, y):
        b.learn_one({0: x[0], 1: x[1]}, label)
    assert digest(a) == digest(b)


@pytest.mark.parametrize(
    ("kind", "params", "formula"),
    [
        ("exponential", {"gamma": 0.9}, lambda t: 0.9**t),
        ("step", {"gamma": 0.5, "step_size": 3}, lambda t: 0.5 ** (t // 3)),
        ("inverse_time", {"decay": 0.1}, lambda t: 1 / (1 + 0.1 * t)),
        (
            "cosine",
            {"period": 4, "min_factor": 0.2},
            lambda t: 0.2 + 0.8 * 0.5 * (1 + math.cos(math.pi * (t % 4) / 4)),
        ),
        ("warmup", {"steps": 5}, lambda t: min(1.0, (t + 1) / 5)),
    ],
)
def test_lr_schedules_set_the_optimizer_rate_per_update(kind, params, formula):
    X, y = xor_data(12, seed=10)
    model = MLPClassifier(hidden=3, lr=0.1, batch_size=1, lr_schedule=kind, lr_schedule_params=params, seed=1)
    for t in range(12):
        model.learn_one({0: X[t, 0], 1: X[t, 1]}, y[t])
        # the rate of update t (0-based) was lr * factor(t)
        assert model._opt.param_groups[0]["lr"] == pytest.approx(0.1 * formula(t), rel=1e-12)
    assert model.n_steps_ == 12


def test_lr_none_scales_with_the_square_root_of_the_batch_size():
    assert MLPClassifier(batch_size=1)._lr() == pytest.approx(1e-3)
    assert MLPClassifier(batch_size=64)._lr() == pytest.approx(8e-3)
    assert MLPClassifier(optimizer="sgd", batch_size=4)._lr() == pytest.approx(2e-2)
    assert MLPClassifier(lr=0.5, batch_size=64)._lr() == 0.5


def test_gradient_clipping_bounds_the_sgd_step():
    X = np.array([[100.0, -200.0]])
    for clip in (None, 0.01):
        model = MLPRegressor(
            hidden=4, optimizer="sgd", lr=1.0, batch_size=1, scale_target=False, clip_grad_norm=clip, seed=1
        )
        model.learn_one({0: 0.0, 1: 0.0}, 0.0)  # builds (and makes a first, tiny step)
        w0 = weights(model)
        model.learn_many(X, np.array([1e3]))
        w1 = weights(model)
        step = math.sqrt(sum(((w1[k] - w0[k]) ** 2).sum() for k in w0))
        if clip is None:
            assert step > 1.0
        else:
            assert step == pytest.approx(clip, rel=1e-6)  # lr * clip


def test_non_finite_loss_skips_the_update_and_is_counted():
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(16, 2)), rng.normal(size=16)
    model = MLPRegressor(hidden=4, batch_size=4, dtype="float32", scale_target=False, seed=1)
    model.learn_many(X, y)
    before = weights(model)
    huge = np.full((4, 2), 1e30)  # finite inputs whose squared error overflows float32
    with pytest.warns(RuntimeWarning, match="non-finite loss"):
        model.learn_many(huge, np.zeros(4))
    assert model.n_nonfinite_ == 1 and model.n_steps_ == 4
    after = weights(model)
    assert all(np.array_equal(before[k], after[k]) for k in before)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.learn_many(X, y)  # learning goes on
    assert model.n_steps_ == 8 and np.isfinite(model.predict_many(X)).all()


def test_device_auto_picks_cuda_only_when_present():
    model = MLPClassifier(hidden=3, device="auto", batch_size=1, seed=1)
    model.learn_one({"a": 1.0}, "x")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert model._dev.type == expected
    assert next(model._net.parameters()).device.type == expected


def test_n_threads_sets_torch_threads():
    saved = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        model = MLPClassifier(hidden=3, n_threads=1, batch_size=1, seed=1)
        model.learn_one({"a": 1.0}, "x")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(saved)


def test_same_seed_same_model_and_the_callers_generator_is_untouched():
    X, y = xor_data(40, seed=12)
    torch.manual_seed(123)
    expected_draw = torch.rand(1)
    torch.manual_seed(123)
    a = MLPClassifier(hidden=4, dropout=0.3, batch_size=4, seed=7).learn_many(X, y)
    assert torch.rand(1) == expected_draw  # module init and dropout used the learner's own generator
    b = MLPClassifier(hidden=4, dropout=0.3, batch_size=4, seed=7).learn_many(X, y)
    c = MLPClassifier(hidden=4, dropout=0.3, batch_size=4, seed=8).learn_many(X, y)
    assert same_weights(a, b) and not same_weights(a, c)


def test_windows_per_key_are_kept_apart():
    from streamlearn.base.schema import CAT, Schema

    model = RNNClassifier(hidden=3, window=3, key="host", batch_size=100, seed=1)
    schema = Schema([("v", "num"), ("host", CAT)], categories={"host": ["a", "b"]})
    X = np.array([[1.0, 0], [10.0, 1], [2.0, 0], [20.0, 1], [3.0, 0]])
    model.learn_many(X, np.array(["p", "q", "p", "q", "p"]), schema=schema)
    np.testing.assert_array_equal(model.histories_[0.0], [[2.0], [3.0]])  # host "a" (code 0)
    np.testing.assert_array_equal(model.histories_[1.0], [[10.0], [20.0]])
    np.testing.assert_array_equal(model.pending_X_[4], [[1.0], [2.0], [3.0]])  # the window of row 4
    np.testing.assert_array_equal(model.pending_X_[3], [[0.0], [10.0], [20.0]])  # zero before the start
    assert model.n_features_ == 1  # the key is not an input


def test_make_routes_module_params_like_skorch():
    assert make("mlp_classifier", module__hidden=64, module__n_layers=3).hidden == 64
    m = make("torch_classifier", module__hidden=8, module_params={"n_layers": 1})
    assert m.module_params == {"n_layers": 1, "hidden": 8}


def test_cli_preprocessing_adds_a_scaler_and_an_encoder():
    assert repr(with_preprocessing(MLPClassifier())) == "StandardScaler() | OneHotEncoder() | MLPClassifier()"


def test_cli_evaluate_runs_an_mlp_on_the_bundled_demo():
    from streamlearn.cli.evaluate import evaluate

    out = evaluate("demo", "mlp_classifier", {"module__hidden": 8, "seed": 1}, limit=2000)
    assert out["n"] == 2000 and out["metrics"]["accuracy"] > 0.8  # majority class: ~0.53
    assert "MLPClassifier(hidden=8, seed=1)" in out["pipeline"]


def test_empty_batches_are_no_ops():
    model = TorchClassifier(batch_size=2, seed=1)
    model.learn_many(np.empty((0, 3)), np.empty(0))
    assert not hasattr(model, "n_features_")
    assert model.predict_proba_many(np.empty((0, 3))).shape == (0, 0)
    X, y = xor_data(4)
    model.learn_many(X, y)
    assert model.predict_proba_many(np.empty((0, 2))).shape == (0, 2)
    assert model.test_then_train_many(np.empty((0, 2)), np.empty(0)).shape == (0,)
    reg = TorchRegressor(module="gru", window=3, batch_size=2, seed=1).learn_many(X, np.arange(4.0))
    assert reg.predict_many(np.empty((0, 2))).shape == (0,)
