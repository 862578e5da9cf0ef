"""Generic checks over every registered learner (as River's and scikit-learn's).

Each check takes a fresh, unfitted learner and raises ``AssertionError`` with
a message naming the learner when the contract is broken. The test suite runs
every check over every registered learner and each of its
``_unit_test_params()``: there is no ignore list.
"""

from __future__ import annotations

import copy
import inspect
import os
import tempfile
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np

from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.learner import Learner
from streamlearn.base.persistence import digest, load, save, to_manifest
from streamlearn.base.registry import registry
from streamlearn.checks.data import check_data, records

Check = Callable[[Learner], None]
_BAD_CANDIDATES: tuple[Any, ...] = ("__bad__", -(10**9), 10**9, -1.5, None, [object()])


def instances() -> Iterator[tuple[str, Learner]]:
    """``(id, learner)`` for every registered learner and each of its test parameter sets."""
    for name, cls in registry().items():
        for i, params in enumerate(cls._unit_test_params()):
            yield f"{name}[{i}]", cls(**params)


# -- task-generic drivers ---------------------------------------------------------
def _supervised(m: Learner) -> bool:
    return m.task in ("classification", "regression")


def _learn_one(m: Any, x: dict[Hashable, Any], y: Any) -> None:
    if m.task == "drift":
        m.update(x.get("f0", 0.0))
    elif m.task == "forecasting":
        m.learn_one(x.get("f0"))
    elif _supervised(m):
        m.learn_one(x, y)
    else:
        m.learn_one(x)


def _learn_many(m: Any, X: np.ndarray, y: Any, schema: Any) -> None:
    if m.task in ("drift", "forecasting"):
        m.update_many(X[:, 0]) if m.task == "drift" else m.learn_many(X[:, 0])
    elif _supervised(m):
        m.learn_many(X, y, schema=schema)
    else:
        m.learn_many(X, schema=schema)


def _output_one(m: Any, x: dict[Hashable, Any]) -> Any:
    if m.task == "drift":
        return float(m.drift_detected)
    if m.task == "forecasting":
        return m.forecast(3)
    if m.task == "classification":
        return m.predict_proba_one(x)
    if m.task == "anomaly":
        return m.score_one(x)
    if m.task == "transform":
        return m.transform_one(x)
    return m.predict_one(x)


def _output_many(m: Any, X: np.ndarray, schema: Any) -> Any:
    if m.task == "drift":
        return np.array([float(m.drift_detected), float(m.warning_detected)])[: len(X)]
    if m.task == "forecasting":
        return np.array(m.forecast(max(len(X), 1)), dtype=np.float64)[: len(X)]
    if m.task == "classification":
        return m.predict_proba_many(X, schema=schema)
    if m.task == "anomaly":
        return m.score_many(X, schema=schema)
    if m.task == "transform":
        return m.transform_many(X, schema=schema)[0]
    return m.predict_many(X, schema=schema)


def _proba_matrix(probas: list[dict[Any, float]], classes: list[Any]) -> np.ndarray:
    return np.array([[p.get(c, 0.0) for c in classes] for p in probas])


def _close(a: Any, b: Any, what: str, name: str, tol: float = 1e-9) -> None:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"{name}: {what}: shapes differ {a.shape} vs {b.shape}"
    ok = np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True)
    assert ok, f"{name}: {what}: values differ (max abs diff {np.nanmax(np.abs(a - b))})"


def _same_state(a: Learner, b: Learner, what: str, tol: float = 1e-9) -> None:
    ma, arrays_a = to_manifest(a)
    mb, arrays_b = to_manifest(b)
    name = type(a).__name__
    _close_tree(ma["model"], mb["model"], arrays_a, arrays_b, f"{name}: {what}", tol)


def _close_tree(x: Any, y: Any, aa: dict[str, Any], ab: dict[str, Any], where: str, tol: float) -> None:
    if isinstance(x, dict) and "__array__" in x:
        assert isinstance(y, dict) and "__array__" in y, f"{where}: array vs non-array"
        _close(aa[x["__array__"]], ab[y["__array__"]], "state arrays", where, tol)
    elif isinstance(x, dict):
        assert isinstance(y, dict) and x.keys() == y.keys(), f"{where}: state keys differ"
        for k in x:
            _close_tree(x[k], y[k], aa, ab, f"{where}.{k}", tol)
    elif isinstance(x, list):
        assert isinstance(y, list) and len(x) == len(y), f"{where}: list lengths differ"
        for i, (u, v) in enumerate(zip(x, y)):
            _close_tree(u, v, aa, ab, f"{where}[{i}]", tol)
    elif isinstance(x, float) and isinstance(y, float):
        assert abs(x - y) <= tol * max(1.0, abs(x)), f"{where}: {x} != {y}"
    else:
        assert x == y, f"{where}: {x!r} != {y!r}"


# -- the checks --------------------------------------------------------------------
def check_init_stores_params(learner: Learner) -> None:
    """The constructor stores each argument, as given, under its own name."""
    params = learner.get_params()
    fresh = type(learner)(**params)
    for k, v in params.items():
        assert getattr(fresh, k) is v, f"{type(learner).__name__}.__init__ does not store {k!r} as given"
    sig = inspect.signature(type(learner).__init__)
    for p in sig.parameters.values():
        assert p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD), (
            f"{type(learner).__name__}.__init__ must not take *args/**kwargs"
        )


def check_clone(learner: Learner) -> None:
    """``clone`` gives an unfitted twin with equal parameters."""
    X, y, schema = check_data(learner)
    _learn_many(learner, X, y, schema)
    twin = learner.clone()
    assert twin is not learner and type(twin) is type(learner)
    assert repr(twin) == repr(learner), f"clone changed parameters: {twin!r} vs {learner!r}"
    assert not twin.is_fitted, f"{type(learner).__name__}.clone() kept learned state"
    assert digest(twin) == digest(learner.clone()), f"{type(learner).__name__}.clone() is not fresh"


def check_deterministic(learner: Learner) -> None:
    """Two clones (same seed) fed the same data become identical models."""
    X, y, schema = check_data(learner)
    a, b = learner.clone(), learner.clone()
    _learn_many(a, X, y, schema)
    _learn_many(b, X, y, schema)
    assert digest(a) == digest(b), f"{type(learner).__name__}: same seed and data gave different models"


def check_test_then_train(learner: Learner) -> None:
    """A test-then-train batch equals predicting then learning one record at a time."""
    if learner.task in ("transform", "drift"):
        return
    X, y, schema = check_data(learner)
    if learner.task == "forecasting":
        _check_forecast_test_then_train(learner, X[:, 0])
        return
    batch, loop = learner.clone(), learner.clone()
    ys = [None] * len(X) if y is None else list(y)
    half = len(X) // 2
    outs: list[Any] = []
    for part in (slice(0, half), slice(half, None)):  # two batches: state carries over
        args = (X[part], y[part]) if _supervised(batch) else (X[part],)
        kwargs: dict[str, Any] = {"schema": schema}
        if batch.task == "classification":
            kwargs["return_proba"] = True
        outs.append(batch.test_then_train_many(*args, **kwargs))  # type: ignore[attr-defined]
    name = type(learner).__name__
    if batch.task == "classification":
        k = len(batch.classes_)  # type: ignore[attr-defined]
        got = np.vstack([np.pad(o, ((0, 0), (0, k - o.shape[1]))) for o in outs])
    else:
        got = np.concatenate(outs)
    if learner.learns_per_record:
        expected = []
        for x, yi in zip(records(X, schema), ys):
            expected.append(_output_one(loop, x))
            _learn_one(loop, x, yi)
        if loop.task == "classification":
            exp = _proba_matrix(expected, loop.classes_)  # type: ignore[attr-defined]
        else:
            exp = np.array(expected, dtype=np.float64)
    else:  # learners that update per batch: predict the batch, then learn it
        parts = []
        for part in (slice(0, half), slice(half, None)):
            parts.append(_output_many(loop, X[part], schema))
            _learn_many(loop, X[part], None if y is None else y[part], schema)
        if loop.task == "classification":
            k = len(loop.classes_)  # type: ignore[attr-defined]
            parts = [np.pad(p, ((0, 0), (0, k - p.shape[1]))) for p in parts]
            exp = np.vstack(parts)
        else:
            exp = np.concatenate(parts)
    _close(got, exp, "test-then-train batch vs one at a time", name)
    _same_state(batch, loop, "state after test-then-train batch vs one at a time")


def check_update_many_equals_update(learner: Learner) -> None:
    """Drift detectors: ``update_many`` finds the drifts a loop of ``update`` finds."""
    if learner.task != "drift":
        return
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.normal(0.2, 0.05, 600), rng.normal(0.8, 0.05, 600)]).clip(0, 1)
    errors = (rng.random(1200) < np.where(np.arange(1200) < 600, 0.1, 0.6)).astype(np.float64)
    for stream in (values, errors):
        batch, loop = learner.clone(), learner.clone()
        got = np.concatenate([batch.update_many(stream[:500]), 500 + batch.update_many(stream[500:])])  # type: ignore[attr-defined]
        exp = [i for i, v in enumerate(stream) if loop.update(float(v))]  # type: ignore[attr-defined]
        assert got.tolist() == exp, f"{type(learner).__name__}: update_many {got.tolist()} vs update {exp}"
        _same_state(batch, loop, "state after update_many vs loop of update")


def _check_forecast_test_then_train(learner: Learner, series: np.ndarray) -> None:
    batch: Any = learner.clone()
    loop: Any = learner.clone()
    half = len(series) // 2
    parts = [
        batch.test_then_train_many(series[:half], horizon=2),
        batch.test_then_train_many(series[half:], horizon=2),
    ]
    got = np.concatenate(parts)
    expected = []
    for v in series:
        expected.append(loop.forecast(2))
        loop.learn_one(float(v))
    _close(
        got,
        np.array(expected, dtype=np.float64),
        "test-then-train batch vs one at a time",
        type(learner).__name__,
    )
    _same_state(batch, loop, "state after test-then-train batch vs one at a time")


def check_learn_many_equals_learn_one(learner: Learner) -> None:
    """Where the learner updates per record, ``learn_many`` equals a loop of ``learn_one``."""
    if not learner.learns_per_record or learner.task == "drift":
        return
    X, y, schema = check_data(learner)
    a, b = learner.clone(), learner.clone()
    _learn_many(a, X, y, schema)
    ys = [None] * len(X) if y is None else list(y)
    for x, yi in zip(records(X, schema), ys):
        _learn_one(b, x, yi)
    _same_state(a, b, "learn_many vs loop of learn_one")
    _close(_output_many(a, X[:10], schema), _output_many(b, X[:10], schema), "predictions", type(a).__name__)


def _round_trip(learner: Learner) -> Learner:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.npz")
        save(learner, path)
        return load(path)


def check_save_load(learner: Learner) -> None:
    """A save/load round trip predicts identically and keeps learning identically; a learner
    that has learned nothing yet round-trips too (a runtime checkpoints before the first record)."""
    X, y, schema = check_data(learner)
    name = type(learner).__name__
    fresh = _round_trip(learner.clone())
    assert digest(fresh) == digest(learner.clone()), (
        f"{name}: digest of an unfitted learner changed by save/load"
    )
    half = len(X) // 2
    _learn_many(fresh, X[:half], None if y is None else y[:half], schema)
    _learn_many(learner, X[:half], None if y is None else y[:half], schema)
    assert digest(fresh) == digest(learner), f"{name}: learning after loading an unfitted learner diverged"
    twin = _round_trip(learner)
    assert type(twin) is type(learner), f"{name}: load gave {type(twin).__name__}"
    assert digest(twin) == digest(learner), f"{name}: digest changed by save/load"
    _close(_output_many(twin, X[half:], schema), _output_many(learner, X[half:], schema), "after load", name)
    for m in (learner, twin):
        _learn_many(m, X[half:], None if y is None else y[half:], schema)
    assert digest(twin) == digest(learner), f"{name}: learning after load diverged"


def check_no_mutation(learner: Learner) -> None:
    """Inputs (arrays, labels, dicts) are never modified."""
    X, y, schema = check_data(learner)
    X[3, 0] = np.nan
    X0, y0, s0 = X.copy(), None if y is None else y.copy(), schema.to_dict()
    _learn_many(learner, X, y, schema)
    _output_many(learner, X, schema)
    x = records(X[:1], schema)[0]
    x0 = dict(x)
    _learn_one(learner, x, None if y is None else y[0])
    _output_one(learner, x)
    name = type(learner).__name__
    assert np.array_equal(X, X0, equal_nan=True), f"{name} modified its input array"
    assert y is None or np.array_equal(y, y0), f"{name} modified its labels"  # type: ignore[arg-type]
    assert schema.to_dict() == s0, f"{name} modified the caller's schema"
    assert x == x0, f"{name} modified the input record"


def check_new_and_missing_features(learner: Learner) -> None:
    """Features that appear mid-stream, or go missing, are handled, not fatal."""
    X, y, schema = check_data(learner)
    rows = records(X, schema)
    ys = [None] * len(X) if y is None else list(y)
    for i, (x, yi) in enumerate(zip(rows, ys)):
        x = dict(x)
        if i > 40:
            x["late_feature"] = float(i % 7)
        if i > 80:
            x.pop("f1", None)
        _learn_one(learner, x, yi)
    out = _output_one(learner, {"f0": 0.5})
    if learner.task == "classification":
        assert out and abs(sum(out.values()) - 1.0) < 1e-6, f"{type(learner).__name__}: bad proba {out}"
    elif learner.task != "transform":
        assert np.isfinite(out).all(), (
            f"{type(learner).__name__}: non-finite output {out} with missing features"
        )


def check_empty_and_wrong_shape(learner: Learner) -> None:
    """An empty batch is a no-op; a batch of the wrong dimension is a SchemaError."""
    X, y, schema = check_data(learner)
    _learn_many(learner, X[:0], None if y is None else y[:0], schema)
    _learn_many(learner, X[:20], None if y is None else y[:20], schema)
    out = _output_many(learner, X[:0], schema)
    assert len(out) == 0, f"{type(learner).__name__}: output for an empty batch has {len(out)} rows"
    try:
        if learner.task == "drift":  # a stream of values must be 1-D
            learner.update_many(X[:5])  # type: ignore[attr-defined]
        elif learner.task == "forecasting":  # a batch of series must be 1-D or 2-D
            learner.learn_many(X[:5, :, None])  # type: ignore[attr-defined]
        else:
            _learn_many(learner, X[0], None if y is None else y[:1], None)
    except SchemaError:
        pass
    else:
        raise AssertionError(f"{type(learner).__name__} accepted a 1-D batch")


def check_new_class(learner: Learner) -> None:
    """Classifiers learn a class first seen mid-stream."""
    if learner.task != "classification":
        return
    X, y, schema = check_data(learner)
    _learn_many(learner, X, y, schema)
    x = records(X[:1], schema)[0]
    for _ in range(30):
        learner.learn_one(x, "brand-new")  # type: ignore[attr-defined]
    proba = learner.predict_proba_one(x)  # type: ignore[attr-defined]
    assert "brand-new" in proba, f"{type(learner).__name__}: new class missing from {proba}"
    assert abs(sum(proba.values()) - 1.0) < 1e-6, (
        f"{type(learner).__name__}: proba sums to {sum(proba.values())}"
    )


def check_predict_before_learning(learner: Learner) -> None:
    """Predicting before any learning gives a defined answer, not an error."""
    if learner.task == "classification":
        assert learner.predict_one({"f0": 1.0}) is None  # type: ignore[attr-defined]
        assert learner.predict_proba_one({"f0": 1.0}) == {}  # type: ignore[attr-defined]
    elif learner.task != "transform":
        _output_one(learner, {"f0": 1.0})


def check_bad_params(learner: Learner) -> None:
    """A bad value of any checked parameter raises InvalidParameterError."""
    params = learner.get_params()
    rules = learner._param_rules
    name = type(learner).__name__
    unchecked = [p for p in params if p not in rules and not isinstance(params[p], (Learner, list))]
    assert not unchecked, f"{name}: parameters without a rule in _param_rules: {unchecked}"
    for p, rule in rules.items():
        bad = next((v for v in _BAD_CANDIDATES if not rule.ok(v)), None)
        if bad is None:
            continue
        try:
            type(learner)(**{**params, p: bad})
        except InvalidParameterError as e:
            assert repr(p) in str(e), f"{name}: the error for {p!r} does not name it: {e}"
        else:
            raise AssertionError(f"{name} accepted {p}={bad!r}")


CHECKS: tuple[Check, ...] = (
    check_init_stores_params,
    check_clone,
    check_deterministic,
    check_test_then_train,
    check_learn_many_equals_learn_one,
    check_update_many_equals_update,
    check_save_load,
    check_no_mutation,
    check_new_and_missing_features,
    check_empty_and_wrong_shape,
    check_new_class,
    check_predict_before_learning,
    check_bad_params,
)


def yield_checks(learner: Learner) -> Iterator[Callable[[], None]]:
    """Each check bound to a fresh clone of ``learner``."""
    for check in CHECKS:

        def run(check: Check = check) -> None:
            check(copy.deepcopy(learner).clone())

        run.__name__ = check.__name__
        yield run


def check_learner(learner: Learner) -> None:
    """Run every check on ``learner``; the first failure raises AssertionError."""
    for run in yield_checks(learner):
        run()
