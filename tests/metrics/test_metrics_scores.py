"""LogLoss, ROCAUC, regression and clustering metrics against formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamlearn.base.errors import SchemaError
from streamlearn.metrics import MAE, R2, RMSE, ROCAUC, DaviesBouldin, Inertia, LogLoss, Silhouette
from streamlearn.metrics._sorted import SortedBag


def pairwise_auc(y, s, pos=True):
    P = [si for yi, si in zip(y, s, strict=True) if yi == pos]
    N = [si for yi, si in zip(y, s, strict=True) if yi != pos]
    if not P or not N:
        return 0.5
    total = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in P for q in N)
    return total / (len(P) * len(N))


# -- ROC AUC -------------------------------------------------------------------------------------------
def test_roc_auc_hand():
    m = ROCAUC().update_many([True, False, True, False], [0.9, 0.3, 0.3, 0.1])
    assert m.get() == 0.875
    assert ROCAUC().get() == 0.5
    assert ROCAUC().update_many([True, True], [0.1, 0.2]).get() == 0.5


@pytest.mark.parametrize("seed", range(6))
def test_roc_auc_equals_pairwise_formula_any_batching(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    y = rng.random(n) < 0.3
    s = np.round(rng.random(n), 1 + seed % 3)  # ties
    ref = pairwise_auc(y.tolist(), s.tolist())
    assert ROCAUC().update_many(y, s).get() == pytest.approx(ref, abs=1e-12)
    m = ROCAUC()
    i = 0
    while i < n:
        step = int(rng.integers(1, 50))
        m.update_many(y[i : i + step], s[i : i + step])
        i += step
    assert m.get() == pytest.approx(ref, abs=1e-12)
    one = ROCAUC()
    for yi, si in zip(y.tolist(), s.tolist(), strict=True):
        one.update(yi, si)
    assert one.get() == pytest.approx(ref, abs=1e-12)
    # revert the first half: the AUC of the second half
    half = n // 2
    m.revert_many(y[:half], s[:half])
    assert m.get() == pytest.approx(pairwise_auc(y[half:].tolist(), s[half:].tolist()), abs=1e-12)


def test_roc_auc_inputs():
    y = ["attack", "ok", "attack", "ok"]
    P = np.array([[0.2, 0.8], [0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])
    a = ROCAUC(pos_label="attack").update_many(y, proba=P, classes=["ok", "attack"])
    assert a.get() == pytest.approx(pairwise_auc(y, P[:, 1].tolist(), "attack"))
    b = ROCAUC(pos_label="attack")
    for yi, row in zip(y, P, strict=True):
        b.update(yi, {"ok": row[0], "attack": row[1]})
    assert b.get() == a.get()
    # a class the model never predicted scores 0 for every row
    assert ROCAUC(pos_label="zzz").update_many(y, proba=P, classes=["ok", "attack"]).get() == 0.5
    # NaN ranks lowest
    assert ROCAUC().update_many([True, False], [0.1, np.nan]).get() == 1.0
    with pytest.raises(SchemaError):
        ROCAUC().update_many([True, None], [0.1, 0.2])


def test_roc_auc_state_round_trip():
    rng = np.random.default_rng(0)
    y, s = rng.random(100) < 0.5, rng.random(100)
    a = ROCAUC().update_many(y[:60], s[:60])
    b = ROCAUC()
    b._set_state(a._state())
    a.update_many(y[60:], s[60:])
    b.update_many(y[60:], s[60:])
    assert a.get() == b.get() == pytest.approx(pairwise_auc(y.tolist(), s.tolist()))


def test_sorted_bag_counts_match_bruteforce():
    rng = np.random.default_rng(3)
    bag, ref = SortedBag(), []
    for _ in range(60):
        vals = np.round(rng.random(int(rng.integers(1, 30))), 2)
        bag.add(vals)
        ref.extend(vals.tolist())
        if rng.random() < 0.4 and ref:
            k = int(rng.integers(1, len(ref) + 1))
            gone = [ref.pop(int(rng.integers(0, len(ref)))) for _ in range(min(k, 20))]
            bag.remove(np.array(gone))
        q = rng.random(10)
        r = np.array(ref)
        assert len(bag) == len(ref)
        np.testing.assert_array_equal(bag.count_less(q), [(r < v).sum() for v in q])
        np.testing.assert_array_equal(bag.count_le(q), [(r <= v).sum() for v in q])
    np.testing.assert_array_equal(bag.values(), np.sort(ref))


# -- log loss -------------------------------------------------------------------------------------------
def test_log_loss_binary_and_multiclass():
    m = LogLoss().update_many([True, False, True], [0.9, 0.2, 0.6])
    assert m.get() == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3)
    classes = ["a", "b", "c"]
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.0, 1.0, 0.0]])
    y = ["a", "c", "q"]  # "q": not a class -> probability 0 -> clipped
    m = LogLoss().update_many(y, proba=P, classes=classes)
    expected = -(math.log(0.7) + math.log(0.8) + math.log(1e-15)) / 3
    assert m.get() == pytest.approx(expected)
    loop = LogLoss()
    for yi, row in zip(y, P, strict=True):
        loop.update(yi, dict(zip(classes, row.tolist(), strict=True)))
    assert loop.get() == pytest.approx(expected)
    dicts = LogLoss().update_many(y, [dict(zip(classes, row.tolist(), strict=True)) for row in P])
    assert dicts.get() == pytest.approx(expected)
    clipped = LogLoss(eps=1e-3).update_many([True], [1.0])
    assert clipped.get() == pytest.approx(-math.log(1 - 1e-3))
    assert not LogLoss.bigger_is_better
    # integer labels with a float score: pos_label 1 == True
    assert LogLoss().update_many([1, 0], [0.75, 0.25]).get() == pytest.approx(-math.log(0.75))


# -- regression --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_regression_formulas_and_batching(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 500))
    y = rng.normal(1e6 if seed == 3 else 0.0, 3.0, n)  # a large offset tests numerical stability
    p = y + rng.normal(0.0, 1.0, n)
    mae, rmse = np.abs(y - p).mean(), np.sqrt(((y - p) ** 2).mean())
    r2 = 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    for m, ref in ((MAE(), mae), (RMSE(), rmse), (R2(), r2)):
        whole = m.clone().update_many(y, p)
        loop = m.clone()
        for a, b in zip(y.tolist(), p.tolist(), strict=True):
            loop.update(a, b)
        chunks = m.clone()
        for i in range(0, n, 17):
            chunks.update_many(y[i : i + 17], p[i : i + 17])
        for v in (whole.get(), loop.get(), chunks.get()):
            assert v == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_regression_edge_cases():
    assert R2().update_many([2.0, 2.0], [2.0, 2.0]).get() == 1.0  # SST == 0, perfect
    assert R2().update_many([2.0, 2.0], [1.0, 2.0]).get() == 0.0  # SST == 0, not perfect
    assert R2().get() == 0.0 and MAE().get() == 0.0
    assert MAE().update_many([1.0, 2.0], [None, np.nan]).get() == 1.5  # missing prediction = 0
    with pytest.raises(SchemaError, match="missing or infinite"):
        MAE().update_many([1.0, np.nan], [1.0, 1.0])
    m = R2().update_many([1.0, 2.0, 4.0], [1.0, 2.0, 3.0])
    m.update_many([10.0, -3.0], [0.0, 0.0])
    m.revert_many([10.0, -3.0], [0.0, 0.0])
    y, p = np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0])
    assert m.get() == pytest.approx(1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum())


# -- clustering ----------------------------------------------------------------------------------------------
def test_clustering_metrics_by_hand():
    C = np.array([[0.0, 0.0], [4.0, 0.0]])
    X = np.array([[1.0, 0.0], [0.0, 2.0], [5.0, np.nan], [3.0, 0.0], [9.0, 9.0]])
    a = np.array([0, 0, 1, 1, -1])  # last row: no cluster -> not counted
    # own distances: 1, 2, 1 (NaN skipped), 1
    assert Inertia().update_many(X, a, C).get() == pytest.approx((1 + 4 + 1 + 1) / 4)
    # silhouette: (b - a) / max(a, b) with b the nearest other centre
    s = [(3 - 1) / 3, (math.sqrt(20) - 2) / math.sqrt(20), (5 - 1) / 5, (3 - 1) / 3]
    assert Silhouette().update_many(X, a, C).get() == pytest.approx(sum(s) / 4)
    # Davies-Bouldin: S0 = (1 + 2) / 2, S1 = (1 + 1) / 2, M = 4
    assert DaviesBouldin().update_many(X, a, C).get() == pytest.approx((1.5 + 1) / 4)
    loop = [Inertia(), Silhouette(), DaviesBouldin()]
    for row, k in zip(X, a, strict=True):
        for m in loop:
            m.update(row, int(k), C)
    assert [m.get() for m in loop] == pytest.approx([(1 + 4 + 1 + 1) / 4, sum(s) / 4, (1.5 + 1) / 4])
    assert Silhouette().update_many(X[:2], [0, 0], C[:1]).get() == 0.0  # one centre
    assert DaviesBouldin().update_many(X[:2], [0, 0], C).get() == 0.0  # one used cluster
    with pytest.raises(SchemaError):
        Inertia().update({"a": 1.0}, 0, C)
