"""``streamlearn evaluate``: a prequential run with progress, a summary table or one JSON object."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from streamlearn.base.batch import Batch
from streamlearn.base.learner import Learner
from streamlearn.base.persistence import digest, size_bytes
from streamlearn.base.registry import make
from streamlearn.cli.main import parse_params
from streamlearn.compose.auto import with_preprocessing


def build_model(name: str, params: dict[str, Any], preprocess: bool = True) -> Learner:
    """The registry's model ``name`` with ``params``, behind default preprocessing."""
    model = make(name, **params)
    return with_preprocessing(model) if preprocess else model


def warm_up(model: Learner, batch: Batch, rows: int = 64) -> float:
    """Compile (or load from the disk cache) the model's kernels on a clone; seconds spent."""
    t = time.perf_counter()
    twin = model.clone()
    X = batch.X[:rows]
    if twin.task in ("classification", "regression"):
        if batch.y is not None:
            twin.test_then_train_many(X, batch.y[:rows], schema=batch.schema)  # type: ignore[attr-defined]
    else:
        twin.test_then_train_many(X, schema=batch.schema)  # type: ignore[attr-defined]
    return time.perf_counter() - t


def evaluate(
    data: str,
    model_name: str,
    params: dict[str, Any] | None = None,
    *,
    target: str | None = None,
    batch_size: int = 1000,
    limit: int | None = None,
    every: int | None = None,
    metrics: list[str] | None = None,
    preprocess: bool = True,
    delay: int = 0,
    progress: Any = None,
) -> dict[str, Any]:
    """Run one prequential evaluation and return the JSON-able summary the CLI prints."""
    from streamlearn import datasets
    from streamlearn.evaluate import prequential

    params = params or {}
    model = build_model(model_name, params, preprocess)
    t = time.perf_counter()
    stream = datasets.load(data, target=target, batch_size=batch_size)
    batches = iter(stream)
    first = next(batches, None)
    first_read = time.perf_counter() - t
    compile_seconds = warm_up(model, first) if first is not None and len(first) else 0.0
    rest = itertools.chain([] if first is None else [first], batches)
    total = limit or getattr(stream, "n_rows", None)
    if every is None:
        every = max(batch_size, (total or 100_000) // 20)
    report = prequential(
        model,
        rest,
        metrics=metrics or None,
        every=every,
        delay=delay,
        batch_size=batch_size,
        limit=limit,
        progress=progress,
    )
    out = report.to_dict()
    return {
        "data": data,
        "model": model_name,
        "params": params,
        "pipeline": repr(model),
        "n": out["n"],
        "seconds": out["seconds"],
        "rows_per_second": out["rows_per_second"],
        "read_seconds": out["read_seconds"] + first_read,
        "compile_seconds": compile_seconds,
        "metrics": out["metrics"],
        "n_unlabelled": out.get("n_unlabelled", 0),
        "history": out.get("history", []),
        "model_sha256": digest(model),
        "model_bytes": size_bytes(model),
    }


def run_evaluate(args: argparse.Namespace) -> int:
    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} rows"),
        TextColumn("{task.fields[metric]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"{args.model} on {args.data}", total=args.limit, metric="")

        def progress(n: int, report: Any) -> None:
            values = report.current() if hasattr(report, "current") else {}
            shown = "  ".join(f"{k}={v:.4f}" for k, v in list(values.items())[:2] if isinstance(v, float))
            bar.update(task, completed=n, metric=shown)

        result = evaluate(
            args.data,
            args.model,
            parse_params(args.param),
            target=args.target,
            batch_size=args.batch_size,
            limit=args.limit,
            every=args.every,
            metrics=args.metric,
            preprocess=not args.no_preprocess,
            delay=args.delay,
            progress=progress,
        )
    if args.json:
        result.pop("history", None)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    table = Table(title=f"{result['pipeline']} on {args.data}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for k, v in result["metrics"].items():
        table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    table.add_row("rows", f"{result['n']:,}")
    table.add_row("rows/s (test-then-train)", f"{result['rows_per_second']:,.0f}")
    table.add_row("seconds (test-then-train)", f"{result['seconds']:.3f}")
    table.add_row("seconds reading data", f"{result['read_seconds']:.3f}")
    table.add_row("seconds compiling (first run only)", f"{result['compile_seconds']:.3f}")
    table.add_row("model size (bytes)", f"{result['model_bytes']:,}")
    table.add_row("model sha256", result["model_sha256"][:16] + "…")
    Console().print(table)
    return 0
