"""Prequential evaluation: batch vs one-at-a-time, delays, missing labels, history, report."""

from __future__ import annotations

import json

import numpy as np
import pytest
from prequential_toys import Counter, Distance, Majority, Recorder, RunningMean, TwoMeans

from streamlearn.base.batch import Batch
from streamlearn.base.errors import InvalidParameterError, UnknownNameError
from streamlearn.base.schema import Schema
from streamlearn.evaluate import PrequentialReport, prequential
from streamlearn.metrics import ROCAUC, Accuracy, Inertia, LogLoss, Silhouette


def class_stream(n: int, seed: int = 0, labels: tuple = ("a", "b", "c")) -> list[tuple[dict, object]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        k = int(rng.choice(len(labels), p=[0.5, 0.3, 0.2][: len(labels)] if len(labels) == 3 else None))
        out.append(({"x": float(rng.normal()), "i": float(i)}, labels[k]))
    return out


def reg_stream(n: int, seed: int = 0) -> list[tuple[dict, object]]:
    rng = np.random.default_rng(seed)
    return [({"x": float(rng.normal())}, float(rng.normal(3.0, 2.0))) for _ in range(n)]


def as_batches(records: list, size: int) -> list[Batch]:
    schema = Schema()
    out = []
    for a in range(0, len(records), size):
        chunk = records[a : a + size]
        X = schema.rows([x for x, _ in chunk])
        y = np.empty(len(chunk), dtype=object)
        y[:] = [v for _, v in chunk]
        out.append(Batch(X, y, schema, a))
    return out


# -- batch mode equals one at a time ----------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [1000, 64, 7])
def test_classification_batch_equals_one_at_a_time(batch_size):
    stream = class_stream(500)
    names = ["accuracy", "macro_f1", "kappa", "log_loss", "balanced_accuracy"]
    a = prequential(Majority(), stream, names, batch_size=batch_size, every=100, rolling=50)
    b = prequential(Majority(), stream, names, one_at_a_time=True, every=100, rolling=50)
    c = prequential(Majority(), stream, names, batch_size=1, every=100, rolling=50)
    assert b.one_at_a_time and c.one_at_a_time and not a.one_at_a_time
    assert a.n == b.n == c.n == 500
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        assert a.metrics[k] == pytest.approx(b.metrics[k], rel=1e-12, abs=1e-12)
        assert b.metrics[k] == pytest.approx(c.metrics[k], rel=1e-12, abs=1e-12)
    assert [r["n"] for r in a.history] == [r["n"] for r in b.history] == [100, 200, 300, 400, 500]
    for ra, rb in zip(a.history, b.history, strict=True):
        for k in ra:
            assert ra[k] == pytest.approx(rb[k], rel=1e-12, abs=1e-12)


def test_batches_of_batch_objects_equal_records():
    stream = class_stream(300, seed=3)
    a = prequential(Majority(), stream, ["accuracy", "macro_f1"], batch_size=50)
    b = prequential(Majority(), as_batches(stream, 37), ["accuracy", "macro_f1"])
    c = prequential(Majority(), as_batches(stream, 37), ["accuracy", "macro_f1"], one_at_a_time=True)
    assert a.metrics == b.metrics
    assert a.metrics == pytest.approx(c.metrics)


def test_majority_accuracy_by_hand():
    # Majority predicts the most frequent label so far (first seen wins ties); row 0 has no prediction.
    labels = ["a", "b", "b", "a", "a", "b", "b"]
    stream = [({"x": 0.0}, y) for y in labels]
    counts: dict[str, int] = {}
    order: list[str] = []
    correct = 0
    for y in labels:
        if counts:
            best = max(order, key=lambda k: (counts[k], -order.index(k)))
            correct += best == y
        if y not in counts:
            order.append(y)
            counts[y] = 0
        counts[y] += 1
    r = prequential(Majority(), stream, ["accuracy"], batch_size=3)
    assert r.metrics["accuracy"] == pytest.approx(correct / len(labels))


def test_regression_batch_equals_one_at_a_time_and_formula():
    stream = reg_stream(400)
    a = prequential(RunningMean(), stream, ["mae", "rmse", "r2"], batch_size=33, rolling=40)
    b = prequential(RunningMean(), stream, ["mae", "rmse", "r2"], one_at_a_time=True, rolling=40)
    for k in a.metrics:
        assert a.metrics[k] == pytest.approx(b.metrics[k], rel=1e-9, abs=1e-12)
    ys = np.array([y for _, y in stream])
    preds = np.array([0.0] + [ys[:i].mean() for i in range(1, len(ys))])
    assert a.metrics["mae"] == pytest.approx(np.abs(ys - preds).mean(), rel=1e-12)
    assert a.metrics["rmse"] == pytest.approx(np.sqrt(((ys - preds) ** 2).mean()), rel=1e-12)
    r2 = 1 - ((ys - preds) ** 2).sum() / ((ys - ys.mean()) ** 2).sum()
    assert a.metrics["r2"] == pytest.approx(r2, rel=1e-12)
    tail = slice(-40, None)
    assert a.metrics["rolling_mae"] == pytest.approx(np.abs(ys - preds)[tail].mean(), rel=1e-9)


# -- delayed labels -----------------------------------------------------------------------------------
@pytest.mark.parametrize("delay", [0, 1, 3, 10])
def test_delay_one_at_a_time_is_exact_per_row(delay):
    n = 25
    stream = [({"x": 1.0}, float(t)) for t in range(n)]
    for kwargs in ({"one_at_a_time": True}, {"batch_size": 1}):
        rec = Recorder()
        model = Counter()
        r = prequential(model, stream, [rec], delay=delay, **kwargs)
        # Row t is predicted by a model that learned rows 0 .. t-delay-1, so predicts max(0, t-delay).
        assert rec.pairs_ == [(float(t), float(max(0, t - delay))) for t in range(n)]
        assert model.learned_ == [float(t) for t in range(n)]  # every row learned, in order
        assert r.n == r.n_scored == n


@pytest.mark.parametrize("delay", [1, 2, 4, 5, 12])
def test_delay_batches(delay):
    n, size = 23, 4
    stream = [({"x": 1.0}, float(t)) for t in range(n)]
    rec = Recorder()
    model = Counter()
    r = prequential(model, stream, [rec], delay=delay, batch_size=size)
    # A batch [t0, t1) is predicted with everything whose label arrived before it: rows j <= t0-1-delay.
    expected = {t: float(max(0, (t // size) * size - delay)) for t in range(n)}
    # Scored when learned: row j once the batch containing row j+delay was read (or at the end).
    assert sorted(rec.pairs_) == [(float(t), expected[t]) for t in range(n)]
    assert [p[0] for p in rec.pairs_] == [float(t) for t in range(n)]  # scored in arrival order
    assert model.learned_ == [float(t) for t in range(n)]
    assert r.n_scored == n and r.delay == delay
    # The history: scoring lags reading by the delay (at batch granularity), final row complete.
    r2 = prequential(Counter(), stream, [Recorder()], delay=delay, batch_size=size, every=size)
    for row in r2.history[:-1]:
        assert row["recorder"] == max(0, row["n"] - delay)
    assert r2.history[-1] == {"n": n, "recorder": float(n)}


def test_delay_classifier_never_uses_own_label():
    # Each label is new: a model that learned a row's label only after predicting it is always wrong.
    stream = [({"x": float(t)}, f"c{t}") for t in range(30)]
    for delay, bs in [(1, 1), (1, 5), (3, 4)]:
        r = prequential(Majority(), stream, ["accuracy"], delay=delay, batch_size=bs)
        assert r.metrics["accuracy"] == 0.0
    r = prequential(Majority(), [({"x": 0.0}, "a")] * 10, ["accuracy"], delay=3, batch_size=1)
    assert r.metrics["accuracy"] == pytest.approx(6 / 10)  # rows 0..3 had no prediction


# -- missing labels ----------------------------------------------------------------------------------
def test_missing_labels_are_predicted_not_learned_nor_scored():
    ys = [0.0, None, 2.0, float("nan"), None, 5.0, 6.0, None]
    stream = [({"x": 1.0}, y) for y in ys]
    for kwargs in ({"batch_size": 3}, {"batch_size": 100}, {"one_at_a_time": True}):
        rec = Recorder()
        model = Counter()
        r = prequential(model, stream, [rec], **kwargs)
        assert r.n == 8 and r.n_unlabelled == 4 and r.n_scored == 4
        assert model.learned_ == [0.0, 2.0, 5.0, 6.0]
        # Exact per row even across unlabelled rows: row 5 was predicted after learning rows 0 and 2.
        assert rec.pairs_ == [(0.0, 0.0), (2.0, 1.0), (5.0, 2.0), (6.0, 3.0)]


def test_missing_labels_with_delay_and_classifier():
    stream = [({"x": 0.0}, y) for y in ["a", None, "a", "a", None, "a"]]
    r = prequential(Majority(), stream, ["accuracy"], delay=1, batch_size=2)
    assert (r.n, r.n_unlabelled, r.n_scored) == (6, 2, 4)
    # batch [0,2): no model -> row 0 wrong; batch [2,4): learned row 0 -> rows 2,3 right; [4,6): right.
    assert r.metrics["accuracy"] == pytest.approx(3 / 4)


def test_label_metrics_share_one_factorisation_per_batch(monkeypatch):
    """A classifier's batch is factorised once for all its metrics; with missing labels,
    once for the batch and once per scored run. The values are those of one-at-a-time."""
    import importlib

    from streamlearn.metrics import _labels

    pq = importlib.import_module("streamlearn.evaluate.prequential")

    calls: list[int] = []
    real = _labels.factorize

    def counting(y):
        calls.append(len(y))
        return real(y)

    monkeypatch.setattr(_labels, "factorize", counting)
    monkeypatch.setattr(pq, "factorize", counting)
    names = ["accuracy", "macro_f1", "kappa", "balanced_accuracy", "log_loss"]
    records = class_stream(400, seed=2)
    a = prequential(Majority(), as_batches(records, 100), names)
    assert calls == [100, 100, 100, 100]
    b = prequential(Majority(), records, names, one_at_a_time=True)
    assert a.metrics == pytest.approx(b.metrics, rel=1e-12, abs=1e-12)
    calls.clear()
    records[10] = (records[10][0], None)  # splits the first batch into runs [0, 10) and [11, 100)
    prequential(Majority(), as_batches(records, 100), names)
    assert calls == [100, 10, 89, 100, 100, 100]


def test_batch_without_labels():
    schema = Schema(["x"])
    batches = [Batch(np.zeros((3, 1)), None, schema), Batch(np.ones((2, 1)), np.array(["a", "b"]), schema)]
    r = prequential(Majority(), batches, ["accuracy"])
    assert (r.n, r.n_unlabelled, r.n_scored) == (5, 3, 2)
    assert r.metrics["accuracy"] == 0.0  # row 3: nothing learned yet; row 4: predicts "a", truth "b"


# -- history, limit, progress, report -------------------------------------------------------------------
def test_every_history_matches_recomputation():
    stream = class_stream(1000, seed=5)
    r = prequential(Majority(), as_batches(stream, 300), ["accuracy"], every=250)
    assert [row["n"] for row in r.history] == [250, 500, 750, 1000]
    acc = Accuracy()
    one = prequential(Majority(), stream, [acc], one_at_a_time=True, every=1)
    assert acc.get() == r.metrics["accuracy"]
    by_n = {row["n"]: row["accuracy"] for row in one.history}
    for row in r.history:
        assert row["accuracy"] == by_n[row["n"]]


def test_every_not_multiple_of_batches_and_final_row():
    r = prequential(Majority(), class_stream(530), ["accuracy"], every=200, batch_size=64)
    assert [row["n"] for row in r.history] == [200, 400, 530]
    r = prequential(Majority(), class_stream(530), ["accuracy"])
    assert [row["n"] for row in r.history] == [530]
    assert r.history[-1]["accuracy"] == r.metrics["accuracy"]


def test_limit_and_progress():
    seen = []

    def progress(n, report):
        assert isinstance(report, PrequentialReport)
        seen.append((n, dict(report.current())))

    r = prequential(
        Majority(), class_stream(1000), ["accuracy"], batch_size=100, limit=450, progress=progress
    )
    assert r.n == 450
    assert [n for n, _ in seen] == [100, 200, 300, 400, 450]
    assert seen[-1][1]["accuracy"] == r.metrics["accuracy"]
    r = prequential(Majority(), as_batches(class_stream(1000), 300), ["accuracy"], limit=450)
    assert r.n == 450
    r = prequential(Majority(), class_stream(100), ["accuracy"], one_at_a_time=True, limit=10)
    assert r.n == 10
    assert prequential(Majority(), class_stream(100), limit=0).n == 0


def test_report_fields_json_and_text():
    r = prequential(Majority(), class_stream(300), ["accuracy", "macro_f1"], every=100, rolling=50)
    d = r.to_dict()
    json.dumps(d)
    assert d["n"] == 300 and d["n_unlabelled"] == 0 and d["rolling"] == 50
    assert set(d["metrics"]) == {"accuracy", "macro_f1", "rolling_accuracy", "rolling_macro_f1"}
    assert r.seconds > 0 and r.read_seconds > 0
    assert r.rows_per_second == pytest.approx(300 / r.seconds)
    text = str(r)
    assert "accuracy" in text and "rolling_macro_f1" in text and "rows 300" in text
    assert len(d["history"]) == 3


def test_rolling_in_report_equals_last_window():
    stream = class_stream(400, seed=9)
    rec = prequential(Majority(), stream, ["accuracy"], one_at_a_time=True, every=1)
    r = prequential(Majority(), stream, ["accuracy"], rolling=60, batch_size=45)
    # accuracy over rows [340, 400) from the cumulative history: (A400*400 - A340*340) / 60
    acc = {row["n"]: row["accuracy"] for row in rec.history}
    expected = (acc[400] * 400 - acc[340] * 340) / 60
    assert r.metrics["rolling_accuracy"] == pytest.approx(expected, abs=1e-12)


def test_default_metrics_and_metric_objects_updated_in_place():
    r = prequential(Majority(), class_stream(50))
    assert list(r.metrics) == ["accuracy", "macro_f1", "kappa"]
    acc = Accuracy()
    r = prequential(Majority(), class_stream(50), [acc, LogLoss()])
    assert acc.get() == r.metrics["accuracy"] and acc.n_ == 50
    assert r.metric_objects[0] is acc


# -- unsupervised --------------------------------------------------------------------------------------
def test_anomaly_detector_roc_auc_on_labelled_rows():
    rng = np.random.default_rng(1)
    xs = np.concatenate([rng.normal(0, 1, 300), rng.normal(0, 1, 20) + 8])
    ys = np.array([False] * 300 + [True] * 20, dtype=object)
    order = rng.permutation(len(xs))
    xs, ys = xs[order], ys[order]
    ys[::7] = None
    stream = [({"x": float(x)}, y) for x, y in zip(xs, ys, strict=True)]
    a = prequential(Distance(), stream, batch_size=50)
    b = prequential(Distance(), stream, [ROCAUC()], one_at_a_time=True)
    assert list(a.metrics) == ["roc_auc"]
    assert a.metrics["roc_auc"] == pytest.approx(b.metrics["roc_auc"], abs=1e-12)
    assert a.metrics["roc_auc"] > 0.9
    assert a.n_unlabelled == int(sum(y is None for y in ys)) == b.n_unlabelled
    # pairwise formula on the scores the detector gave (score before learning each row)
    model, scores = Distance(), []
    for x in xs:
        scores.append(model.score_one({"x": float(x)}))
        model.learn_one({"x": float(x)})
    s = np.array(scores)
    keep = np.array([y is not None for y in ys])
    pos, neg = s[keep & (ys == True)], s[keep & (ys == False)]  # noqa: E712
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert a.metrics["roc_auc"] == pytest.approx(pairs / (len(pos) * len(neg)), abs=1e-12)


def test_clusterer_metrics():
    rng = np.random.default_rng(2)
    pts = np.concatenate([rng.normal(0, 0.5, (100, 2)), rng.normal(6, 0.5, (100, 2))])[rng.permutation(200)]
    stream = [{"a": float(p[0]), "b": float(p[1])} for p in pts]
    a = prequential(TwoMeans(), stream, batch_size=40)
    b = prequential(TwoMeans(), stream, [Inertia(), Silhouette()], one_at_a_time=True)
    assert list(a.metrics) == ["inertia", "silhouette"]
    assert a.n == a.n_scored == 200 and a.n_unlabelled == 0
    assert 0.5 < b.metrics["silhouette"] <= 1.0
    assert 0.5 < a.metrics["silhouette"] <= 1.0
    assert b.metrics["inertia"] < 3.0


# -- errors ------------------------------------------------------------------------------------------
def test_errors():
    with pytest.raises(InvalidParameterError, match="'delay' parameter of prequential"):
        prequential(Majority(), class_stream(5), delay=-1)
    with pytest.raises(InvalidParameterError, match="'batch_size'"):
        prequential(Majority(), class_stream(5), batch_size=0)
    with pytest.raises(InvalidParameterError, match="cannot score a classification model"):
        prequential(Majority(), class_stream(5), ["rmse"])
    with pytest.raises(UnknownNameError, match="Known metrics"):
        prequential(Majority(), class_stream(5), ["acuracy"])
    with pytest.raises(InvalidParameterError, match="named 'accuracy'"):
        prequential(Majority(), class_stream(5), [Accuracy(), "accuracy"])
    with pytest.raises(InvalidParameterError, match="classifier, regressor"):
        prequential(object(), class_stream(5))  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="callable"):
        prequential(Majority(), class_stream(5), progress=3)  # type: ignore[arg-type]
    assert prequential(Majority(), [], ["accuracy"]).n == 0
