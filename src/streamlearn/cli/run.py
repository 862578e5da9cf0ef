"""``streamlearn run PIPELINE.yaml``: run a streaming pipeline (see :mod:`streamlearn.runtime`).

With ``--json`` standard output ends with one JSON summary line::

    {"records_in": ..., "predicted": ..., "learned": ..., "dead_letters": ...,
     "metrics": {...}, "model_sha256": "...", "seconds": ..., ...}

Exit codes: 0 when the sources ended or the run was stopped gracefully
(SIGINT, SIGTERM, ``--stop-after``); 2 for a bad pipeline file or input
that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    """Register the ``run`` subcommand on the CLI's subparsers."""
    run = sub.add_parser("run", help="run a streaming pipeline defined in a YAML file")
    run.add_argument("pipeline", help="the pipeline file (YAML); see examples/pipelines/")
    run.add_argument("--checkpoint-dir", help="checkpoint here (overrides checkpoint.dir); resume from it")
    run.add_argument("--json", action="store_true", help="end standard output with one JSON summary")
    live = run.add_mutually_exclusive_group()
    live.add_argument("--live", dest="live", action="store_true", default=None, help="show the live view")
    live.add_argument("--no-live", dest="live", action="store_false", help="do not show the live view")
    run.add_argument("--log", choices=("json", "text", "off"), help="structured logs on standard error")
    run.add_argument("--workers", type=int, help="worker processes (overrides workers:)")
    run.add_argument("--prometheus-port", type=int, help="serve Prometheus metrics on this port")
    run.add_argument("--stop-after", type=int, help="stop gracefully after reading this many records")


def run_pipeline(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from streamlearn.runtime.config import load_pipeline

    pipe = load_pipeline(args.pipeline, checkpoint_dir=args.checkpoint_dir)
    if args.live is not None:
        pipe.live = args.live
    if args.log is not None:
        pipe.log_format = args.log
    if args.workers is not None:
        pipe.workers = args.workers
        pipe._check()
    if args.prometheus_port is not None:
        pipe.prometheus_port = args.prometheus_port
    summary = pipe.run(stop_after=args.stop_after)
    out = summary.to_dict()
    if args.json:
        sys.stdout.flush()
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
        return 0
    table = Table(title=f"streamlearn run: {pipe.name} ({summary.stopped})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for k in ("records_in", "predicted", "learned", "dead_letters", "joined", "pending", "expired"):
        table.add_row(k.replace("_", " "), f"{out[k]:,}")
    for k, v in out["metrics"].items():
        if isinstance(v, float):
            table.add_row(k, f"{v:.4f}")
    table.add_row("records/s", f"{summary.records_per_second:,.0f}")
    table.add_row("seconds", f"{summary.seconds:.2f}")
    table.add_row("checkpoints", f"{summary.checkpoints} (resumed from #{summary.resumed_from})")
    table.add_row("model sha256", summary.model_sha256[:16] + "…")
    Console(stderr=True).print(table)
    return 0
