"""Observability: Prometheus series, structured logs, the live view; worker processes."""

from __future__ import annotations

import io
import json
import urllib.request

import numpy as np
import pytest

from streamlearn.metrics import F1, MAE, ROCAUC, Accuracy
from streamlearn.naive_bayes import GaussianNB
from streamlearn.runtime import RecordSchema, StreamPipeline
from streamlearn.runtime.observe import Stats, render, setup_logging
from streamlearn.runtime.parallel import merge_metrics
from streamlearn.streams.sinks import FileSink
from streamlearn.streams.sources import FileSource, MemorySource


def _records(n, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = float(rng.normal())
        out.append({"id": i, "x": x, "y": x > 0})
    return out


def _value(text, series, **labels):
    for line in text.splitlines():
        head = line.startswith(series + "{") or line.startswith(series + " ")
        if head and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} {labels} not in the exposition")


def test_prometheus_series_follow_the_run():
    pytest.importorskip("prometheus_client")
    recs = _records(500) + [b"not json"] * 3
    pipe = StreamPipeline(
        MemorySource(recs),
        GaussianNB(),
        schema=RecordSchema(label="y"),
        metrics=["accuracy"],
        prometheus_port=0,
        batch_size=100,
    )
    s = pipe.run()
    exporter = pipe.exporter
    assert exporter is not None and exporter.port
    text = urllib.request.urlopen(f"http://127.0.0.1:{exporter.port}/metrics", timeout=5).read().decode()
    exporter.close()
    assert _value(text, "streamlearn_records_total", stage="in") == 503
    assert _value(text, "streamlearn_records_total", stage="learned") == 500
    assert _value(text, "streamlearn_records_total", stage="dead_letter") == 3
    assert _value(text, "streamlearn_metric", name="accuracy") == pytest.approx(s.metrics["accuracy"])
    assert _value(text, "streamlearn_batch_latency_seconds_count") >= 5
    assert 'pipeline="pipeline"' in text


def test_json_logs_tell_what_happened(tmp_path):
    stream = io.StringIO()
    recs = [*_records(300), b"{"]
    pipe = StreamPipeline(
        MemorySource(recs),
        GaussianNB(),
        schema=RecordSchema(label="y"),
        checkpoint_dir=tmp_path,
        batch_size=100,
    )
    setup_logging("json", stream=stream)
    from streamlearn.runtime import pipeline as pipeline_module

    original = pipeline_module.setup_logging
    pipeline_module.setup_logging = lambda fmt: None  # keep the stream handler installed above
    try:
        pipe.run()
    finally:
        pipeline_module.setup_logging = original
        setup_logging("off")
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    names = [e["event"] for e in events]
    assert (
        names[0] == "started"
        and names[-1] == "finished"
        and "checkpoint" in names
        and "dead_letters" in names
    )
    dead = next(e for e in events if e["event"] == "dead_letters")
    assert (
        dead["level"] == "warning" and dead["count"] == 1 and dead["first_reason"].startswith("invalid JSON")
    )
    assert next(e for e in events if e["event"] == "finished")["records_in"] == 301


def test_live_view_renders_the_vital_signs():
    from rich.console import Console

    s = Stats()
    s.add("records_in", 1234)
    s.add("dead_letters", 5)
    s.latencies.extend([0.01, 0.02, 0.03])
    s.metrics = {"accuracy": 0.9, "rolling_accuracy": 0.95}
    s.lag = 42.0
    console = Console(file=io.StringIO(), width=100)
    console.print(render(s, "title"))
    text = console.file.getvalue()
    assert "1,234" in text and "42 records" in text and "0.9500" in text and "dead letters" in text


def test_merge_metrics_is_exact_for_confusion_matrix_metrics_and_means():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=200)
    p = np.where(rng.random(200) < 0.7, y, rng.integers(0, 3, size=200))
    parts, whole = [], [Accuracy(), F1(average="macro"), MAE(), ROCAUC()]
    for m in whole:
        m.update_many(y, p) if m.name != "roc_auc" else m.update_many(y == 1, p.astype(float))
    for a, b in ((0, 70), (70, 200)):
        ms = [Accuracy(), F1(average="macro"), MAE(), ROCAUC()]
        for m in ms:
            m.update_many(y[a:b], p[a:b]) if m.name != "roc_auc" else m.update_many(
                y[a:b] == 1, p[a:b].astype(float)
            )
        parts.append(ms)
    merged = merge_metrics(parts)
    assert merged["accuracy"] == whole[0].get() and merged["macro_f1"] == pytest.approx(whole[1].get())
    assert merged["mae"] == pytest.approx(whole[2].get()) and "roc_auc" not in merged


def test_worker_processes_each_run_a_shard(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in _records(3000)) + "\n")
    pipe = StreamPipeline(
        FileSource(path),
        GaussianNB(),
        schema=RecordSchema(label="y", key="id"),
        sinks=[FileSink(tmp_path / "out" / "pred.jsonl")],
        checkpoint_dir=tmp_path / "ck",
        workers=2,
    )
    s = pipe.run()
    assert s.records_in == 3000 and s.learned == 3000 and len(s.workers) == 2
    keys = []
    for i in range(2):
        rows = [json.loads(x) for x in (tmp_path / "out" / f"pred-w{i}.jsonl").read_text().splitlines()]
        assert all(r["key"] % 2 == i for r in rows)
        keys += [r["key"] for r in rows]
        assert (tmp_path / "ck" / f"worker-{i}" / "CURRENT").exists()
    assert sorted(keys) == list(range(3000))
    w = s.workers
    acc = (
        w[0]["metrics"]["accuracy"] * w[0]["learned"] + w[1]["metrics"]["accuracy"] * w[1]["learned"]
    ) / 3000
    assert s.metrics["accuracy"] == pytest.approx(acc) and s.metrics["accuracy"] > 0.9
