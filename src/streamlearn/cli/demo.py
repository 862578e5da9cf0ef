"""``streamlearn demo``: an online intrusion detector on the bundled NSL-KDD sample.

Part 1 evaluates it test-then-train; part 2 runs it through the streaming
runtime with labels arriving late, a stop and a resume from its checkpoint.

The sample (20,996 network connections, every 6th row of KDDTrain+, shipped
inside the package) is replayed as a stream. The model predicts each
connection before it learns its label (test-then-train), so every figure
shown is an honest out-of-sample score. A live view shows progress and
rolling metrics; a summary follows.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from streamlearn.base.persistence import digest
from streamlearn.cli.evaluate import build_model, warm_up
from streamlearn.datasets import demo as demo_data
from streamlearn.evaluate import prequential
from streamlearn.metrics import F1, Accuracy, ConfusionMatrix, Precision, Recall

WINDOW = 1000
BAR_WIDTH = 40


def _bar(value: float) -> str:
    filled = round(value * BAR_WIDTH)
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _view(n: int, total: int, values: dict[str, Any], rate: float, started: float) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    table.add_row("connections", f"{n:,} / {total:,}  {_bar(n / total)}")
    table.add_row("replay rate", f"{rate:,.0f} rows/s" if rate else "as fast as possible")
    table.add_row("elapsed", f"{time.perf_counter() - started:.1f} s")
    for name in ("accuracy", "rolling_accuracy", "recall", "precision"):
        label = name.replace("rolling_", f"last {WINDOW:,} ")
        key = name if name in values else None
        if key is None:
            continue
        v = values[key]
        table.add_row(label, f"{v:6.2%}  {_bar(v)}")
    return Panel(table, title="streamlearn demo: online intrusion detection (NSL-KDD sample)")


def run_demo(args: argparse.Namespace) -> int:
    console = Console()
    data = demo_data()
    total = 20_996
    model = build_model(args.model, {})
    confusion = ConfusionMatrix()
    metrics = [Accuracy(), Recall(pos_label=True), Precision(pos_label=True), F1(pos_label=True), confusion]
    console.print(
        f"Replaying {total:,} network connections through [bold]{model!r}[/]: each is classified "
        "(attack or normal) before its label is learned."
    )
    compile_seconds = warm_up(model, next(iter(data)))
    if compile_seconds > 1:
        console.print(f"(compiled the model's kernels in {compile_seconds:.1f} s; cached for next time)")
    started = time.perf_counter()
    with Live(console=console, refresh_per_second=8, transient=False) as live:

        def progress(n: int, report: Any) -> None:
            values = {k: v for k, v in report.current().items() if isinstance(v, float)}
            live.update(_view(n, total, values, args.rate, started))
            if args.rate:
                ahead = n / args.rate - (time.perf_counter() - started)
                if ahead > 0:
                    time.sleep(ahead)

        report = prequential(model, data, metrics, rolling=WINDOW, batch_size=500, progress=progress)
    m = report.metrics
    cm = confusion
    labels = {True: "attack", False: "normal"}
    summary = Table(title="Summary (every prediction made before the label was learned)")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row("connections", f"{report.n:,}")
    summary.add_row("accuracy", f"{m['accuracy']:.2%}")
    summary.add_row("attack recall (detected / all attacks)", f"{m['recall']:.2%}")
    summary.add_row("attack precision (true alerts / alerts)", f"{m['precision']:.2%}")
    summary.add_row("F1 (attack)", f"{m['f1']:.4f}")
    summary.add_row(f"accuracy over the last {WINDOW:,}", f"{m['rolling_accuracy']:.2%}")
    summary.add_row("test-then-train speed", f"{report.rows_per_second:,.0f} rows/s (replay wait excluded)")
    summary.add_row("model sha256", digest(model)[:16] + "…")
    matrix = Table(title="Confusion matrix (rows: truth, columns: prediction)")
    matrix.add_column("")
    order = [lab for lab in (False, True) if lab in cm.labels]
    for lab in order:
        matrix.add_column(labels[lab], justify="right")
    for t in order:
        i = cm.labels.index(t)
        matrix.add_row(labels[t], *(f"{int(cm.matrix[i, cm.labels.index(p)]):,}" for p in order))
    console.print(Group(summary, matrix))
    if not args.no_runtime:
        from streamlearn.runtime.demo import run_runtime_demo

        console.rule("Part 2: the same detector as a long-running stream (runtime, checkpoints)")
        run_runtime_demo(console, rate=args.rate, model=args.model)
    console.print(
        "Next: `streamlearn evaluate --data nsl-kdd --model gaussian_nb` on the full data set, "
        "`streamlearn run examples/pipelines/flows_file.yaml`, or `streamlearn models`."
    )
    return 0
