"""Kafka source and sinks against a real Kafka-protocol broker (tansu, started by the fixtures).

* Kafka -> scaler, one-hot encoder and LogisticRegression -> Kafka, defined in YAML: the
  predictions read back from the topic equal those of the same pipeline over
  the same records in memory; dead letters land on their own topic; offsets
  are committed to the group.
* A topic with 2 partitions read by 2 worker processes: each worker's model
  equals a model trained on its partition alone.
* ``streamlearn run`` killed with SIGKILL at random points and restarted:
  final model digest, metrics and counts, and the prediction file byte for
  byte, equal an uninterrupted run; the Kafka prediction topic holds every
  prediction of the reference at least once (duplicates allowed: at-least-once).
* The broker stopped and restarted in the middle of a run: the pipeline waits,
  resumes, and ends with the model of an uninterrupted run. tansu keeps data
  in memory only, so the test produces the same records again, at the same
  offsets, into the restarted broker (what a durable broker would have kept).
* The sink keeps unacknowledged messages while the broker is away and
  delivers them when it is back; the source gives up after ``broker_timeout_s``.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

pytest.importorskip("confluent_kafka", reason="confluent-kafka is missing: pip install -e '.[dev]'")

from streamlearn.runtime import RecordSchema, StreamPipeline, load_pipeline, pipeline_from_dict
from streamlearn.runtime.config import build_model
from streamlearn.streams.sinks import MemorySink
from streamlearn.streams.sinks.kafka import KafkaSink
from streamlearn.streams.sources import MemorySource, PipelineConfigError
from streamlearn.streams.sources.kafka import BrokerUnavailableError, KafkaSource

TANSU = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}  # tansu bug 1


def _records(n: int, seed: int, bad_every: int = 0, delay: int = 0) -> list[bytes]:
    """JSON records (id, 4 numbers, a category, label y); ``delay``: 2 of 3 labels come later."""
    rng = random.Random(seed)
    out, waiting = [], []
    for i in range(n):
        x = [round(rng.gauss(0, 1), 4) for _ in range(4)]
        label = x[0] + 0.5 * x[1] - x[2] > 0
        rec: dict[str, Any] = {"id": i, "a": x[0], "b": x[1], "c": x[2], "d": x[3]}
        rec["proto"] = rng.choice(["tcp", "udp"])
        if not delay or i % 3 == 0:
            rec["y"] = label
        else:
            waiting.append((i, label))
        out.append(json.dumps(rec).encode())
        if bad_every and i % bad_every == 7:
            out.append(json.dumps({"id": f"x{i}", "a": "not a number"}).encode())
        if bad_every and i % (2 * bad_every + 1) == 3:
            out.append(b'{"id": 1, "a": ')
        while waiting and waiting[0][0] <= i - delay:
            k, lab = waiting.pop(0)
            out.append(json.dumps({"id": k, "y": lab}).encode())
    out += [json.dumps({"id": k, "y": lab}).encode() for k, lab in waiting]
    return out


MODEL = {"name": "logistic_regression", "params": {"lr": 0.05}}  # preprocess: scaler + one-hot encoder


def _model() -> Any:
    return build_model(MODEL)


def _reference(records: list[bytes], **kw: Any) -> tuple[Any, MemorySink, MemorySink]:
    preds, dead = MemorySink(), MemorySink()
    pipe = StreamPipeline(
        MemorySource(records),
        _model(),
        schema=RecordSchema(label="y", key="id"),
        sinks=[preds],
        dead_letters=dead,
        metrics=["accuracy", "log_loss"],
        **kw,
    )
    return pipe.run(), preds, dead


def test_yaml_options_are_checked_without_a_broker():
    spec: dict[str, Any] = {"source": {"type": "kafka", "topic": "x"}, "model": {"name": "gaussian_nb"}}
    with pytest.raises(PipelineConfigError, match=r"unknown option 'topic' \(did you mean 'topics'\?\)"):
        pipeline_from_dict(spec)
    spec = {
        "source": {"type": "kafka", "topics": "x", "start": "beginning"},
        "model": {"name": "gaussian_nb"},
    }
    with pytest.raises(PipelineConfigError, match=r"source\.start: must be earliest, latest or committed"):
        pipeline_from_dict(spec)
    spec = {
        "source": {"type": "kafka", "topics": ["a", "b"], "group_id": "g"},
        "model": {"name": "gaussian_nb"},
        "sinks": {"dead_letters": {"type": "kafka", "topic": "dead", "key": "id"}},
    }
    pipe = pipeline_from_dict(spec)
    assert isinstance(pipe.source, KafkaSource) and pipe.source.topics == ["a", "b"]
    assert isinstance(pipe.dead_letters, KafkaSink) and pipe.dead_letters.key == "id"


def test_kafka_to_model_to_kafka_with_dead_letters(kafka: Any, tmp_path: Path, uid):
    inp, out, dead, group = uid("in"), uid("out"), uid("dead"), uid("group")
    kafka.create_topics([inp, out, dead])
    records = _records(3000, seed=1, bad_every=400)
    kafka.produce(inp, records)
    server = {"bootstrap_servers": kafka.bootstrap}
    spec = {
        "source": {
            "type": "kafka",
            "topics": inp,
            "group_id": group,
            "max_records": len(records),
            "config": TANSU,
            **server,
        },
        "schema": {"label": "y", "key": "id"},
        "model": MODEL,
        "metrics": ["accuracy", "log_loss"],
        "batch": {"max_records": 500, "max_seconds": 5},
        "checkpoint": {"dir": str(tmp_path / "ckpt"), "every_records": 1000},
        "sinks": {
            "predictions": {"type": "kafka", "topic": out, "key": "key", **server},
            "dead_letters": {"type": "kafka", "topic": dead, **server},
        },
    }
    summary = pipeline_from_dict(spec).run()
    expected, preds, dead_rows = _reference(records)
    assert summary.records_in == len(records) == expected.records_in
    assert summary.dead_letters == expected.dead_letters == len(dead_rows.rows) > 0
    assert summary.model_sha256 == expected.model_sha256
    assert summary.metrics == pytest.approx(expected.metrics, rel=1e-12) and summary.metrics["accuracy"] > 0.9

    # the predictions on the topic, in order, are those of the same model fed record by record
    got = kafka.consume(out, summary.predicted)
    assert [json.loads(v) for _, _, v in got] == preds.rows
    assert len(got) == summary.predicted == 3000
    # dead letters: where they came from, why, and the payload as it was
    bad = kafka.values(dead, summary.dead_letters)
    assert [(d["source"], d["offset"], d["reason"]) for d in bad] == [
        (inp, r["offset"], r["reason"]) for r in dead_rows.rows
    ]
    assert [d["payload"].encode() for d in bad] == [records[d["offset"]] for d in bad]
    # the checkpointed position was committed to the group (for lag tools)
    assert kafka.committed(group, inp, 1) == [len(records)]


def test_two_partitions_two_worker_processes(kafka: Any, tmp_path: Path, uid):
    inp, out, group = uid("in"), uid("out"), uid("group")
    kafka.create_topics([inp], partitions=2)
    kafka.create_topics([out])
    records = _records(2400, seed=2)
    parts = [i % 2 for i in range(len(records))]
    kafka.produce(inp, records, partitions=parts)
    server = {"bootstrap_servers": kafka.bootstrap}
    spec = {
        "source": {
            "type": "kafka",
            "topics": [inp],
            "group_id": group,
            "max_records": len(records) // 2,  # per worker: each reads one partition
            "config": TANSU,
            **server,
        },
        "schema": {"label": "y", "key": "id"},
        "model": MODEL,
        "metrics": ["accuracy", "log_loss"],
        "checkpoint": {"dir": str(tmp_path / "ckpt"), "every_records": 600},
        "sinks": {"predictions": {"type": "kafka", "topic": out, "key": "key", **server}},
        "workers": 2,
    }
    summary = pipeline_from_dict(spec).run()
    assert summary.workers is not None and len(summary.workers) == 2
    assert summary.records_in == len(records)
    all_rows = []
    for w in (0, 1):
        mine = [r for r, p in zip(records, parts) if p == w]
        expected, preds, _ = _reference(mine)
        assert summary.workers[w]["model_sha256"] == expected.model_sha256
        assert summary.workers[w]["metrics"] == pytest.approx(expected.metrics, rel=1e-12)
        all_rows += preds.rows
    got = kafka.values(out, len(records))
    assert sorted(got, key=lambda r: r["key"]) == sorted(all_rows, key=lambda r: r["key"])
    assert kafka.committed(group, inp, 2) == [len(records) // 2] * 2


# -- SIGKILL -----------------------------------------------------------------------------------------
N_KILL = 6000
RATE = 6000
COMPARED = (
    "records_in",
    "predicted",
    "learned",
    "dead_letters",
    "joined",
    "pending",
    "metrics",
    "model_sha256",
)


def _pipeline_file(folder: Path, name: str, kafka: Any, inp: str, out: str, dead: str, n: int) -> Path:
    text = f"""
name: kafka-{name}
source:
  type: kafka
  topics: {inp}
  bootstrap_servers: "{kafka.bootstrap}"
  group_id: {name}-{inp}
  max_records: {n}
  rate: {RATE}
  config: {{session.timeout.ms: 6000, heartbeat.interval.ms: 500}}
schema: {{label: y, key: id}}
model:
  name: logistic_regression
  params: {{lr: 0.05}}
metrics: [accuracy, log_loss]
batch: {{max_records: 300, max_seconds: 30}}
checkpoint: {{dir: {name}/ckpt, every_records: 1200, every_seconds: 0.2}}
sinks:
  predictions:
    - {{type: file, path: {name}/predictions.jsonl}}
    - {{type: kafka, topic: {out}, key: key, bootstrap_servers: "{kafka.bootstrap}"}}
  dead_letters: {{type: kafka, topic: {dead}, bootstrap_servers: "{kafka.bootstrap}"}}
observe: {{live: false}}
"""
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def _run_cli(pipeline: Path, folder: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlearn.cli.main", "run", str(pipeline), "--json", "--no-live"]
    return subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _summary(stdout: str) -> dict:
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    assert lines, "no summary on standard output"
    return json.loads(lines[-1])


def _wait_for_progress(proc: subprocess.Popen, out_file: Path, since: int, timeout: float = 60.0) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            return False
        if out_file.exists() and out_file.stat().st_size > since:
            return True
        time.sleep(0.02)
    raise AssertionError("the pipeline made no progress")


def test_sigkill_at_random_points_then_resume_equals_uninterrupted(kafka: Any, tmp_path: Path, uid):
    inp, ref_out, ref_dead, out, dead = (uid(p) for p in ("in", "refout", "refdead", "out", "dead"))
    kafka.create_topics([inp, ref_out, ref_dead, out, dead])
    records = _records(N_KILL, seed=5, bad_every=500, delay=40)
    kafka.produce(inp, records)
    n = len(records)

    # the uninterrupted reference runs in this process (it saves a process start)
    reference = load_pipeline(_pipeline_file(tmp_path, "reference", kafka, inp, ref_out, ref_dead, n))
    expected = json.loads(json.dumps(reference.run().to_dict()))
    assert expected["records_in"] == n and expected["dead_letters"] > 0 and expected["joined"] > 0

    pipeline = _pipeline_file(tmp_path, "killed", kafka, inp, out, dead, n)
    out_file = tmp_path / "killed" / "predictions.jsonl"
    rng = random.Random(2024)
    kills, result = 0, None
    for _attempt in range(30):
        size = out_file.stat().st_size if out_file.exists() else 0
        proc = _run_cli(pipeline, tmp_path)
        if kills < 3 and _wait_for_progress(proc, out_file, size):
            time.sleep(rng.uniform(0.0, 0.3))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=30)
                kills += 1
                continue
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        result = _summary(stdout)
        break
    assert result is not None, "the pipeline never finished"
    assert kills >= 3, f"only {kills} kills landed"
    assert result["resumed_from"] is not None
    for key in COMPARED:
        assert result[key] == expected[key], key
    # the file sink is exactly-once: cut back to the checkpoint on resume
    ref_file = tmp_path / "reference" / "predictions.jsonl"
    assert out_file.read_bytes() == ref_file.read_bytes()
    # the Kafka sinks are at-least-once: every reference message is there, duplicates are equal copies
    want = [json.loads(v) for v in ref_file.read_bytes().splitlines()]
    got = kafka.values(out, len(want) * 2, timeout=8)
    assert len(got) >= len(want)
    by_key = {json.dumps(r, sort_keys=True) for r in got}
    assert by_key == {json.dumps(r, sort_keys=True) for r in want}
    ref_dead_rows = kafka.values(ref_dead, expected["dead_letters"])
    dead_rows = kafka.values(dead, expected["dead_letters"] * 2, timeout=5)
    assert {json.dumps(r, sort_keys=True) for r in dead_rows} == {
        json.dumps(r, sort_keys=True) for r in ref_dead_rows
    }


# -- the broker goes away ------------------------------------------------------------------------------
class _Events(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(record.getMessage())


@pytest.fixture
def broker_events():
    handler = _Events()
    logger = logging.getLogger("streamlearn.runtime.brokers")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler.events
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_broker_restart_mid_stream_loses_nothing(kafka_private: Any, broker_events: list[str], uid):
    broker = kafka_private
    inp = uid("in")
    broker.create_topics([inp])
    records = _records(4000, seed=3)
    first = 1500
    broker.produce(inp, records[:first])
    sink = MemorySink()
    source = KafkaSource(
        inp,
        bootstrap_servers=broker.bootstrap,
        group_id=uid("group"),
        max_records=len(records),
        broker_timeout_s=30,
        config=TANSU,
    )
    pipe = StreamPipeline(
        source,
        _model(),
        schema=RecordSchema(label="y", key="id"),
        sinks=[sink],
        metrics=["accuracy", "log_loss"],
        batch_size=250,
        batch_seconds=0.05,
    )
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["summary"] = pipe.run()
        except BaseException as e:  # reported by the assertion below
            result["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    t0 = time.monotonic()
    while len(sink.rows) < first and time.monotonic() - t0 < 30:
        time.sleep(0.02)
    assert len(sink.rows) == first, "the first records were not processed"
    broker.stop()
    time.sleep(1.5)  # the source notices and waits
    broker.start()  # same port, empty (tansu keeps data in memory only)
    broker.create_topics([inp])
    broker.produce(inp, records)  # the same records at the same offsets, as a durable broker kept them
    thread.join(60)
    assert not thread.is_alive(), "the pipeline did not finish after the broker came back"
    assert "error" not in result, result.get("error")
    summary = result["summary"]
    expected, preds, _ = _reference(records)
    assert summary.records_in == len(records)
    assert summary.model_sha256 == expected.model_sha256
    # same model; the mean metrics are summed batch by batch, so only rounding may differ
    assert summary.metrics == pytest.approx(expected.metrics, rel=1e-12)
    assert sink.rows == preds.rows
    assert "kafka_broker_waiting" in broker_events and "kafka_broker_back" in broker_events


def test_sink_delivers_after_the_broker_comes_back(kafka_private: Any, uid):
    broker = kafka_private
    out = uid("out")
    broker.create_topics([out])
    # tansu forgets producer ids when it restarts (memory only), and then never acknowledges an
    # idempotent producer's messages again (they time out); a durable broker keeps that state.
    sink = KafkaSink(
        out,
        bootstrap_servers=broker.bootstrap,
        key="key",
        broker_timeout_s=20,
        config={"enable.idempotence": False},
    )
    sink.open(None)
    sink.write(pa.RecordBatch.from_pydict({"key": list(range(100)), "prediction": [True] * 100}))
    sink.flush()
    assert sink.acked == 100
    broker.stop()
    sink.write(pa.RecordBatch.from_pydict({"key": list(range(100, 300)), "prediction": [False] * 200}))

    def restart() -> None:
        broker.start()
        broker.create_topics([out])

    timer = threading.Timer(1.0, restart)
    timer.start()
    t0 = time.monotonic()
    sink.flush()  # waits for the broker, then for the acknowledgements
    timer.join()
    assert time.monotonic() - t0 >= 0.9
    assert sink.acked == 300
    sink.close()
    # the restarted broker is empty but for what was sent while it was away
    got = broker.values(out, 200)
    assert [r["key"] for r in got] == list(range(100, 300))


def test_source_gives_up_after_broker_timeout(kafka_private: Any, uid):
    broker = kafka_private
    inp = uid("in")
    broker.create_topics([inp])
    broker.produce(inp, _records(50, seed=4))
    source = KafkaSource(inp, bootstrap_servers=broker.bootstrap, broker_timeout_s=1.0, config=TANSU)
    source.open(None)
    got = 0
    while got < 50:
        batch = source.next_batch(50 - got, 1.0)
        assert batch is not None
        got += len(batch)
    assert source.snapshot() == {"offsets": {f"{inp}:0": 50}, "records": 50}
    broker.stop()
    t0 = time.monotonic()
    with pytest.raises(BrokerUnavailableError, match="unavailable for"):
        for _ in range(30):
            source.next_batch(100, 0.5)
    assert time.monotonic() - t0 < 10
    source.close()
    with pytest.raises(BrokerUnavailableError):  # nothing to connect to at all
        KafkaSource(inp, bootstrap_servers=broker.bootstrap, broker_timeout_s=0.5).open(None)
