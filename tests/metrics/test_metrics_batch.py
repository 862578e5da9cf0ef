"""``update_batch`` (a classifier's batch shared by several metrics) equals ``update_many``."""

from __future__ import annotations

import numpy as np
import pytest

from streamlearn.metrics import (
    F1,
    ROCAUC,
    Accuracy,
    BalancedAccuracy,
    CohenKappa,
    ConfusionMatrix,
    LogLoss,
    Precision,
    Rolling,
)
from streamlearn.metrics._labels import ScoredBatch, argmax_labels, factorize


def make_metrics(pos):
    return [
        ConfusionMatrix(),
        Accuracy(),
        BalancedAccuracy(),
        CohenKappa(),
        F1(average="macro"),
        Precision(average="weighted"),
        F1(pos_label=pos),
        LogLoss(pos_label=pos),
        ROCAUC(pos_label=pos),
        Rolling(Accuracy(), 50),
        Rolling(LogLoss(pos_label=pos), 30),
        Rolling(F1(average="macro"), 70),
    ]


def classifier_batches(rng, labels, n_batches=12):
    """Batches as a classifier's stream gives them: classes appear over time, some rows
    have no prediction (all-zero probabilities), some classes are never predicted."""
    classes: list = []
    for b in range(n_batches):
        n = int(rng.choice([1, 5, 40, 200]))
        k_seen = min(len(labels), 1 + b // 3)
        y = [labels[int(i)] for i in rng.integers(0, k_seen, n)]
        for v in y:
            if v not in classes:
                classes.append(v)
        P = rng.random((n, len(classes)))
        P[:, -1] = 0.0  # the newest class is never predicted in this batch
        P[rng.random(n) < 0.1] = 0.0  # no prediction
        P[rng.random(n) < 0.2, 0] = 1.0  # ties: the first class wins
        y_arr = np.empty(n, dtype=object) if isinstance(labels[0], str) else None
        if y_arr is not None:
            y_arr[:] = y
        else:
            y_arr = np.array(y)
        yield y_arr, P, list(classes)


@pytest.mark.parametrize(
    "labels",
    [["up", "down", "flat"], [1.0, 0.0, 2.0], [True, False], [3, 7, 1]],
    ids=["str", "float", "bool", "int"],
)
def test_update_batch_equals_update_many(labels):
    rng = np.random.default_rng(1)
    pos = labels[0]
    shared, alone = make_metrics(pos), make_metrics(pos)
    for y, P, classes in classifier_batches(rng, labels):
        batch = ScoredBatch(y, P, classes)
        for m in shared:
            m.update_batch(batch)
        for m in alone:
            m.update_many(y, proba=P, classes=classes)
        for a, b in zip(shared, alone, strict=True):
            ga, gb = a.get(), b.get()
            if isinstance(ga, np.ndarray):
                np.testing.assert_array_equal(ga, gb)
            else:
                assert ga == gb, type(a).__name__  # bitwise: the same contributions in the same order
    for a, b in zip(shared, alone, strict=True):
        if hasattr(a, "labels_"):
            assert a.labels_ == b.labels_
            assert [type(v) for v in a.labels_] == [type(v) for v in b.labels_]


def test_metrics_with_different_vocabularies_share_one_batch():
    """Codes are shared only between metrics whose vocabularies hold the same labels."""
    y = np.array(["b", "a", "c", "a"], dtype=object)
    P = np.array([[0.2, 0.8, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 0.0], [0.3, 0.7, 0.0]])
    classes = ["a", "b", "c"]
    fresh, fresh2 = ConfusionMatrix(), ConfusionMatrix()
    seen = ConfusionMatrix().update_many(["c", "x"], ["x", "c"])  # labels c, x first
    equal_int = ConfusionMatrix().update_many([1], [1])  # 1 == True == 1.0, but not the same labels
    equal_bool = ConfusionMatrix().update_many([True], [True])
    batch = ScoredBatch(y, P, classes)
    for m in (fresh, seen, fresh2, equal_int, equal_bool):
        m.update_batch(batch)
    assert fresh.labels == fresh2.labels == ["b", "a", "c"]
    # rows: b -> b, a -> a, c -> no prediction, a -> b
    assert fresh.matrix.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 0]]
    assert fresh.unpredicted.tolist() == [0, 0, 1]
    np.testing.assert_array_equal(fresh2.matrix, fresh.matrix)
    assert seen.labels == ["c", "x", "b", "a"]
    assert seen.matrix.tolist() == [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]
    assert seen.unpredicted.tolist() == [1, 0, 0, 0]
    assert equal_int.labels[0] == 1 and type(equal_int.labels[0]) is int
    assert equal_bool.labels[0] is True


def test_scored_batch_computes_once():
    y = np.array([0.0, 1.0, 1.0])
    P = np.array([[0.9, 0.1], [0.0, 0.0], [0.4, 0.6]])
    batch = ScoredBatch(y, P, [0.0, 1.0])
    assert batch.true() is batch.true()
    assert batch.pred() is batch.pred()
    assert batch.true()[1].tolist() == [0, 1, 1]
    assert batch.pred()[1].tolist() == [0, -1, 1]
    given = factorize(y)
    assert ScoredBatch(y, P, [0.0, 1.0], given).true() is given


@pytest.mark.parametrize(
    "values",
    [
        [1.0, 0.0, 1.0, 1.0],
        [3.0, 3.0],
        [0.0, 5.0, 2.0, 5.0, 0.0],
        [0.0, 1.0, np.nan, 1.0],
        [-0.0, 1.0, 0.0],
        [-1.0, 2.0, -1.0],
        [0.5, 1.0],
        [np.inf, 1.0],
        [1e9, 0.0],
        [np.nan, np.nan],
        [],
    ],
)
def test_factorize_whole_number_floats_like_unique(values):
    """Whole-number float labels take a counting path; the result is np.unique's."""
    y = np.array(values, dtype=np.float64)
    uniq, codes = factorize(y)
    nan = np.isnan(y)
    ref = np.unique(y[~nan]) if len(y) else np.array([])
    ref_codes = np.full(len(y), -1)
    ref_codes[~nan] = np.searchsorted(ref, y[~nan])
    assert uniq == ref.tolist()
    assert [np.signbit(v) for v in uniq] == [np.signbit(v) for v in ref.tolist()]
    assert all(type(v) is float for v in uniq)
    np.testing.assert_array_equal(codes, ref_codes)


def test_argmax_labels_first_max_and_no_prediction():
    P = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0], [0.1, 0.2, 0.7]])
    labels, codes = argmax_labels(P, ["a", "b", "c"])
    assert [labels[c] if c >= 0 else None for c in codes] == ["a", None, "c"]
