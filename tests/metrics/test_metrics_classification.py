"""Label metrics against hand computations and a pure-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.metrics import (
    F1,
    Accuracy,
    BalancedAccuracy,
    CohenKappa,
    ConfusionMatrix,
    Precision,
    Recall,
)


# -- a pure-Python reference ------------------------------------------------------------------------
def ref_counts(y_true, y_pred):
    labels = []
    for t, p in zip(y_true, y_pred, strict=True):
        for v in (t, p):
            if v is not None and v not in labels:
                labels.append(v)
    tp = {c: sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == c and p == c) for c in labels}
    pred = {c: sum(1 for p in y_pred if p is not None and p == c) for c in labels}
    true = {c: sum(1 for t in y_true if t == c) for c in labels}
    return labels, tp, pred, true


def ratio(a, b):
    return a / b if b else 0.0


def ref_score(kind, average, y_true, y_pred, pos_label=True):
    labels, tp, pred, true = ref_counts(y_true, y_pred)

    def num_den(c):
        if kind == "precision":
            return tp[c], pred[c]
        if kind == "recall":
            return tp[c], true[c]
        return 2 * tp[c], pred[c] + true[c]

    if average == "binary":
        return ratio(*num_den(pos_label)) if pos_label in labels else 0.0
    if average == "micro":
        nums, dens = zip(*(num_den(c) for c in labels), strict=True) if labels else ((), ())
        return ratio(sum(nums), sum(dens))
    scores = [ratio(*num_den(c)) for c in labels]
    if not scores:
        return 0.0
    if average == "macro":
        return sum(scores) / len(scores)
    w = [true[c] for c in labels]
    return ratio(sum(s * x for s, x in zip(scores, w, strict=True)), sum(w))


def ref_kappa(y_true, y_pred):
    n = len(y_true)
    labels, tp, pred, true = ref_counts(y_true, y_pred)
    po = sum(tp.values()) / n
    pe = sum(true[c] * pred[c] for c in labels) / n**2
    return 0.0 if pe >= 1 else (po - pe) / (1 - pe)


def ref_balanced(y_true, y_pred):
    labels, tp, _, true = ref_counts(y_true, y_pred)
    recalls = [tp[c] / true[c] for c in labels if true[c]]
    return sum(recalls) / len(recalls)


def random_case(rng, n, labels, p_none=0.0):
    t = [labels[i] for i in rng.integers(0, len(labels), n)]
    p = [labels[i] for i in rng.integers(0, len(labels), n)]
    p = [ti if rng.random() < 0.5 else pi for ti, pi in zip(t, p, strict=True)]
    p = [None if rng.random() < p_none else v for v in p]
    return t, p


# -- hand computations ------------------------------------------------------------------------------
def test_hand_computed_binary():
    y_true = [True, True, True, False, False, True]
    y_pred = [True, False, True, True, False, None]
    # tp=2, fp=1, fn=2 (one missing prediction), tn=1
    assert Accuracy().update_many(y_true, y_pred).get() == pytest.approx(3 / 6)
    assert Precision().update_many(y_true, y_pred).get() == pytest.approx(2 / 3)
    assert Recall().update_many(y_true, y_pred).get() == pytest.approx(2 / 4)
    assert F1().update_many(y_true, y_pred).get() == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))
    # negatives as positive: tp=1, fp=1, fn=1
    assert F1(pos_label=False).update_many(y_true, y_pred).get() == pytest.approx(0.5)
    # balanced accuracy: recall(True)=2/4, recall(False)=1/2
    assert BalancedAccuracy().update_many(y_true, y_pred).get() == pytest.approx(0.5)
    # kappa: po=3/6; true counts T4 F2, pred counts T3 F2 (+1 none): pe=(4*3+2*2)/36
    pe = 16 / 36
    assert CohenKappa().update_many(y_true, y_pred).get() == pytest.approx((0.5 - pe) / (1 - pe))


def test_hand_computed_multiclass_averages():
    y_true = ["cat", "cat", "dog", "dog", "dog", "fish"]
    y_pred = ["cat", "dog", "dog", "dog", "cat", "cat"]
    # cat: tp1 pred3 true2 -> P 1/3 R 1/2 F1 2/5 ; dog: tp2 pred3 true3 -> P 2/3 R 2/3 F1 2/3 ; fish: 0
    assert Precision(average="macro").update_many(y_true, y_pred).get() == pytest.approx((1 / 3 + 2 / 3) / 3)
    assert Recall(average="macro").update_many(y_true, y_pred).get() == pytest.approx((1 / 2 + 2 / 3) / 3)
    assert F1(average="macro").update_many(y_true, y_pred).get() == pytest.approx((2 / 5 + 2 / 3) / 3)
    assert F1(average="weighted").update_many(y_true, y_pred).get() == pytest.approx(
        (2 * 2 / 5 + 3 * 2 / 3) / 6
    )
    for cls in (Precision, Recall, F1):
        assert cls(average="micro").update_many(y_true, y_pred).get() == pytest.approx(3 / 6)
    assert F1(pos_label="dog").update_many(y_true, y_pred).get() == pytest.approx(2 / 3)
    assert F1(pos_label="cow").update_many(y_true, y_pred).get() == 0.0  # never seen
    assert BalancedAccuracy().update_many(y_true, y_pred).get() == pytest.approx((1 / 2 + 2 / 3 + 0) / 3)


def test_kappa_perfect_and_degenerate():
    assert CohenKappa().update_many([1, 2, 3], [1, 2, 3]).get() == pytest.approx(1.0)
    assert CohenKappa().update_many([1, 1], [1, 1]).get() == 0.0  # p_e == 1: undefined -> 0
    assert CohenKappa().get() == 0.0


def test_empty_metrics_are_zero():
    for m in (Accuracy(), BalancedAccuracy(), F1(), F1(average="macro"), Precision(average="micro")):
        assert m.get() == 0.0


# -- against the reference -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(8))
def test_against_reference(seed):
    rng = np.random.default_rng(seed)
    labels = [["x", "y", "z", "w"], [True, False], [0, 1, 2], [3.5, -1.0]][seed % 4]
    t, p = random_case(rng, int(rng.integers(1, 200)), labels, p_none=0.1)
    for kind, cls in (("precision", Precision), ("recall", Recall), ("f1", F1)):
        for average in ("macro", "micro", "weighted", "binary"):
            pos = labels[0] if average == "binary" else True
            m = cls(average=average, pos_label=pos).update_many(t, p)
            assert m.get() == pytest.approx(ref_score(kind, average, t, p, pos), abs=1e-12), (kind, average)
    assert CohenKappa().update_many(t, p).get() == pytest.approx(ref_kappa(t, p), abs=1e-12)
    acc = sum(a == b for a, b in zip(t, p, strict=True)) / len(t)
    assert Accuracy().update_many(t, p).get() == pytest.approx(acc, abs=1e-15)
    assert BalancedAccuracy().update_many(t, p).get() == pytest.approx(ref_balanced(t, p), abs=1e-12)


# -- update_many equals a loop of update ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["bool", "int", "str", "object"])
def test_update_many_equals_loop(dtype):
    rng = np.random.default_rng(4)
    n = 300
    base = {
        "bool": [True, False],
        "int": [7, 3, 11],
        "str": ["u", "v", "w"],
        "object": ["u", 1, 2.5, False],
    }[dtype]
    t, p = random_case(rng, n, base, p_none=0.1 if dtype == "object" else 0.0)
    if dtype == "object":
        t_arr = np.empty(n, dtype=object)
        t_arr[:] = t
        p_arr = np.empty(n, dtype=object)
        p_arr[:] = p
    else:
        t_arr, p_arr = np.array(t), np.array(p)
    metrics = [ConfusionMatrix, Accuracy, BalancedAccuracy, CohenKappa, lambda: F1(average="macro")]
    for make in metrics:
        a, b, c = make(), make(), make()
        a.update_many(t_arr, p_arr)
        for i in range(0, n, 37):
            b.update_many(t_arr[i : i + 37], p_arr[i : i + 37])
        for ti, pi in zip(t, p, strict=True):
            c.update(ti, pi)
        assert a.labels_ == b.labels_ == c.labels_
        np.testing.assert_array_equal(a.matrix_, c.matrix_)
        np.testing.assert_array_equal(b.matrix_, c.matrix_)
        np.testing.assert_array_equal(a.unpredicted_, c.unpredicted_)
        if not isinstance(a, ConfusionMatrix):
            assert a.get() == b.get() == c.get()


def test_confusion_matrix_labels_in_order_of_appearance():
    cm = ConfusionMatrix()
    cm.update_many(np.array(["b", "b", "a"]), np.array(["c", "b", "d"]))
    # row by row, truth before prediction: b, c, (b), (b), a, d
    assert cm.labels == ["b", "c", "a", "d"]
    cm.update("e", "a")
    assert cm.labels == ["b", "c", "a", "d", "e"]
    m = cm.get()
    assert m[cm.labels.index("b"), cm.labels.index("c")] == 1
    assert m[cm.labels.index("e"), cm.labels.index("a")] == 1
    assert int(m.sum()) == 4 and cm.n == 4
    assert "rows: truth" in repr(cm)


def test_label_first_seen_in_predictions():
    m = F1(average="macro")
    m.update_many(["a", "a"], ["a", "b"])  # "b" appears only as a prediction
    # a: tp1 pred1 true2 -> 2/3 ; b: tp0 pred1 true0 -> 0
    assert m.labels_ == ["a", "b"]
    assert m.get() == pytest.approx((2 / 3 + 0) / 2)
    p = Precision(pos_label="b").update_many(["a", "a"], ["a", "b"])
    assert p.get() == 0.0


def test_bool_and_int_labels_are_equal_like_dict_keys():
    # True == 1 and False == 0, as in a Python dict: they share a code.
    m = Accuracy().update_many(np.array([True, False, True]), np.array([1, 0, 0]))
    assert m.get() == pytest.approx(2 / 3)
    assert len(m.labels_) == 2


def test_none_prediction_counts_as_wrong_everywhere():
    m = Accuracy().update_many(["a", "b"], [None, None])
    assert m.get() == 0.0
    r = Recall(average="macro").update_many(["a", "a", "b"], ["a", None, "b"])
    assert r.get() == pytest.approx((1 / 2 + 1) / 2)
    p = Precision(average="macro").update_many(["a", "a", "b"], ["a", None, "b"])
    assert p.get() == pytest.approx(1.0)  # a missing prediction predicts no class
    nan_pred = Accuracy().update_many(np.array([1.0, 2.0]), np.array([np.nan, 2.0]))
    assert nan_pred.get() == 0.5


def test_proba_input_equals_labels():
    classes = ["x", "y", "z"]
    P = np.array([[0.2, 0.5, 0.3], [0.0, 0.0, 0.0], [0.4, 0.4, 0.2], [0.1, 0.1, 0.8]])
    y = ["y", "x", "y", "z"]
    # argmax, first on ties; all-zero row -> no prediction
    labels = ["y", None, "x", "z"]
    for make in (Accuracy, lambda: F1(average="macro"), CohenKappa, ConfusionMatrix):
        a = make().update_many(y, proba=P, classes=classes)
        b = make().update_many(y, labels)
        c = make()
        for yi, row in zip(y, P, strict=True):
            c.update(yi, dict(zip(classes, row.tolist(), strict=True)))
        np.testing.assert_array_equal(a.matrix_, b.matrix_)
        np.testing.assert_array_equal(c.matrix_, b.matrix_)
        assert a.labels_ == b.labels_ == c.labels_
    # only predicted classes enter the vocabulary (as with a loop of update)
    assert Accuracy().update_many(["x"], proba=[[0.9, 0.1, 0.0]], classes=classes).labels_ == ["x"]


def test_revert_undoes_update():
    m = F1(average="weighted")
    m.update_many(["a", "b", "c"], ["a", "c", "c"])
    before = (m.matrix_.copy(), m.get())
    m.update_many(["c", "a"], ["b", None])
    m.revert_many(["c", "a"], ["b", None])
    np.testing.assert_array_equal(m.matrix_, before[0])
    assert m.get() == before[1]
    m.update("z", "z")
    m.revert("z", "z")
    assert m.get() == before[1]


def test_errors_and_params():
    with pytest.raises(SchemaError, match="missing true label"):
        Accuracy().update_many(["a", None], ["a", "b"])
    with pytest.raises(SchemaError, match="missing"):
        Accuracy().update(None, "a")
    with pytest.raises(SchemaError, match="must match"):
        Accuracy().update_many(["a", "b"], ["a"])
    with pytest.raises(SchemaError, match="classes"):
        Accuracy().update_many(["a"], proba=[[1.0]])
    with pytest.raises(InvalidParameterError, match="'average' parameter of F1"):
        F1(average="samples")
    m = F1(average="macro", pos_label="x")
    assert m.name == "macro_f1" and F1().name == "f1" and Precision(average="micro").name == "micro_precision"
    assert m.clone().get_params() == {"average": "macro", "pos_label": "x"}
    assert repr(F1(average="macro")) == "F1(average='macro'): 0.000000"
    assert repr(Accuracy().update_many([1, 1], [1, 0])) == "Accuracy: 0.500000"
    assert Accuracy().bigger_is_better and Accuracy.works_with("classification")
    assert not Accuracy.works_with("regression")


def test_state_round_trip_continues_identically():
    a = F1(average="macro").update_many(["a", "b", "c"], ["a", "c", "c"])
    b = F1(average="macro")
    b._set_state(
        {
            k: (v.copy() if isinstance(v, np.ndarray) else list(v) if isinstance(v, list) else v)
            for k, v in a._state().items()
        }
    )
    a.update_many(["c", "d"], ["d", "d"])
    b.update_many(["c", "d"], ["d", "d"])
    assert a.get() == b.get() and a.labels_ == b.labels_
    assert not math.isnan(a.get())
