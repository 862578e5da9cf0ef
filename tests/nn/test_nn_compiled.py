"""The compiled per-record engine (``engine="compiled"``) against the torch engine (``engine="torch"``).

With ``batch_size=1`` both run exact per-record SGD/Adam; the compiled kernel
must give the torch path's predictions, weights, optimiser state and counters
to the rounding of the matrix products (~1e-12 relative here, in float64).
"""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from streamlearn import digest, load, save  # noqa: E402
from streamlearn.base.errors import InvalidParameterError  # noqa: E402
from streamlearn.nn import (  # noqa: E402
    AutoencoderDetector,
    MLPClassifier,
    MLPRegressor,
    TorchAnomalyDetector,
    TorchClassifier,
    TorchRegressor,
)
from streamlearn.preprocessing import StandardScaler  # noqa: E402

RTOL = 1e-9  # float64: relative tolerance on predictions, weights and optimiser state


def stream(n=300, f=4, seed=0):
    """Features, and labels where a third class appears at row 120 and a fourth at row 210."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f))
    y = np.where(X[:, 0] + X[:, 1] * X[:, 2] > 0, "a", "b").astype(object)
    y[120:] = np.where(X[120:, 3] > 0.8, "c", y[120:])
    y[210:] = np.where(X[210:, 3] < -1.0, "d", y[210:])
    return X, y


def state_of(model):
    s = model._state()
    return s["module_state_"], s["optimizer_state_"]


def assert_same_model(a, b, rtol=RTOL, atol=1e-12):
    """Weights, optimiser state and counters of two learners agree."""
    wa, oa = state_of(a)
    wb, ob = state_of(b)
    assert wa.keys() == wb.keys() and oa.keys() == ob.keys()
    for k in wa:
        np.testing.assert_allclose(wa[k], wb[k], rtol=rtol, atol=atol, err_msg=k)
    for i in oa:
        assert oa[i].keys() == ob[i].keys()
        for k in oa[i]:
            assert oa[i][k].dtype == ob[i][k].dtype, (i, k)
            np.testing.assert_allclose(oa[i][k], ob[i][k], rtol=rtol, atol=atol * 1e-3, err_msg=f"{i}.{k}")
    assert a.n_steps_ == b.n_steps_ and a.n_nonfinite_ == b.n_nonfinite_


def both(cls, **params):
    return cls(engine="torch", **params), cls(engine="compiled", **params)


# -- equality with the torch path ------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_classifier_equals_torch_with_classes_appearing_mid_stream(optimizer):
    X, y = stream()
    params = {"hidden": 8, "batch_size": 1, "optimizer": optimizer, "lr": 0.02, "seed": 1}
    if optimizer == "adamw":
        params["optimizer_params"] = {"weight_decay": 0.1}
    a, b = both(MLPClassifier, **params)
    Pa = [a.test_then_train_many(X[i : i + 70], y[i : i + 70], return_proba=True) for i in range(0, 300, 70)]
    Pb = [b.test_then_train_many(X[i : i + 70], y[i : i + 70], return_proba=True) for i in range(0, 300, 70)]
    for pa, pb in zip(Pa, Pb):
        np.testing.assert_allclose(pa, pb, rtol=RTOL, atol=1e-13)
    assert list(a.classes_) == list(b.classes_) == ["a", "b", "c", "d"]
    # the row where a class first appears is predicted before the output layer grows: p(new) = 0
    first_c = int(np.flatnonzero(y == "c")[0])
    assert Pb[first_c // 70][first_c % 70, 2] == 0.0
    assert b.n_steps_ == 300
    assert_same_model(a, b)
    np.testing.assert_allclose(a.predict_proba_many(X[:30]), b.predict_proba_many(X[:30]), rtol=RTOL)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("loss", ["mse", "l1", "huber"])
def test_regressor_equals_torch(optimizer, loss):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(250, 3))
    y = 50 + 20 * np.sin(2 * X[:, 0]) + 5 * X[:, 1] * X[:, 2]
    a, b = both(MLPRegressor, hidden=[6, 5], loss=loss, batch_size=1, optimizer=optimizer, lr=0.01, seed=3)
    pa = np.concatenate([a.test_then_train_many(X[:100], y[:100]), a.test_then_train_many(X[100:], y[100:])])
    pb = np.concatenate([b.test_then_train_many(X[:100], y[:100]), b.test_then_train_many(X[100:], y[100:])])
    np.testing.assert_allclose(pa, pb, rtol=RTOL)
    assert_same_model(a, b)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_autoencoder_equals_torch(optimizer):
    rng = np.random.default_rng(4)
    t = rng.normal(size=(300, 1))
    X = np.hstack([t, 2 * t, -t, t**2]) + 0.1 * rng.normal(size=(300, 4))
    a, b = both(AutoencoderDetector, hidden=6, latent=2, batch_size=1, optimizer=optimizer, lr=0.01, seed=5)
    np.testing.assert_allclose(a.test_then_train_many(X), b.test_then_train_many(X), rtol=RTOL)
    assert_same_model(a, b)
    np.testing.assert_allclose(a.score_many(X[:20]), b.score_many(X[:20]), rtol=RTOL)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu"])
def test_every_activation_equals_torch(activation):
    X, y = stream(200, seed=6)
    a, b = both(
        MLPClassifier, hidden=6, activation=activation, batch_size=1, optimizer="adam", lr=0.01, seed=2
    )
    np.testing.assert_allclose(
        a.test_then_train_many(X, y, return_proba=True),
        b.test_then_train_many(X, y, return_proba=True),
        rtol=RTOL,
        atol=1e-13,
    )
    assert_same_model(a, b)


@pytest.mark.parametrize(
    ("schedule", "schedule_params"),
    [
        ("exponential", {"gamma": 0.99}),
        ("step", {"gamma": 0.5, "step_size": 40}),
        ("inverse_time", {"decay": 0.01}),
        ("cosine", {"period": 50, "min_factor": 0.1}),
        ("warmup", {"steps": 30}),
    ],
)
def test_schedules_clipping_weight_decay_and_epochs_equal_torch(schedule, schedule_params):
    X, y = stream(200, seed=7)
    params = {
        "hidden": [7, 5],
        "batch_size": 1,
        "optimizer": "adam",
        "optimizer_params": {"weight_decay": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
        "lr": 0.05,
        "lr_schedule": schedule,
        "lr_schedule_params": schedule_params,
        "clip_grad_norm": 0.5,
        "epochs": 2,
        "seed": 8,
    }
    a, b = both(MLPClassifier, **params)
    np.testing.assert_allclose(
        a.test_then_train_many(X, y, return_proba=True),
        b.test_then_train_many(X, y, return_proba=True),
        rtol=RTOL,
        atol=1e-13,
    )
    assert_same_model(a, b)
    assert b.n_steps_ == 400  # two steps per record
    assert b._opt.param_groups[0]["lr"] == a._opt.param_groups[0]["lr"]  # the rate of the last update


def test_sgd_weight_decay_and_a_linear_module_equal_torch():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(200, 5))
    y = X @ np.arange(1.0, 6.0) + 3
    params = {
        "module_params": {"n_layers": 0},  # one Linear layer: a linear model
        "batch_size": 1,
        "optimizer": "sgd",
        "optimizer_params": {"weight_decay": 0.05},
        "lr": 0.02,
        "seed": 1,
    }
    a, b = both(TorchRegressor, **params)
    np.testing.assert_allclose(a.test_then_train_many(X, y), b.test_then_train_many(X, y), rtol=RTOL)
    assert_same_model(a, b)


def test_float32_is_close_to_torch():
    X, y = stream(300, seed=10)
    a, b = both(MLPClassifier, hidden=8, batch_size=1, optimizer="adam", lr=0.01, dtype="float32", seed=1)
    Pa = a.test_then_train_many(X, y, return_proba=True)
    Pb = b.test_then_train_many(X, y, return_proba=True)
    np.testing.assert_allclose(Pa, Pb, rtol=0, atol=1e-5)
    wa, oa = state_of(a)
    wb, ob = state_of(b)
    for k in wa:
        assert wb[k].dtype == np.float32
        np.testing.assert_allclose(wa[k], wb[k], rtol=0, atol=1e-5)
    assert oa["0"]["step:scalar"].dtype == ob["0"]["step:scalar"].dtype


def test_a_pipeline_predicts_and_learns_different_rows_as_torch_does():
    """Behind a scaler the rows predicted (scaled before the update) differ from those learned."""
    X, y = stream(250, seed=11)
    X = X * [1.0, 10.0, 100.0, 0.1] + 5
    a = StandardScaler() | MLPClassifier(hidden=8, batch_size=1, lr=0.01, engine="torch", seed=1)
    b = StandardScaler() | MLPClassifier(hidden=8, batch_size=1, lr=0.01, engine="compiled", seed=1)
    np.testing.assert_allclose(
        a.test_then_train_many(X, y, return_proba=True),
        b.test_then_train_many(X, y, return_proba=True),
        rtol=RTOL,
        atol=1e-13,
    )
    assert_same_model(a.steps[-1], b.steps[-1])


def test_new_features_grow_the_input_layer_as_in_torch():
    X, y = stream(200, seed=12)
    a, b = both(MLPClassifier, hidden=5, batch_size=1, optimizer="adam", lr=0.02, seed=3)
    for m in (a, b):
        m.test_then_train_many(X[:80, :2], y[:80])  # two columns first
        P = m.test_then_train_many(X[80:], y[80:], return_proba=True)  # then four
        m.__dict__["_P"] = P
    np.testing.assert_allclose(a._P, b._P, rtol=RTOL, atol=1e-13)
    assert b.n_features_ == 4
    assert_same_model(a, b)


# -- state: save/load, switching engines, copies ------------------------------------------------
def test_save_load_mid_stream_continues_exactly(tmp_path):
    X, y = stream(300, seed=13)
    model = MLPClassifier(hidden=8, batch_size=1, optimizer="adam", lr=0.01, engine="compiled", seed=2)
    twin = model.clone()
    model.learn_many(X[:150], y[:150])
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert digest(loaded) == digest(model)
    P1 = model.test_then_train_many(X[150:], y[150:], return_proba=True)
    P2 = loaded.test_then_train_many(X[150:], y[150:], return_proba=True)
    np.testing.assert_array_equal(P1, P2)
    assert digest(loaded) == digest(model)
    twin.learn_many(X[:150], y[:150])
    twin.learn_many(X[150:], y[150:])
    assert digest(twin) == digest(model)  # the same as learning without a break
    reference = MLPClassifier(hidden=8, batch_size=1, optimizer="adam", lr=0.01, engine="torch", seed=2)
    reference.learn_many(X, y)
    assert_same_model(reference, loaded)


@pytest.mark.parametrize("first", ["torch", "compiled"])
def test_switching_engines_mid_stream_continues_the_same_training(first):
    X, y = stream(300, seed=14)
    second = "compiled" if first == "torch" else "torch"
    model = MLPClassifier(hidden=8, batch_size=1, optimizer="adam", lr=0.01, engine=first, seed=4)
    model.learn_many(X[:130], y[:130])
    model.engine = second  # the torch state is the only state: either engine picks it up
    model.learn_many(X[130:], y[130:])
    reference = MLPClassifier(hidden=8, batch_size=1, optimizer="adam", lr=0.01, engine="torch", seed=4)
    reference.learn_many(X, y)
    assert_same_model(reference, model)


def test_adam_state_is_created_as_torch_creates_it():
    X, y = stream(3, seed=15)
    a, b = both(MLPClassifier, hidden=4, batch_size=1, lr=0.01, seed=1)
    a.learn_one({i: v for i, v in enumerate(X[0])}, y[0])
    b.learn_one({i: v for i, v in enumerate(X[0])}, y[0])
    for pa, pb in zip(a._params, b._params):
        sa, sb = a._opt.state[pa], b._opt.state[pb]
        assert sa.keys() == sb.keys() == {"step", "exp_avg", "exp_avg_sq"}
        for k in sa:
            assert sa[k].dtype == sb[k].dtype and sa[k].shape == sb[k].shape, k
        assert float(sb["step"]) == 1.0
    # a torch step after a compiled one continues from that state
    b.engine = "torch"
    for m in (a, b):
        m.learn_one({i: v for i, v in enumerate(X[1])}, y[1])
    assert_same_model(a, b)


def test_learn_one_loop_equals_one_batch_bit_for_bit():
    X, y = stream(120, seed=17)
    a = MLPClassifier(hidden=6, batch_size=1, optimizer="sgd", lr=0.05, engine="compiled", seed=1)
    b = a.clone()
    a.learn_many(X, y)
    for x, label in zip(X, y):
        b.learn_one({i: v for i, v in enumerate(x)}, label)
    assert digest(a) == digest(b)


# -- bad input and eligibility ---------------------------------------------------------------------
def test_non_finite_loss_is_skipped_counted_and_warned_once_per_call():
    rng = np.random.default_rng(18)
    X, y = rng.normal(size=(16, 2)), rng.normal(size=16)
    a, b = both(MLPRegressor, hidden=4, batch_size=1, dtype="float32", scale_target=False, seed=1)
    for m in (a, b):
        m.learn_many(X, y)
    before = state_of(b)[0]
    huge = np.full((3, 2), 1e30)  # finite inputs whose squared error overflows float32
    with pytest.warns(RuntimeWarning, match="non-finite loss") as record:
        b.learn_many(huge, np.zeros(3))
    assert len([w for w in record if "non-finite" in str(w.message)]) == 1
    with pytest.warns(RuntimeWarning, match="non-finite loss"):
        a.learn_many(huge, np.zeros(3))
    assert b.n_nonfinite_ == a.n_nonfinite_ == 3 and b.n_steps_ == a.n_steps_ == 16
    after = state_of(b)[0]
    assert all(np.array_equal(before[k], after[k]) for k in before)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.learn_many(X, y)  # learning goes on
    assert b.n_steps_ == 32


def test_auto_uses_the_kernel_only_where_it_applies():
    X, y = stream(40, seed=19)
    auto = MLPClassifier(hidden=4, batch_size=1, seed=1).learn_many(X, y)
    assert auto.engine == "auto" and auto._compiled_plan() is not None
    batched = MLPClassifier(hidden=4, batch_size=4, seed=1).learn_many(X, y)
    assert batched._compiled_plan() is None
    # an ineligible learner with engine="auto" is the torch path, bit for bit
    a = MLPClassifier(hidden=4, batch_size=1, optimizer="rmsprop", seed=1, engine="auto").learn_many(X, y)
    b = MLPClassifier(hidden=4, batch_size=1, optimizer="rmsprop", seed=1, engine="torch").learn_many(X, y)
    assert_same_model(a, b, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: MLPClassifier(batch_size=32, engine="compiled"), "batch_size is 32"),
        (lambda: MLPClassifier(batch_size=1, dropout=0.2, engine="compiled"), "dropout"),
        (lambda: MLPClassifier(batch_size=1, optimizer="rmsprop", engine="compiled"), "'rmsprop'"),
        (lambda: MLPClassifier(batch_size=1, replay_size=10, engine="compiled"), "replay"),
        (lambda: AutoencoderDetector(batch_size=1, noise=0.1, engine="compiled"), "noise"),
        (lambda: TorchClassifier(module="gru", window=3, batch_size=1, engine="compiled"), "window"),
        (
            lambda: TorchRegressor(module=torch.nn.Linear(2, 1), batch_size=1, engine="compiled"),
            "not one of the built-in",
        ),
        (lambda: TorchAnomalyDetector(batch_size=1, loss=torch.nn.MSELoss, engine="compiled"), "loss"),
    ],
)
def test_engine_compiled_says_why_it_cannot_run(make, words):
    with pytest.raises(InvalidParameterError, match="engine='compiled'") as e:
        make()
    assert words in str(e.value)


def test_engine_compiled_checks_the_built_optimizer_too():
    X, y = stream(10, seed=20)
    model = MLPClassifier(
        hidden=4, batch_size=1, optimizer="sgd", optimizer_params={"momentum": 0.9}, engine="compiled"
    )
    with pytest.raises(InvalidParameterError, match="momentum"):
        model.learn_many(X, y)
    with pytest.raises(InvalidParameterError, match="'engine' parameter"):
        MLPClassifier(engine="numba")
