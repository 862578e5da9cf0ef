"""A streaming pipeline: source -> parse/validate -> model -> sinks, with checkpoints.

:class:`StreamPipeline` is defined in Python (or loaded from YAML with
:func:`streamlearn.runtime.config.load_pipeline`) and run with
:meth:`StreamPipeline.run`, which returns a :class:`RunSummary`.

The run loop, per micro-batch:

1. **read**: messages are pulled from the source (and the label source)
   until ``batch_size`` records or ``batch_seconds`` have passed, whichever
   comes first. Sources are pulled only when the previous batch is done,
   so a slow model slows reading (backpressure).
2. **parse**: records become feature rows; bad ones go to the dead letters.
3. **model**: see :mod:`streamlearn.runtime.engine` (predictions now,
   learning when the label comes, prequential metrics).
4. **sinks**: predictions are written to every sink, dead letters to the
   dead-letter sink.
5. **checkpoint**, every ``checkpoint_every`` records or
   ``checkpoint_seconds`` seconds: sinks are flushed, then source positions,
   sink positions, the model, metrics, the label store and counters are
   saved together atomically (:mod:`streamlearn.runtime.checkpoint`), then
   the sources are told (``commit``).

On start, the pipeline resumes from the last checkpoint in
``checkpoint_dir``: the model, metrics and store are restored, sources seek
back to their checkpointed positions and file sinks are cut back to theirs.
No record is learned twice and none is skipped; output files hold each
prediction once. SIGINT or SIGTERM stop the run gracefully: the current
batch is finished, a checkpoint is written, and the run returns (exit code
0 from the CLI); a second SIGINT interrupts at once.

>>> from streamlearn.streams.sources import MemorySource
>>> from streamlearn.streams.sinks import MemorySink
>>> from streamlearn.naive_bayes import GaussianNB
>>> records = [{"x": float(i % 2), "y": i % 2 == 1} for i in range(200)]
>>> sink = MemorySink()
>>> pipe = StreamPipeline(MemorySource(records), GaussianNB(), schema=RecordSchema(label="y"), sinks=[sink])
>>> summary = pipe.run()
>>> summary.records_in, summary.learned, summary.metrics["accuracy"], len(sink.rows)
(200, 200, 0.99, 200)
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import os
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from streamlearn.base.errors import PersistenceError
from streamlearn.base.learner import DriftDetector, Learner
from streamlearn.base.persistence import digest, from_manifest, to_manifest
from streamlearn.metrics import Metric, Rolling, defaults_for
from streamlearn.metrics import get as get_metric
from streamlearn.runtime.checkpoint import CheckpointStore
from streamlearn.runtime.engine import TASKS, Engine
from streamlearn.runtime.join import LabelJoin
from streamlearn.runtime.observe import LiveView, PrometheusExporter, Stats, log, setup_logging
from streamlearn.runtime.parse import Parsed, Parser, RecordSchema
from streamlearn.runtime.state import decode, encode
from streamlearn.streams.sinks.base import Sink
from streamlearn.streams.sources.base import MessageBatch, Source
from streamlearn.streams.sources.files import DirectorySource, FileSource
from streamlearn.streams.sources.multi import MultiSource
from streamlearn.streams.sources.options import PipelineConfigError


@dataclasses.dataclass
class RunSummary:
    """What a run did (counts are totals since the first run of this checkpoint directory)."""

    records_in: int
    predicted: int
    learned: int
    dead_letters: int
    metrics: dict[str, Any]
    model_sha256: str
    seconds: float
    unlabelled: int = 0
    joined: int = 0
    pending: int = 0
    expired: int = 0
    evicted: int = 0
    replaced: int = 0
    orphan_labels: int = 0
    early_labels: int = 0
    drift_alarms: int = 0
    checkpoints: int = 0
    checkpoint_failures: int = 0
    resumed_from: int | None = None
    stopped: str = "end"
    records_per_second: float = 0.0
    stage_seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    workers: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        if out["workers"] is None:
            out.pop("workers")
        return out


class StreamPipeline:
    """Source -> parse/validate -> model -> sinks, with delayed labels and checkpoints.

    Parameters
    ----------
    source
        Where records come from (several sources: one model fed by several readers).
    model
        A classifier, regressor, anomaly detector or clusterer (or a pipeline ending in one).
    schema
        The records' :class:`~streamlearn.runtime.parse.RecordSchema` (default:
        inferred fields, no label).
    format
        Payload format of line and bytes messages: ``json`` or ``csv`` (default:
        ``csv`` for CSV files, else ``json``).
    labels
        A separate stream of labels (records with the key and the label), joined by key.
    sinks
        Where predictions go.
    dead_letters
        Where bad records go (with reason and payload); None: they are only counted.
    metrics
        Metric objects or names (default: the task's defaults).
    rolling
        Also report each metric over the last ``rolling`` labelled records (None: no).
    drift
        A drift detector (object or registry name) watching the errors of the
        predictions that got their label.
    max_pending, ttl_seconds, max_labels
        Bounds of the label store (see :class:`~streamlearn.runtime.join.LabelJoin`).
    batch_size, batch_seconds
        A micro-batch ends at this many records or after this long, whichever comes first.
    exact_order
        Hand each run of same-kind records to the model in stream order, so that
        results equal record-at-a-time processing whatever the batch size (see
        :mod:`~streamlearn.runtime.engine`; slower when kinds alternate).
    checkpoint_dir
        Where checkpoints go (None: no checkpoints; every run starts afresh).
    checkpoint_every, checkpoint_seconds
        Checkpoint after this many records or this many seconds (None: never by that measure).
    output
        Extra prediction columns: ``proba`` (probability of the predicted class; on by
        default for classifiers) and ``classes`` (one ``p_<label>`` column per class).
    name
        The pipeline's name (logs, live view).
    prometheus_port
        Serve Prometheus metrics on this port (0: any free port).
    live
        Show the live terminal view on standard error (None: when it is a terminal).
    log_format
        Structured logs on standard error: ``json``, ``text`` or ``off``.
    workers
        Worker processes, each with its own model and a shard of the source
        (see :mod:`streamlearn.runtime.parallel`).
    """

    def __init__(
        self,
        source: Source | Sequence[Source],
        model: Learner,
        *,
        schema: RecordSchema | None = None,
        format: str | None = None,
        labels: Source | None = None,
        sinks: Sequence[Sink] = (),
        dead_letters: Sink | None = None,
        metrics: Sequence[Metric | str] | None = None,
        rolling: int | None = None,
        drift: DriftDetector | str | None = None,
        max_pending: int = 100_000,
        ttl_seconds: float | None = None,
        max_labels: int = 100_000,
        batch_size: int = 1000,
        batch_seconds: float = 0.5,
        exact_order: bool = False,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        checkpoint_every: int | None = 100_000,
        checkpoint_seconds: float | None = 10.0,
        output: Sequence[str] = ("proba",),
        name: str = "pipeline",
        prometheus_port: int | None = None,
        live: bool | None = False,
        log_format: str = "off",
        workers: int = 1,
    ) -> None:
        if not isinstance(source, Source):
            source = MultiSource(list(source)) if len(source) != 1 else source[0]
        if not isinstance(model, Learner) or getattr(model, "task", None) not in TASKS:
            raise PipelineConfigError(
                f"model: a classifier, regressor, anomaly detector or clusterer is needed. Got {model!r}."
            )
        self.source = source
        self.model: Any = model
        self.schema = schema or RecordSchema()
        self.format = format or _default_format(source)
        self.labels = labels
        self.sinks = list(sinks)
        self.dead_letters = dead_letters
        self.metric_specs = metrics
        self.rolling = rolling
        self.drift = drift
        self.max_pending, self.ttl_seconds, self.max_labels = max_pending, ttl_seconds, max_labels
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.exact_order = exact_order
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.output = tuple(output)
        self.name = name
        self.prometheus_port = prometheus_port
        self.live = live
        self.log_format = log_format
        self.workers = workers
        self._stop = threading.Event()
        self._stop_reason = "end"
        self.exporter: PrometheusExporter | None = None
        #: The metric objects of the last run (with their state).
        self.last_metrics: list[Metric] = []
        self._check()

    # -- validation ---------------------------------------------------------------------------
    def _check(self) -> None:
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise PipelineConfigError(msg)

        need(_int(self.batch_size, 1), f"batch.max_records must be an int >= 1. Got {self.batch_size!r}.")
        need(
            _num(self.batch_seconds, 0, True),
            f"batch.max_seconds must be a number > 0. Got {self.batch_seconds!r}.",
        )
        need(
            self.checkpoint_every is None or _int(self.checkpoint_every, 1),
            f"checkpoint.every_records must be an int >= 1 or null. Got {self.checkpoint_every!r}.",
        )
        need(
            self.checkpoint_seconds is None or _num(self.checkpoint_seconds, 0, True),
            f"checkpoint.every_seconds must be a number > 0 or null. Got {self.checkpoint_seconds!r}.",
        )
        need(
            self.rolling is None or _int(self.rolling, 1),
            f"rolling must be an int >= 1. Got {self.rolling!r}.",
        )
        need(_int(self.workers, 1), f"workers must be an int >= 1. Got {self.workers!r}.")
        need(self.format in ("json", "csv"), f"format must be json or csv. Got {self.format!r}.")
        need(
            self.log_format in ("json", "text", "off"),
            f"log must be json, text or off. Got {self.log_format!r}.",
        )
        for o in self.output:
            need(o in ("proba", "classes"), f"output: unknown extra column {o!r}; use proba or classes.")
        need(
            self.labels is None or self.schema.key is not None,
            "A label stream needs schema.key: the field that joins each label to its features.",
        )
        need(self.labels is None or self.schema.label is not None, "A label stream needs schema.label.")
        need(
            self.model.task != "clustering" or not self.metric_specs,
            "Clusterers are run without metrics in a pipeline (use `streamlearn evaluate` for them).",
        )
        for s in self.sinks:
            need(isinstance(s, Sink), f"sinks: {s!r} is not a streamlearn sink.")
        need(self.dead_letters is None or isinstance(self.dead_letters, Sink), "dead_letters must be a sink.")
        LabelJoin(self.max_pending, self.ttl_seconds, self.max_labels)  # validates the bounds
        self._metrics()  # validates the names
        if self.checkpoint_dir is not None:
            try:
                to_manifest(self.model)
            except PersistenceError as e:
                raise PipelineConfigError(f"checkpoint: the model cannot be checkpointed: {e}") from None

    def _metrics(self) -> list[Metric]:
        task = self.model.task
        if task == "clustering":
            return []
        if self.metric_specs is None:
            base = defaults_for(task)
        else:
            base = []
            for m in self.metric_specs:
                metric = get_metric(m) if isinstance(m, str) else m
                if not isinstance(metric, Metric):
                    raise PipelineConfigError(f"metrics: {m!r} is not a metric.")
                if not metric.works_with(task) or metric.input == "clustering":
                    raise PipelineConfigError(f"metrics: {metric.name!r} cannot score a {task} model.")
                base.append(metric.clone())
        out = list(base)
        if self.rolling:
            out += [Rolling(m, self.rolling) for m in base]
        names = [m.name for m in out]
        if len(set(names)) != len(names):
            raise PipelineConfigError(f"metrics: each metric may appear once. Got {names}.")
        return out

    def _drift(self) -> DriftDetector | None:
        if self.drift is None:
            return None
        if isinstance(self.drift, str):
            from streamlearn.base.registry import make

            with contextlib.suppress(ImportError):
                import streamlearn.drift  # noqa: F401  (registers the detectors)
            det = make(self.drift)
        else:
            det = self.drift.clone()
        if not isinstance(det, DriftDetector):
            raise PipelineConfigError(f"drift: {self.drift!r} is not a drift detector.")
        return det

    # -- control ----------------------------------------------------------------------------
    def stop(self, reason: str = "stop") -> None:
        """Ask a running pipeline to finish its batch, checkpoint and return (thread-safe)."""
        self._stop_reason = reason
        self._stop.set()

    # -- run ----------------------------------------------------------------------------------
    def run(self, *, stop_after: int | None = None, console: Any = None) -> RunSummary:
        """Run until the sources end or a stop is requested; returns the summary.

        ``stop_after``: stop gracefully (finish the batch, checkpoint) once this
        many records were read in this run.
        """
        if self.workers > 1:
            from streamlearn.runtime.parallel import run_workers

            return run_workers(self)
        return _Run(self, stop_after, console).run()

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str], checkpoint_dir: str | None = None) -> StreamPipeline:
        """Build the pipeline a YAML file describes (see :mod:`streamlearn.runtime.config`)."""
        from streamlearn.runtime.config import load_pipeline

        return load_pipeline(path, checkpoint_dir=checkpoint_dir)


def _digest(model: Learner) -> str:
    """The model's digest ("" for a learner that is not registered, hence not persistable)."""
    try:
        return digest(model)
    except PersistenceError:
        return ""


def _int(v: Any, low: int) -> bool:
    return bool(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low)


def _num(v: Any, low: float, strict: bool) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return False
    return v > low if strict else v >= low


def _default_format(source: Source) -> str:
    if isinstance(source, (FileSource, DirectorySource)):
        fmt = source.format
        if fmt is None and isinstance(source, DirectorySource) and source.pattern.endswith(".csv"):
            return "csv"
        return "csv" if fmt == "csv" else "json"
    if isinstance(source, MultiSource):
        return _default_format(source.sources[0])
    return "json"


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Run:
    """One execution of a pipeline (the loop described in the module docstring)."""

    def __init__(self, pipe: StreamPipeline, stop_after: int | None, console: Any) -> None:
        self.pipe = pipe
        self.stop_after = stop_after
        self.console = console
        self.stats = Stats()
        schema = pipe.schema
        task = pipe.model.task
        keyed = schema.key is not None
        label_required = schema.label_required
        if label_required is None:
            label_required = not keyed and pipe.labels is None and task in ("classification", "regression")
        if task == "regression" and schema.label_type is None:
            schema = copy.copy(schema)
            schema.label_type = "float"
        self.parser = Parser(schema, pipe.format, "features", label_required)
        self.label_parser = Parser(schema, pipe.format, "labels") if pipe.labels is not None else None
        self.metrics = pipe._metrics()
        self.join = LabelJoin(pipe.max_pending, pipe.ttl_seconds, pipe.max_labels)
        self.engine = Engine(
            pipe.model,
            self.metrics,
            self.join,
            self.stats,
            keyed=keyed,
            key_name=schema.key,
            drift=pipe._drift(),
            output_proba="proba" in pipe.output,
            output_classes="classes" in pipe.output,
            feature_schema=lambda: self.parser.schema,
            exact_order=pipe.exact_order,
        )
        self.store = CheckpointStore(pipe.checkpoint_dir) if pipe.checkpoint_dir is not None else None
        if self.store is not None:
            from streamlearn.base.registry import registry

            registry()  # import the learner modules now, not in the first checkpoint
        self.sinks: dict[str, Sink] = {f"predictions[{i}]": s for i, s in enumerate(pipe.sinks)}
        if pipe.dead_letters is not None:
            self.sinks["dead_letters"] = pipe.dead_letters
        self.sources: dict[str, Source] = {"main": pipe.source}
        if pipe.labels is not None:
            self.sources["labels"] = pipe.labels
        self._done = {name: False for name in self.sources}
        self._since_ckpt = 0
        self._last_ckpt = time.monotonic()
        self._now = -math.inf
        self._read_this_run = 0
        self._writer: tuple[threading.Thread, dict[str, Any]] | None = None

    # -- checkpoints ---------------------------------------------------------------------------
    def _restore(self) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.store is None:
            return {}, {}
        cp = self.store.load()
        if cp is None:
            return {}, {}
        m = cp.manifest
        pipe = self.pipe
        if m.get("model_repr") != repr(pipe.model.clone()):
            raise PipelineConfigError(
                f"The checkpoint in {self.store.dir} was written by a pipeline with the model "
                f"{m.get('model_repr')}; this pipeline has {pipe.model.clone()!r}. Use another checkpoint "
                "directory (or delete it to start afresh)."
            )
        pipe.model = self.engine.model = cp.model
        st = decode(m["state"], cp.arrays)
        for metric, state in zip(self.metrics, st["metrics"]):
            metric._set_state(state)
        self.join.set_state(st["join"])
        self.parser.set_state(st["parser"])
        if self.label_parser is not None and st.get("label_parser"):
            self.label_parser.set_state(st["label_parser"])
        if self.engine.drift is not None and st.get("drift") is not None:
            self.engine.drift._set_state(st["drift"])
        self.stats.counters.update({k: int(v) for k, v in m["counters"].items()})
        self.stats.checkpoints = int(m.get("checkpoints", 0))
        self.stats.checkpoint_failures = int(m.get("checkpoint_failures", 0))
        self.stats.resumed_from = cp.epoch
        self._now = float(m.get("stream_time", -math.inf))
        log("resumed", epoch=cp.epoch, records_in=self.stats.counters["records_in"], path=str(cp.path))
        return m["sources"], m["sinks"]

    def checkpoint(self, wait: bool = False) -> bool:
        """Start a checkpoint (written by a background thread); with ``wait``, finish it now.

        The state is captured here, between two batches: sinks are flushed, positions
        taken, and the model, metrics, store and parser schemas copied. The writer
        thread then syncs the sinks, writes the checkpoint atomically, and the next
        call to :meth:`_poll` commits the sources and sinks. One checkpoint is in
        flight at a time; returns False when it could not start one.
        """
        if self.store is None:
            return False
        if self._writer is not None:  # one in flight: a disk slower than the interval slows the run
            self._finish()
        t0 = time.perf_counter()
        stage = "checkpoint_final" if wait else "checkpoint"
        for sink in self.sinks.values():
            sink.flush()
        arrays: dict[str, np.ndarray] = {}
        state = {
            "metrics": [m._state() for m in self.metrics],
            "join": self.join.state(),
            "parser": self.parser.state(),
            "label_parser": None if self.label_parser is None else self.label_parser.state(),
            "drift": None if self.engine.drift is None else self.engine.drift._state(),
        }
        sources = {name: s.snapshot() for name, s in self.sources.items()}
        sinks = {name: s.snapshot() for name, s in self.sinks.items()}
        manifest = {
            "pipeline": self.pipe.name,
            "model_repr": repr(self.pipe.model.clone()),
            "sources": sources,
            "sinks": sinks,
            "counters": dict(self.stats.counters),
            "checkpoints": self.stats.checkpoints + 1,
            "checkpoint_failures": self.stats.checkpoint_failures,
            "stream_time": self._now if math.isfinite(self._now) else None,
            "state": encode(state, arrays),
        }
        model = from_manifest(*to_manifest(self.engine.model))  # a frozen copy
        job: dict[str, Any] = {"sources": sources, "sinks": sinks, "t0": t0}
        sinks_to_sync = list(self.sinks.values())
        store = self.store

        def write() -> None:
            cpu = time.thread_time()
            try:
                for sink in sinks_to_sync:
                    sink.sync()
                job["epoch"] = store.save(manifest, model, arrays)
            except OSError as e:
                job["error"] = e
            job["t1"] = time.perf_counter()
            job["cpu"] = time.thread_time() - cpu

        self.stats.stage_seconds[stage] += time.perf_counter() - t0
        self._since_ckpt = 0
        self._last_ckpt = time.monotonic()
        thread = threading.Thread(target=write, name="streamlearn-checkpoint", daemon=True)
        self._writer = (thread, job)
        thread.start()
        if wait:
            return self._finish(stage)
        return True

    def _poll(self) -> None:
        """Complete the checkpoint in flight if its writer is done."""
        if self._writer is not None and not self._writer[0].is_alive():
            self._finish()

    def _finish(self, stage: str = "checkpoint") -> bool:
        """Wait for the checkpoint in flight; commit the sources and sinks if it succeeded."""
        if self._writer is None:
            return False
        thread, job = self._writer
        t = time.perf_counter()
        thread.join()
        self.stats.stage_seconds[stage] += time.perf_counter() - t
        self.stats.stage_seconds["checkpoint_writer"] += job.get("cpu", 0.0)
        self._writer = None
        assert self.store is not None
        if "error" in job:
            self.stats.checkpoint_failures += 1
            log("checkpoint_failed", level=40, error=str(job["error"]), previous=self.store.current_epoch())
            return False
        for name, src in self.sources.items():
            src.commit(job["sources"][name])
        for name, sink in self.sinks.items():
            sink.commit(job["sinks"][name])
        self.stats.checkpoints += 1
        self.stats.last_checkpoint = time.monotonic()
        self.stats.last_checkpoint_seconds = job["t1"] - job["t0"]
        log(
            "checkpoint",
            epoch=job["epoch"],
            records_in=job.get("records_in", self.stats.counters["records_in"]),
            seconds=round(job["t1"] - job["t0"], 6),
            bytes=self.store.last_bytes,
        )
        return True

    def _due(self) -> bool:
        p = self.pipe
        if self.store is None:
            return False
        if p.checkpoint_every is not None and self._since_ckpt >= p.checkpoint_every:
            return True
        return p.checkpoint_seconds is not None and time.monotonic() - self._last_ckpt >= p.checkpoint_seconds

    # -- reading ----------------------------------------------------------------------------------
    def _gather(self) -> list[tuple[str, MessageBatch]]:
        """Pull messages until ``batch_size`` or ``batch_seconds``; several sources share the batch."""
        p = self.pipe
        deadline = time.monotonic() + p.batch_seconds
        got: list[tuple[str, MessageBatch]] = []
        n = 0
        names = list(self.sources)
        share = -(-p.batch_size // len(names))
        several = len(names) > 1
        while True:
            any_now = False
            for name in names:
                if self._done[name] or n >= p.batch_size:
                    continue
                left = max(0.0, deadline - time.monotonic())
                want = min(p.batch_size - n, share) if several else p.batch_size - n
                batch = self.sources[name].next_batch(want, 0.0 if several else left)
                if batch is None:
                    self._done[name] = True
                    share = -(-p.batch_size // max(1, sum(not d for d in self._done.values())))
                    continue
                if len(batch):
                    got.append((name, batch))
                    n += len(batch)
                    any_now = True
            if n >= p.batch_size or all(self._done.values()) or time.monotonic() >= deadline:
                return got
            if several and not any_now:
                time.sleep(min(0.005, max(0.0, deadline - time.monotonic())))

    # -- one micro-batch ----------------------------------------------------------------------------
    def _step(self, got: list[tuple[str, MessageBatch]], t_read: float) -> None:
        stats = self.stats
        t0 = time.perf_counter()
        for name, batch in got:
            stats.add("records_in", len(batch))
            self._since_ckpt += len(batch)
            self._read_this_run += len(batch)
            parser = self.parser if name == "main" else self.label_parser
            assert parser is not None
            t1 = time.perf_counter()
            parsed = parser.parse(batch)
            t2 = time.perf_counter()
            stats.stage_seconds["parse"] += t2 - t1
            if len(parsed.times):
                t = parsed.times
                if np.isnan(t).any():  # records without event time take the stream's time
                    known = t[~np.isnan(t)]
                    now = max(self._now, float(known.max())) if len(known) else self._now
                    t[np.isnan(t)] = now if math.isfinite(now) else time.time()
                self._now = max(self._now, float(t.max()))
            self._dead(parsed)
            out = self.engine.process(parsed, "features" if name == "main" else "labels")
            t3 = time.perf_counter()
            stats.stage_seconds["model"] += t3 - t2
            if out is not None:
                for key, sink in self.sinks.items():
                    if key != "dead_letters":
                        sink.write(out)
            stats.stage_seconds["sinks"] += time.perf_counter() - t3
        if self.pipe.ttl_seconds is not None:
            now = self._now if self.pipe.schema.timestamp is not None else time.time()
            if math.isfinite(now):
                self.join.expire(now)
        stats.latencies.append(time.perf_counter() - t0 + t_read)

    def _dead(self, parsed: Parsed) -> None:
        dead = parsed.dead
        if not len(dead):
            return
        self.stats.add("dead_letters", len(dead))
        sink = self.sinks.get("dead_letters")
        t = time.perf_counter()
        if sink is not None:
            sink.write(dead.to_arrow())
        self.stats.stage_seconds["sinks"] += time.perf_counter() - t
        log("dead_letters", level=30, count=len(dead), first_reason=dead.reasons[0], offset=dead.offsets[0])

    # -- observability -------------------------------------------------------------------------------
    def _observe(self, live: LiveView | None, force: bool = False) -> None:
        s = self.stats
        s.mark()
        s.pending = len(self.join)
        s.store = {
            "expired": self.join.expired,
            "evicted": self.join.evicted,
            "replaced": self.join.replaced,
            "orphan_labels": self.join.orphan_labels,
        }
        if live is None and self.pipe.exporter is None and not force:
            return
        s.lag = self.pipe.source.lag()
        if self.pipe.schema.timestamp is not None and math.isfinite(self._now):
            s.event_lag = max(0.0, time.time() - self._now)
        s.metrics = self.engine.values()
        if live is not None:
            live.update(s, force)
        if self.pipe.exporter is not None:
            self.pipe.exporter.update(s, [s.latencies[-1]] if s.latencies else None)

    # -- the loop ----------------------------------------------------------------------------------
    def run(self) -> RunSummary:
        pipe = self.pipe
        t_start = time.perf_counter()
        pipe._stop.clear()
        pipe._stop_reason = "end"
        setup_logging(pipe.log_format)
        resume_sources, resume_sinks = self._restore()
        for name, src in self.sources.items():
            src.open(resume_sources.get(name))
        for name, sink in self.sinks.items():
            sink.open(resume_sinks.get(name))
        if pipe.prometheus_port is not None and pipe.exporter is None:
            pipe.exporter = PrometheusExporter(pipe.prometheus_port, labels={"pipeline": pipe.name})
        log(
            "started",
            pipeline=pipe.name,
            model=repr(pipe.model.clone()),
            resumed_from=self.stats.resumed_from,
            prometheus_port=None if pipe.exporter is None else pipe.exporter.port,
        )
        old = self._signals()
        show = pipe.live
        if show is None:
            import sys

            show = sys.stderr.isatty()
        live = LiveView(f"streamlearn run: {pipe.name}", console=self.console) if show else None
        finished = False
        try:
            if live is not None:
                live.__enter__()
            while not pipe._stop.is_set():
                t0 = time.perf_counter()
                got = self._gather()
                t_read = time.perf_counter() - t0
                self.stats.stage_seconds["read"] += t_read
                if got:
                    self._step(got, t_read)
                if all(self._done.values()):
                    finished = True
                    break
                if self.stop_after is not None and self._read_this_run >= self.stop_after:
                    pipe.stop("stop_after")
                    break
                self._poll()
                if self._due():
                    self.checkpoint()
                self._observe(live)
            if not finished:
                log("stopping", reason=pipe._stop_reason)
            if self.store is not None:
                self.checkpoint(wait=True)
            for sink in self.sinks.values():
                sink.flush()
                sink.sync()
            self._observe(live, force=True)
        finally:
            if self._writer is not None:
                self._writer[0].join()
            if live is not None:
                live.__exit__(None, None, None)
            self._restore_signals(old)
            parts: list[Source | Sink] = [*self.sources.values(), *self.sinks.values()]
            for part in parts:
                try:
                    part.close()
                except Exception as e:  # do not hide the error that stopped the run
                    log("close_failed", level=40, part=type(part).__name__, error=str(e))
        return self._summary(time.perf_counter() - t_start, "end" if finished else pipe._stop_reason)

    def _summary(self, seconds: float, stopped: str) -> RunSummary:
        self.pipe.last_metrics = self.metrics
        c = self.stats.counters
        j = self.join
        s = RunSummary(
            records_in=c["records_in"],
            predicted=c["predicted"],
            learned=c["learned"],
            dead_letters=c["dead_letters"],
            metrics=self.engine.values(),
            model_sha256=_digest(self.engine.model),
            seconds=seconds,
            unlabelled=c["unlabelled"],
            joined=c["joined"],
            pending=len(j),
            expired=j.expired,
            evicted=j.evicted,
            replaced=j.replaced,
            orphan_labels=j.orphan_labels,
            early_labels=c["early_labels"],
            drift_alarms=c["drift_alarms"],
            checkpoints=self.stats.checkpoints,
            checkpoint_failures=self.stats.checkpoint_failures,
            resumed_from=self.stats.resumed_from,
            stopped=stopped,
            records_per_second=self._read_this_run / seconds if seconds > 0 else 0.0,
            stage_seconds={k: round(v, 6) for k, v in self.stats.stage_seconds.items()},
        )
        log("finished", **{k: v for k, v in s.to_dict().items() if k not in ("metrics", "stage_seconds")})
        return s

    # -- signals -------------------------------------------------------------------------------------
    def _signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        old: dict[int, Any] = {}
        pipe = self.pipe

        def handler(signum: int, frame: Any) -> None:
            if pipe._stop.is_set() and signum == signal.SIGINT:
                raise KeyboardInterrupt
            pipe.stop(signal.Signals(signum).name)

        for sig in _SIGNALS:
            old[sig] = signal.signal(sig, handler)
        return old

    def _restore_signals(self, old: dict[int, Any]) -> None:
        for sig, h in old.items():
            signal.signal(sig, h)
