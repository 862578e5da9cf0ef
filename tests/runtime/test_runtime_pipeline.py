"""The pipeline end to end: semantics of late labels, crashes and resume, faults, stops, tasks."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from streamlearn.base.learner import AnomalyDetector
from streamlearn.base.persistence import digest
from streamlearn.evaluate import prequential
from streamlearn.linear_model import LinearRegression, LogisticRegression
from streamlearn.metrics import Accuracy
from streamlearn.naive_bayes import GaussianNB
from streamlearn.preprocessing import StandardScaler
from streamlearn.runtime import RecordSchema, StreamPipeline
from streamlearn.runtime import checkpoint as ckpt_module
from streamlearn.streams.sinks import FileSink, MemorySink
from streamlearn.streams.sources import FileSource, InjectedCrash, MemorySource, PipelineConfigError


def _records(n, seed=0, drift_at=None):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = rng.normal(size=3)
        flip = drift_at is not None and i >= drift_at
        y = bool((x[0] + x[1] > 0) != flip)
        out.append({"a": float(x[0]), "b": float(x[1]), "c": float(x[2]), "y": y})
    return out


def _delayed(n, delay, seed=1):
    """Features with ids now, labels ``delay`` records later; every fifth record complete."""
    out, waiting = [], []
    for i, r in enumerate(_records(n, seed)):
        if i % 5 == 0:
            out.append({"id": i, **r})
        else:
            out.append({"id": i, **{k: v for k, v in r.items() if k != "y"}})
            waiting.append({"id": i, "y": r["y"]})
        if len(waiting) > delay:
            out.append(waiting.pop(0))
    return out + waiting


def test_inline_labels_equal_prequential_evaluation():
    records = _records(3000)
    sink = MemorySink()
    model = StandardScaler() | LogisticRegression(lr=0.1)
    pipe = StreamPipeline(
        MemorySource(records),
        model,
        schema=RecordSchema(label="y"),
        sinks=[sink],
        metrics=["accuracy", "log_loss"],
        batch_size=256,
    )
    s = pipe.run()
    ref_model = StandardScaler() | LogisticRegression(lr=0.1)
    ref = prequential(
        ref_model,
        [({k: v for k, v in r.items() if k != "y"}, r["y"]) for r in records],
        ["accuracy", "log_loss"],
    )
    assert s.metrics["accuracy"] == ref.metrics["accuracy"]
    assert s.metrics["log_loss"] == pytest.approx(ref.metrics["log_loss"], rel=1e-12)
    assert s.model_sha256 == digest(ref_model)
    assert s.records_in == s.predicted == s.learned == len(sink.rows) == 3000
    assert [r["offset"] for r in sink.rows[:3]] == [0, 1, 2]


def _toy_stream():
    return [
        {"id": 0, "x": 0.0},
        {"id": 1, "x": 10.0},
        {"id": 0, "y": "a"},
        {"id": 2, "x": 0.1},
        {"id": 1, "y": "b"},
        {"id": 2, "y": "a"},
    ]


def test_late_labels_score_the_prediction_made_before_they_arrived():
    sink = MemorySink()
    pipe = StreamPipeline(
        MemorySource(_toy_stream()),
        GaussianNB(),
        schema=RecordSchema(label="y", key="id"),
        sinks=[sink],
        metrics=[Accuracy()],
        batch_size=1,
    )
    s = pipe.run()
    # by hand: 0 and 1 are predicted by an empty model (no prediction); 2 after learning (0, "a")
    ref = GaussianNB()
    ref.learn_one({"x": 0.0}, "a")
    assert ref.predict_one({"x": 0.1}) == "a"
    assert [(r["key"], r["prediction"]) for r in sink.rows] == [(0, None), (1, None), (2, "a")]
    assert s.metrics["accuracy"] == pytest.approx(1 / 3)
    ref.learn_one({"x": 10.0}, "b")
    ref.learn_one({"x": 0.1}, "a")
    assert s.model_sha256 == digest(ref) and s.joined == 3 and s.pending == 0


def test_within_a_batch_predictions_use_the_model_of_the_batch_start_unless_exact_order():
    def run(**kw):
        return StreamPipeline(
            MemorySource(_toy_stream()),
            GaussianNB(),
            schema=RecordSchema(label="y", key="id"),
            metrics=[Accuracy()],
            **kw,
        ).run()

    whole = run(batch_size=100)
    assert whole.metrics["accuracy"] == 0.0  # record 2 was predicted before label 0 was learned
    exact = run(batch_size=100, exact_order=True)
    one = run(batch_size=1)
    assert exact.metrics == one.metrics and exact.model_sha256 == one.model_sha256 == whole.model_sha256


def test_labels_before_features_wait_and_complete_the_record():
    stream = [{"id": "k", "y": True}, {"id": "j", "x": 1.0}, {"id": "k", "x": 2.0}, {"id": "j", "y": False}]
    s = StreamPipeline(
        MemorySource(stream), GaussianNB(), schema=RecordSchema(label="y", key="id"), batch_size=2
    ).run()
    assert s.early_labels == 1 and s.joined == 1 and s.learned == 2 and s.pending == 0


def test_store_bounds_and_time_to_live_are_counted():
    stream = [{"id": i, "x": float(i), "ts": float(i)} for i in range(10)] + [
        {"id": 9, "y": True, "ts": 10.0}
    ]
    s = StreamPipeline(
        MemorySource(stream),
        GaussianNB(),
        schema=RecordSchema(label="y", key="id", timestamp="ts"),
        max_pending=6,
        ttl_seconds=3.5,
        batch_size=2,
    ).run()
    # after the label (ts 10) rows older than 6.5 are gone: 0..6 expired; 9 joined; 7, 8 wait
    assert s.evicted == 0 and s.expired == 7 and s.joined == 1 and s.pending == 2
    s = StreamPipeline(
        MemorySource(stream),
        GaussianNB(),
        schema=RecordSchema(label="y", key="id", timestamp="ts"),
        max_pending=4,
        batch_size=3,
    ).run()
    assert s.evicted == 6 and s.joined == 1


def test_a_separate_label_stream_is_joined_by_key():
    recs = _records(400, seed=3)
    features = [{"id": i, **{k: v for k, v in r.items() if k != "y"}} for i, r in enumerate(recs)]
    labels = [{"id": i, "y": r["y"]} for i, r in enumerate(recs)]
    s = StreamPipeline(
        MemorySource(features),
        StandardScaler() | LogisticRegression(lr=0.1),
        schema=RecordSchema(label="y", key="id"),
        labels=MemorySource(labels),
        batch_size=50,
    ).run()
    assert s.records_in == 800 and s.joined == 400 and s.learned == 400 and s.pending == 0
    assert s.metrics["accuracy"] > 0.85


def _crash_pipe(items, ck, sink, dead, **kw):
    return StreamPipeline(
        MemorySource(items),
        StandardScaler() | LogisticRegression(lr=0.05),
        schema=RecordSchema(label="y", key="id"),
        sinks=[sink],
        dead_letters=dead,
        rolling=100,
        batch_size=64,
        checkpoint_dir=ck,
        checkpoint_every=200,
        checkpoint_seconds=None,
        **kw,
    )


def _with_bad_lines(items):
    out = []
    for i, r in enumerate(items):
        out.append(json.dumps(r).encode())
        if i % 97 == 5:
            out.append(b'{"id": "bad", "a": ')
    return out


def test_injected_crashes_then_resume_equal_an_uninterrupted_run(tmp_path):
    items = _with_bad_lines(_delayed(3000, delay=30))
    ref_sink, ref_dead = MemorySink(), MemorySink()
    ref = _crash_pipe(items, tmp_path / "ref", ref_sink, ref_dead).run()
    crashing = list(items)
    for at in (150, 700, 701, 1900, 3100):
        crashing.insert(at, MemorySource.ABORT)
    source = MemorySource(crashing)
    sink, dead = MemorySink(), MemorySink()
    crashes = 0
    while True:
        pipe = _crash_pipe([], tmp_path / "crash", sink, dead)
        pipe.source = source
        try:
            s = pipe.run()
            break
        except InjectedCrash:
            crashes += 1
    assert crashes == 5 and s.resumed_from is not None
    for key in ("records_in", "predicted", "learned", "dead_letters", "joined", "metrics", "model_sha256"):
        assert getattr(s, key) == getattr(ref, key), key
    assert sink.rows == ref_sink.rows

    def strip(rows):  # the markers take list positions: offsets after them shift
        return [{k: v for k, v in r.items() if k != "offset"} for r in rows]

    assert strip(dead.rows) == strip(ref_dead.rows) and len(dead.rows) > 20


def test_a_failing_checkpoint_write_is_counted_and_the_previous_one_is_used(tmp_path, monkeypatch):
    items = _with_bad_lines(_delayed(1500, delay=20))
    ref_sink = MemorySink()
    ref = _crash_pipe(items, tmp_path / "ref", ref_sink, MemorySink()).run()
    real = ckpt_module.CheckpointStore.save
    calls = {"n": 0}

    def flaky(self, *a, **k):  # the third checkpoint hits a full disk
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(ckpt_module.CheckpointStore, "save", flaky)
    s = _crash_pipe(items, tmp_path / "survives", MemorySink(), MemorySink()).run()
    assert s.checkpoint_failures == 1 and (s.model_sha256, s.metrics) == (ref.model_sha256, ref.metrics)
    calls["n"] = 0
    crashing = list(items)
    crashing.insert(900, MemorySource.ABORT)  # after the failed third checkpoint, before a fourth
    source, sink = MemorySource(crashing), MemorySink()
    pipe = _crash_pipe([], tmp_path / "ck", sink, MemorySink())
    pipe.source = source
    with pytest.raises(InjectedCrash):
        pipe.run()
    assert calls["n"] == 3
    monkeypatch.setattr(ckpt_module.CheckpointStore, "save", real)
    pipe = _crash_pipe([], tmp_path / "ck", sink, MemorySink())
    pipe.source = source
    s = pipe.run()
    assert s.resumed_from == 2  # the checkpoint before the failed one
    assert (s.model_sha256, s.metrics, s.learned) == (ref.model_sha256, ref.metrics, ref.learned)
    assert sink.rows == ref_sink.rows


def test_bad_input_goes_to_dead_letters_and_the_stream_goes_on(tmp_path):
    lines = [
        b'{"a": 1.0, "y": true}',
        b'{"a": 2.0, "y": ',
        b'{"a": "wrong", "y": false}',
        b'{"a": 3.0}',
        b'{"a": 4.0, "y": false, "pad": "' + b"x" * 300 + b'"}',
        b'{"a": 5.0, "y": true}',
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    dead = FileSink(tmp_path / "dead.jsonl")
    out = MemorySink()
    s = StreamPipeline(
        FileSource(path),
        GaussianNB(),
        schema=RecordSchema(label="y", max_record_bytes=200),
        sinks=[out],
        dead_letters=dead,
    ).run()
    rows = [json.loads(x) for x in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert [r["offset"] for r in rows] == [1, 2, 3, 4]
    assert [r["reason"].split(":")[0] for r in rows] == [
        "invalid JSON",
        "field 'a'",
        "missing label field 'y'",
        f"record of {len(lines[4])} bytes exceeds max_record_bytes=200",
    ]
    assert rows[1]["payload"] == lines[2].decode() and rows[1]["source"] == "in.jsonl"
    assert s.dead_letters == 4 and s.learned == 2 and [r["offset"] for r in out.rows] == [0, 5]


def test_stop_from_another_thread_and_stop_after_checkpoint_and_resume(tmp_path):
    items = _records(5000)
    source = MemorySource(items, rate=20000)
    sink = MemorySink()
    pipe = StreamPipeline(
        source,
        GaussianNB(),
        schema=RecordSchema(label="y"),
        sinks=[sink],
        checkpoint_dir=tmp_path / "ck",
        batch_size=100,
    )
    threading.Timer(0.1, pipe.stop).start()
    first = pipe.run()
    assert first.stopped == "stop" and 0 < first.records_in < 5000 and len(sink.rows) == first.records_in
    second = pipe.run(stop_after=500)
    assert second.stopped == "stop_after" and second.records_in == first.records_in + 500
    third = pipe.run()
    ref = StreamPipeline(
        MemorySource(items), GaussianNB(), schema=RecordSchema(label="y"), batch_size=100
    ).run()
    assert third.stopped == "end" and (third.model_sha256, third.metrics) == (ref.model_sha256, ref.metrics)
    assert len(sink.rows) == 5000


def test_micro_batches_are_cut_by_time_when_records_trickle_in():
    source = MemorySource(live=True)
    sink = MemorySink()
    pipe = StreamPipeline(
        source,
        GaussianNB(),
        schema=RecordSchema(label="y"),
        sinks=[sink],
        batch_size=1000,
        batch_seconds=0.05,
    )
    seen_before_end = []

    def feed():
        for r in _records(20):
            source.push(r)
            time.sleep(0.02)
        time.sleep(0.2)
        seen_before_end.append(len(sink.rows))
        source.end()

    threading.Thread(target=feed, daemon=True).start()
    s = pipe.run()
    assert s.records_in == 20 and seen_before_end == [20]  # all out before the source ended


class _Distance(AnomalyDetector):
    """Scores a record by its distance to the running mean (a test detector)."""

    def __init__(self) -> None:
        self._validate_params()

    def _learn(self, X):
        n = getattr(self, "n_", 0) + len(X)
        mean = getattr(self, "mean_", np.zeros(X.shape[1]))
        self.mean_ = mean + (X.sum(axis=0) - len(X) * mean) / n
        self.n_ = n

    def _output(self, X):
        return np.abs(X - getattr(self, "mean_", np.zeros(X.shape[1]))).sum(axis=1)


def test_regression_and_anomaly_pipelines():
    rng = np.random.default_rng(0)
    recs = [{"x": float(v), "y": float(2 * v + 1)} for v in rng.normal(size=500)]
    s = StreamPipeline(MemorySource(recs), LinearRegression(lr=0.05), schema=RecordSchema(label="y")).run()
    assert s.learned == 500 and s.metrics["mae"] < 0.5 and set(s.metrics) == {"mae", "rmse", "r2"}
    points = [{"x": float(v), "odd": bool(abs(v) > 2.5)} for v in rng.normal(size=2000)]
    sink = MemorySink()
    s = StreamPipeline(
        MemorySource(points), _Distance(), schema=RecordSchema(label="odd"), sinks=[sink]
    ).run()
    assert s.learned == 2000 and s.metrics["roc_auc"] > 0.95 and "score" in sink.rows[0]


def test_drift_alarms_on_a_concept_that_flips():
    recs = _records(6000, seed=4, drift_at=3000)
    s = StreamPipeline(
        MemorySource(recs),
        StandardScaler() | LogisticRegression(lr=0.1),
        schema=RecordSchema(label="y"),
        drift="ddm",
        batch_size=500,
    ).run()
    assert s.drift_alarms >= 1


def test_resuming_with_another_model_is_refused(tmp_path):
    recs = _records(100)
    StreamPipeline(
        MemorySource(recs), GaussianNB(), schema=RecordSchema(label="y"), checkpoint_dir=tmp_path
    ).run()
    with pytest.raises(PipelineConfigError, match="was written by a pipeline with the model"):
        StreamPipeline(
            MemorySource(recs), LogisticRegression(), schema=RecordSchema(label="y"), checkpoint_dir=tmp_path
        ).run()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "max_records"),
        ({"checkpoint_seconds": -1}, "every_seconds"),
        ({"labels": MemorySource([])}, "needs schema.key"),
        ({"metrics": ["rmse"]}, "cannot score a classification model"),
        ({"output": ["probas"]}, "unknown extra column"),
    ],
)
def test_pipeline_arguments_are_checked(kwargs, message):
    with pytest.raises(PipelineConfigError, match=message):
        StreamPipeline(MemorySource([]), GaussianNB(), **kwargs)
