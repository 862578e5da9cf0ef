"""Rolling metrics equal recomputation over the last N records; the registry by name; labels; speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from streamlearn import metrics
from streamlearn.base.errors import InvalidParameterError, UnknownNameError
from streamlearn.metrics import (
    F1,
    MAE,
    R2,
    RMSE,
    ROCAUC,
    Accuracy,
    BalancedAccuracy,
    CohenKappa,
    DaviesBouldin,
    Inertia,
    LogLoss,
    Precision,
    Rolling,
    Silhouette,
)
from streamlearn.metrics._labels import Vocab, factorize, label_array, missing_mask

LABEL_METRICS = [
    Accuracy,
    BalancedAccuracy,
    CohenKappa,
    lambda: F1(average="macro"),
    lambda: F1(average="weighted"),
    lambda: Precision(average="micro"),
    lambda: F1(pos_label="b"),
]


def chunks(rng, n):
    i = 0
    while i < n:
        step = int(rng.choice([1, 3, 10, 40, 120]))
        yield slice(i, min(n, i + step))
        i += step


@pytest.mark.parametrize("window", [1, 5, 50])
def test_rolling_label_metrics_equal_recomputation(window):
    rng = np.random.default_rng(window)
    n = 400
    t = np.array(["a", "b", "c", "d"], dtype=object)[rng.integers(0, 4, n)]
    t[200:] = np.where(t[200:] == "d", "e", t[200:])  # a label leaves, a new one arrives
    p = t.copy()
    flip = rng.random(n) < 0.4
    p[flip] = np.array(["a", "b", "c", None], dtype=object)[rng.integers(0, 4, flip.sum())]
    for make in LABEL_METRICS:
        roll = Rolling(make(), window)
        for s in chunks(rng, n):
            roll.update_many(t[s], p[s])
            end = s.stop
            fresh = make().update_many(t[max(0, end - window) : end], p[max(0, end - window) : end])
            assert roll.get() == pytest.approx(fresh.get(), abs=1e-12), (make, end)
        assert roll.n == min(window, n)


@pytest.mark.parametrize("window", [1, 7, 64])
def test_rolling_score_and_regression_metrics_equal_recomputation(window):
    rng = np.random.default_rng(100 + window)
    n = 600
    y = rng.random(n) < 0.4
    s = np.round(rng.random(n), 2)
    yr = rng.normal(5.0, 2.0, n)
    pr = yr + rng.normal(0, 1, n)
    cases = [
        (ROCAUC, (y, s)),
        (LogLoss, (y, np.clip(s, 0.01, 0.99))),
        (MAE, (yr, pr)),
        (RMSE, (yr, pr)),
        (R2, (yr, pr)),
    ]
    for make, (a, b) in cases:
        roll = Rolling(make(), window)
        for sl in chunks(rng, n):
            roll.update_many(a[sl], b[sl])
            lo = max(0, sl.stop - window)
            fresh = make().update_many(a[lo : sl.stop], b[lo : sl.stop])
            assert roll.get() == pytest.approx(fresh.get(), rel=1e-9, abs=1e-9), (make, sl)


def test_rolling_clustering_equals_recomputation():
    rng = np.random.default_rng(7)
    n, window = 300, 40
    X = rng.normal(size=(n, 2))
    C = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 2.0]])
    a = rng.integers(-1, 3, n)
    for make in (Inertia, Silhouette, DaviesBouldin):
        roll = Rolling(make(), window)
        for sl in chunks(rng, n):
            roll.update_many(X[sl], a[sl], C)
            lo = max(0, sl.stop - window)
            fresh = make().update_many(X[lo : sl.stop], a[lo : sl.stop], C)
            assert roll.get() == pytest.approx(fresh.get(), rel=1e-9, abs=1e-12)


def test_rolling_one_at_a_time_and_api():
    roll = Rolling(Accuracy(), 3)
    for t, p in [(1, 1), (1, 0), (1, 1), (1, 1), (1, 1)]:
        roll.update(t, p)
    assert roll.get() == 1.0
    roll.update(1, 0)
    assert roll.get() == pytest.approx(2 / 3)
    assert roll.name == "rolling_accuracy" and roll.bigger_is_better and roll.input == "labels"
    assert repr(roll) == "Rolling(Accuracy, window_size=3): 0.666667"
    assert not Rolling(MAE(), 2).bigger_is_better
    inner = Accuracy()
    Rolling(inner, 2).update(1, 1)
    assert inner.n_ == 0  # the argument is cloned
    with pytest.raises(InvalidParameterError, match="window_size"):
        Rolling(Accuracy(), 0)
    with pytest.raises(InvalidParameterError, match="metric"):
        Rolling("accuracy", 3)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError):
        roll.revert(1, 1)


def test_rolling_long_stream_keeps_float_sums_exact():
    rng = np.random.default_rng(0)
    roll = Rolling(R2(), 100)
    ys, ps = [], []
    for _ in range(300):
        y = rng.normal(1e8, 1.0, 37)  # large offset: naive running sums would lose all digits
        p = y + rng.normal(0, 0.5, 37)
        roll.update_many(y, p)
        ys.append(y)
        ps.append(p)
    y, p = np.concatenate(ys)[-100:], np.concatenate(ps)[-100:]
    r2 = 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert roll.get() == pytest.approx(r2, rel=1e-6)


# -- registry -------------------------------------------------------------------------------------------
def test_registry_names_and_errors():
    for name in [
        "accuracy",
        "balanced_accuracy",
        "f1",
        "macro_f1",
        "micro_f1",
        "weighted_f1",
        "precision",
        "recall",
        "kappa",
        "log_loss",
        "roc_auc",
        "mae",
        "rmse",
        "r2",
        "macro_precision",
        "weighted_recall",
        "inertia",
        "silhouette",
        "davies_bouldin",
    ]:
        m = metrics.get(name)
        assert m.name == name, name
        assert name in metrics.names()
    assert metrics.get("macro_f1").average == "macro"
    assert metrics.get("f1", pos_label="attack").pos_label == "attack"
    assert metrics.get("F1").name == "f1" and metrics.get("auc").name == "roc_auc"
    with pytest.raises(UnknownNameError) as e:
        metrics.get("acuracy")
    assert "accuracy" in str(e.value) and "Known metrics" in str(e.value)
    assert isinstance(e.value, KeyError)
    assert [m.name for m in metrics.defaults_for("classification")] == ["accuracy", "macro_f1", "kappa"]
    assert [m.name for m in metrics.defaults_for("anomaly")] == ["roc_auc"]
    assert [m.name for m in metrics.defaults_for("clustering")] == ["inertia", "silhouette"]
    with pytest.raises(UnknownNameError, match="Tasks with defaults"):
        metrics.defaults_for("transform")
    # every registered metric works with the tasks it claims and gives a float when empty
    for name in metrics.names():
        m = metrics.get(name)
        assert isinstance(m.get(), float)
        assert isinstance(m.bigger_is_better, bool)


# -- labels -------------------------------------------------------------------------------------------------
def test_label_helpers():
    assert label_array([True, False]).dtype == bool
    assert label_array([1, 2]).dtype == np.int64
    assert label_array([1.5, 2]).dtype == np.float64
    assert label_array(["a", 1]).tolist() == ["a", 1]
    assert label_array([2**70, 1]).dtype == object
    np.testing.assert_array_equal(missing_mask(np.array([1.0, np.nan])), [False, True])
    obj = np.array(["a", None, float("nan"), 3], dtype=object)
    np.testing.assert_array_equal(missing_mask(obj), [False, True, True, False])
    uniq, codes = factorize(obj)
    assert [uniq[c] if c >= 0 else None for c in codes] == ["a", None, None, 3]
    for arr in (
        np.array([5, -3, 5, 10**12]),
        np.array([-128, 127], dtype=np.int8),
        np.array(["b", "a", "b"]),
    ):
        uniq, codes = factorize(arr)
        assert [uniq[c] for c in codes] == arr.tolist()
    v = Vocab()
    assert v.encode(np.array([3, 1, 3])).tolist() == [0, 1, 0] and v.labels == [3, 1]
    assert v.lookup(np.array([1, 9])).tolist() == [1, -1]


def test_speed_one_million_binary_labels():
    """Accuracy + F1 over 1M binary labels (measured, with a loose bound against pathologies)."""
    rng = np.random.default_rng(0)
    t, p = rng.random(1_000_000) < 0.5, rng.random(1_000_000) < 0.5
    best = float("inf")
    for _ in range(3):
        acc, f1 = Accuracy(), F1()
        start = time.perf_counter()
        acc.update_many(t, p)
        f1.update_many(t, p)
        best = min(best, time.perf_counter() - start)
    tp = int((t & p).sum())
    assert f1.get() == pytest.approx(2 * tp / (t.sum() + p.sum()))
    assert acc.get() == pytest.approx((t == p).mean())
    assert best < 2.0, best  # typically ~0.05 s; well under 0.2 s on an idle core
