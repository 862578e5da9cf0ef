"""Observability: live statistics, a terminal view, Prometheus metrics, structured logs.

:class:`Stats` keeps what a running pipeline reports: counters, records per
second over the last seconds, source lag, batch latency (from receiving a
micro-batch to its predictions handed to the sinks), time per stage, metric
values, drift alarms. Three views read it:

Stage times (``RunSummary.stage_seconds``): ``read``, ``parse``, ``model``,
``sinks`` and ``checkpoint`` (capturing the state between batches, and
waiting for the previous checkpoint when the disk is slower than the
interval) are seconds of the pipeline thread; ``checkpoint_final`` is the
last checkpoint before the run returns; ``checkpoint_writer`` is CPU seconds
of the thread that writes checkpoints beside the pipeline.

* :class:`LiveView` - a rich panel on standard error, refreshed a few times
  a second;
* :class:`PrometheusExporter` - ``streamlearn_*`` series on an HTTP port
  (needs ``prometheus-client``: ``pip install streamlearn[prometheus]``)::

      streamlearn_records_total{stage="in|predicted|learned|dead_letter|joined|expired|evicted"}
      streamlearn_records_per_second   streamlearn_source_lag_records   streamlearn_pending_labels
      streamlearn_batch_latency_seconds (histogram)   streamlearn_stage_seconds_total{stage=...}
      streamlearn_metric{name=...}   streamlearn_drift_alarms_total
      streamlearn_checkpoints_total   streamlearn_checkpoint_failures_total   streamlearn_checkpoint_seconds

* structured logs (:func:`setup_logging`): one JSON object per line on
  standard error with ``ts``, ``level``, ``event`` and the event's fields
  (``started``, ``resumed``, ``checkpoint``, ``checkpoint_failed``,
  ``dead_letters``, ``drift``, ``stopping``, ``finished``).

>>> s = Stats()
>>> s.add("records_in", 10)
>>> s.counters["records_in"]
10
"""

from __future__ import annotations

import collections
import json
import logging
import sys
import time
from typing import Any

import numpy as np

LOGGER = "streamlearn.runtime"
STAGES = ("read", "parse", "model", "sinks", "checkpoint")
COUNTERS = (
    "records_in",
    "predicted",
    "learned",
    "dead_letters",
    "unlabelled",
    "joined",
    "early_labels",
    "drift_alarms",
)


class Stats:
    """Counters, rates, latencies and stage times of a running pipeline."""

    def __init__(self, window_seconds: float = 5.0) -> None:
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.stage_seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        #: The last checkpoint, written before the run returns (the pipeline waits for it).
        self.stage_seconds["checkpoint_final"] = 0.0
        #: CPU seconds of the checkpoint writer thread (it runs beside the pipeline thread).
        self.stage_seconds["checkpoint_writer"] = 0.0
        self.window_seconds = window_seconds
        self._marks: collections.deque[tuple[float, int]] = collections.deque()
        self.latencies: collections.deque[float] = collections.deque(maxlen=512)
        self.lag: float | None = None
        self.event_lag: float | None = None
        self.metrics: dict[str, Any] = {}
        self.pending = 0
        self.store: dict[str, int] = {}
        self.checkpoints = 0
        self.checkpoint_failures = 0
        self.last_checkpoint: float | None = None
        self.last_checkpoint_seconds = 0.0
        self.last_drift: int | None = None
        self.started = time.monotonic()
        self.resumed_from: int | None = None

    def add(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + int(n)

    def mark(self) -> None:
        """Note the record count now (for records per second)."""
        now = time.monotonic()
        self._marks.append((now, self.counters["records_in"]))
        while len(self._marks) > 2 and now - self._marks[0][0] > self.window_seconds:
            self._marks.popleft()

    @property
    def rate(self) -> float:
        if len(self._marks) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._marks[0], self._marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def latency(self, q: float) -> float:
        return float(np.quantile(np.fromiter(self.latencies, float), q)) if self.latencies else 0.0


class LiveView:
    """A live terminal panel (rich) with the pipeline's vital signs, on standard error."""

    def __init__(self, title: str, console: Any = None, refresh_seconds: float = 0.25) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = console or Console(stderr=True)
        self.title = title
        self.refresh_seconds = refresh_seconds
        self._live = Live(
            console=self.console, refresh_per_second=max(1, int(1 / refresh_seconds)), transient=False
        )
        self._last = 0.0

    def __enter__(self) -> LiveView:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._live.__exit__(*exc)

    def update(self, stats: Stats, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.refresh_seconds:
            return
        self._last = now
        self._live.update(render(stats, self.title))


def render(stats: Stats, title: str) -> Any:
    """The live panel as a rich renderable."""
    from rich.panel import Panel
    from rich.table import Table

    c = stats.counters
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    table.add_row("records in", f"{c['records_in']:,}   ({stats.rate:,.0f} records/s)")
    lag = "?" if stats.lag is None else f"{stats.lag:,.0f} records"
    if stats.event_lag is not None:
        lag += f", event time {stats.event_lag:,.1f} s behind"
    table.add_row("source lag", lag)
    table.add_row(
        "batch latency", f"p50 {stats.latency(0.5) * 1e3:,.1f} ms   p99 {stats.latency(0.99) * 1e3:,.1f} ms"
    )
    table.add_row("predicted / learned", f"{c['predicted']:,} / {c['learned']:,}")
    table.add_row(
        "labels",
        f"{stats.pending:,} waiting, {c['joined']:,} joined, {stats.store.get('expired', 0):,} expired, "
        f"{stats.store.get('evicted', 0):,} evicted",
    )
    table.add_row("dead letters", f"{c['dead_letters']:,}")
    for name, value in stats.metrics.items():
        if isinstance(value, float):
            table.add_row(name.replace("_", " "), f"{value:.4f}")
    drift = f"{c['drift_alarms']:,}"
    if stats.last_drift is not None:
        drift += f" (last at record {stats.last_drift:,})"
    table.add_row("drift alarms", drift)
    ck = "none yet"
    if stats.last_checkpoint is not None:
        ago = time.monotonic() - stats.last_checkpoint
        ck = f"#{stats.checkpoints} {ago:,.1f} s ago ({stats.last_checkpoint_seconds * 1e3:,.1f} ms)"
    if stats.checkpoint_failures:
        ck += f", {stats.checkpoint_failures} failed"
    table.add_row("checkpoint", ck)
    return Panel(table, title=title)


class PrometheusExporter:
    """Serves the pipeline's statistics for Prometheus on ``port`` (0: an ephemeral port)."""

    def __init__(
        self, port: int | None = None, addr: str = "127.0.0.1", labels: dict[str, str] | None = None
    ):
        try:
            import prometheus_client as prom
        except ImportError:  # pragma: no cover - depends on the environment
            from streamlearn.base.errors import InvalidParameterError

            raise InvalidParameterError(
                "Prometheus metrics need prometheus-client: pip install 'streamlearn[prometheus]'."
            ) from None
        self.registry = prom.CollectorRegistry()
        const = labels or {}
        names = list(const)

        def metric(kind: Any, name: str, doc: str, extra: tuple[str, ...] = (), **kw: Any) -> Any:
            return kind(name, doc, [*names, *extra], registry=self.registry, **kw)

        self.records = metric(prom.Counter, "streamlearn_records", "Records by stage.", ("stage",))
        self.rate = metric(prom.Gauge, "streamlearn_records_per_second", "Records read per second.")
        self.lag = metric(prom.Gauge, "streamlearn_source_lag_records", "Records waiting in the source.")
        self.pending = metric(prom.Gauge, "streamlearn_pending_labels", "Predicted rows waiting for a label.")
        self.latency = metric(
            prom.Histogram,
            "streamlearn_batch_latency_seconds",
            "From receiving a micro-batch to its predictions in the sinks.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.stage = metric(prom.Counter, "streamlearn_stage_seconds", "Seconds spent per stage.", ("stage",))
        self.values = metric(prom.Gauge, "streamlearn_metric", "Prequential metric values.", ("name",))
        self.drift = metric(prom.Counter, "streamlearn_drift_alarms", "Drift alarms.")
        self.checkpoints = metric(prom.Counter, "streamlearn_checkpoints", "Checkpoints written.")
        self.failures = metric(prom.Counter, "streamlearn_checkpoint_failures", "Checkpoints that failed.")
        self.ckpt_seconds = metric(
            prom.Gauge, "streamlearn_checkpoint_seconds", "Duration of the last checkpoint."
        )
        self._const = [const[n] for n in names]
        self._seen: dict[str, float] = {}
        self._latencies_seen = 0
        self.port: int | None = None
        self._server: Any = None
        if port is not None:
            out = prom.start_http_server(port, addr=addr, registry=self.registry)
            if isinstance(out, tuple):
                self._server = out[0]
                self.port = int(out[0].server_port)
            else:  # pragma: no cover - old prometheus-client
                self.port = port

    def _inc(self, counter: Any, key: str, total: float, *labels: str) -> None:
        delta = total - self._seen.get(key, 0.0)
        if delta > 0:
            counter.labels(*self._const, *labels).inc(delta)
        self._seen[key] = total

    def update(self, stats: Stats, new_latencies: list[float] | None = None) -> None:
        c = stats.counters
        for stage, name in (
            ("in", "records_in"),
            ("predicted", "predicted"),
            ("learned", "learned"),
            ("dead_letter", "dead_letters"),
            ("joined", "joined"),
        ):
            self._inc(self.records, f"r:{stage}", c.get(name, 0), stage)
        for stage in ("expired", "evicted"):
            self._inc(self.records, f"r:{stage}", stats.store.get(stage, 0), stage)
        for stage, secs in stats.stage_seconds.items():
            self._inc(self.stage, f"s:{stage}", secs, stage)
        self._inc(self.drift, "drift", c.get("drift_alarms", 0))
        self._inc(self.checkpoints, "ckpt", stats.checkpoints)
        self._inc(self.failures, "ckpt_fail", stats.checkpoint_failures)
        self.rate.labels(*self._const).set(stats.rate)
        self.lag.labels(*self._const).set(-1 if stats.lag is None else stats.lag)
        self.pending.labels(*self._const).set(stats.pending)
        self.ckpt_seconds.labels(*self._const).set(stats.last_checkpoint_seconds)
        for name, value in stats.metrics.items():
            if isinstance(value, float):
                self.values.labels(*self._const, name).set(value)
        for v in new_latencies or ():
            self.latency.labels(*self._const).observe(v)

    def text(self) -> str:
        """The current exposition text (what Prometheus scrapes)."""
        import prometheus_client as prom

        return prom.generate_latest(self.registry).decode()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# -- structured logs -----------------------------------------------------------------------------
class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``ts``, ``level``, ``event`` and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 6),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        return f"{stamp} {record.levelname.lower():7s} {record.getMessage()} {extra}".rstrip()


def setup_logging(fmt: str = "json", level: int = logging.INFO, stream: Any = None) -> logging.Logger:
    """Send the runtime's logs to ``stream`` (standard error) as JSON lines or text (``off``: none)."""
    logger = logging.getLogger(LOGGER)
    for h in list(logger.handlers):
        if getattr(h, "_streamlearn", False):
            logger.removeHandler(h)
    logger.propagate = False
    if fmt == "off":
        null = logging.NullHandler()
        null._streamlearn = True  # type: ignore[attr-defined]
        logger.addHandler(null)
        return logger
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler._streamlearn = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    return logger


def log(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event."""
    logging.getLogger(LOGGER).log(level, event, extra={"fields": fields})
