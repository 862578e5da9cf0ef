"""Several worker processes on one machine, each with its own model.

``StreamPipeline(..., workers=N)`` (YAML ``workers: N``) forks N processes.
Worker ``i`` reads its shard of the source (``source.shard(i, N)``: for a
directory, the files whose name hashes to ``i``; for one file, the lines
whose number is ``i`` modulo N; for Kafka, a partition group), runs its own
copy of the model, writes to its own outputs (``pred.jsonl`` becomes
``pred-w{i}.jsonl``) and checkpoints into ``checkpoint_dir/worker-{i}``, so
each worker resumes on its own after a crash. SIGINT/SIGTERM reach every
worker, which finish their batch, checkpoint and exit.

The summary adds the workers' counts; its ``metrics`` merge the workers'
metrics where that is exact (metrics from a confusion matrix: accuracy,
precision, recall, F1, kappa; means: MAE, log loss) and ``workers`` lists
each worker's own summary. ``model_sha256`` is the SHA-256 of the workers'
model digests, in order.

The other way to use several readers is one model fed by all of them:
``source: [..., ...]`` (a :class:`~streamlearn.streams.sources.multi.MultiSource`).

Which learners could merge their state (one model from the workers'
models): those whose state is a sufficient statistic - ``StandardScaler``
(counts, means and sums of squares combine exactly, Chan et al. 1979),
``MinMaxScaler`` (min of mins, max of maxes), ``GaussianNB``,
``MultinomialNB`` and ``BernoulliNB`` (class counts and per-class sums add
up). Learners trained by stochastic gradient (``LogisticRegression``,
``LinearRegression``, ``Perceptron``, ``PassiveAggressive*``), Hoeffding
trees and clusterers have no exact merge: averaging their parameters is an
approximation. Encoders merge their vocabularies, but codes then depend on
the merge order. The runtime keeps one model per worker.
"""

from __future__ import annotations

import copy
import hashlib
import multiprocessing as mp
import os
import signal
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from streamlearn.metrics.base import MeanMetric, Metric
from streamlearn.metrics.confusion import LabelMetric
from streamlearn.runtime.state import decode, encode

if TYPE_CHECKING:
    from streamlearn.runtime.pipeline import RunSummary, StreamPipeline


def _worker_pipeline(pipe: StreamPipeline, index: int, count: int) -> StreamPipeline:
    w = copy.copy(pipe)
    w.workers = 1
    w.model = pipe.model.clone()
    w.source = pipe.source.shard(index, count)
    w.labels = None if pipe.labels is None else pipe.labels.shard(index, count)
    w.sinks = [s.shard(index, count) for s in pipe.sinks]
    w.dead_letters = None if pipe.dead_letters is None else pipe.dead_letters.shard(index, count)
    w.checkpoint_dir = None if pipe.checkpoint_dir is None else Path(pipe.checkpoint_dir) / f"worker-{index}"
    w.name = f"{pipe.name}[{index}]"
    w.live = False
    w.exporter = None
    w.prometheus_port = None if pipe.prometheus_port is None else pipe.prometheus_port + 1 + index
    import threading

    w._stop = threading.Event()
    return w


def _child(pipe: StreamPipeline, index: int, count: int, queue: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        w = _worker_pipeline(pipe, index, count)
        summary = w.run()
        arrays: dict[str, np.ndarray] = {}
        tree = encode(list(w.last_metrics), arrays)
        queue.put((index, summary.to_dict(), tree, arrays, None))
    except BaseException as e:  # report, then exit non-zero
        queue.put((index, None, None, None, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
        os._exit(1)


def run_workers(pipe: StreamPipeline) -> RunSummary:
    """Run ``pipe.workers`` processes on shards of the source; a combined summary."""
    from streamlearn.base.errors import StreamlearnError
    from streamlearn.runtime.pipeline import RunSummary

    n = pipe.workers
    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        raise StreamlearnError("Worker processes need the 'fork' start method (Linux, macOS).") from None
    for i in range(n):  # fail early on sources or sinks that cannot be sharded
        pipe.source.shard(i, n)
        for s in pipe.sinks:
            s.shard(i, n)
    queue = ctx.Queue()
    t0 = time.perf_counter()
    procs = [
        ctx.Process(target=_child, args=(pipe, i, n, queue), name=f"streamlearn-worker-{i}") for i in range(n)
    ]
    for p in procs:
        p.start()

    def forward(signum: int, frame: Any) -> None:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signum)

    old = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    results: dict[int, tuple[Any, ...]] = {}
    try:
        while len(results) < n:
            try:
                item = queue.get(timeout=0.5)
            except Exception:
                if all(not p.is_alive() for p in procs) and queue.empty():
                    break
                continue
            results[item[0]] = item
        for p in procs:
            p.join()
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)
    errors = [r[4] for r in results.values() if r[4]]
    missing = [i for i in range(n) if i not in results]
    if errors or missing:
        detail = errors[0] if errors else f"worker {missing[0]} died without a result"
        raise StreamlearnError(f"A worker process failed: {detail}")
    summaries = [results[i][1] for i in range(n)]
    metric_lists = [decode(results[i][2], results[i][3]) for i in range(n)]
    total = {
        k: sum(s[k] for s in summaries)
        for k in (
            "records_in",
            "predicted",
            "learned",
            "dead_letters",
            "unlabelled",
            "joined",
            "pending",
            "expired",
            "evicted",
            "replaced",
            "orphan_labels",
            "early_labels",
            "drift_alarms",
            "checkpoints",
            "checkpoint_failures",
        )
    }
    seconds = time.perf_counter() - t0
    sha = hashlib.sha256("".join(s["model_sha256"] for s in summaries).encode()).hexdigest()
    return RunSummary(
        metrics=merge_metrics(metric_lists),
        model_sha256=sha,
        seconds=seconds,
        stopped=summaries[0]["stopped"],
        records_per_second=sum(s["records_per_second"] * s["seconds"] for s in summaries) / seconds,
        stage_seconds={},
        workers=summaries,
        resumed_from=None,
        **total,
    )


def merge_metrics(per_worker: list[list[Metric]]) -> dict[str, Any]:
    """Metric values over all workers, where a merge is exact (see the module docstring)."""
    out: dict[str, Any] = {}
    if not per_worker or not per_worker[0]:
        return out
    for j, first in enumerate(per_worker[0]):
        parts = [ms[j] for ms in per_worker]
        merged = _merge(parts)
        if merged is not None:
            v = merged.get()
            out[first.name] = v.tolist() if isinstance(v, np.ndarray) else v
    return out


def _merge(parts: list[Metric]) -> Metric | None:
    first = parts[0]
    if isinstance(first, LabelMetric):
        m = first.clone()
        assert isinstance(m, LabelMetric)
        for p in parts:
            assert isinstance(p, LabelMetric)
            p._grow()
            k = len(p.labels_)
            codes = np.array([m._vocab.add(v) for v in p.labels_], dtype=np.int64)
            K = m._grow()
            if k:
                matrix = np.zeros((K, K), dtype=np.int64)
                matrix[np.ix_(codes, codes)] = p.matrix_[:k, :k]
                m.matrix_ += matrix
                m.unpredicted_[codes] += p.unpredicted_[:k]
            m.n_ += p.n_
        return m
    if _plain_mean(first):
        m = first.clone()
        assert isinstance(m, MeanMetric)
        stats = [(float(getattr(p, "n_")), float(getattr(p, "mean_"))) for p in parts]  # noqa: B009
        n = sum(c for c, _ in stats)
        if n:
            m.n_ = n
            m.mean_ = sum(c * v for c, v in stats) / n
        return m
    return None


def _plain_mean(m: Metric) -> bool:
    return isinstance(m, MeanMetric) and set(m._state()) == {"n_", "mean_"}
