"""The runtime demo: the bundled NSL-KDD sample replayed as a live stream, with late labels.

:func:`run_runtime_demo` turns the 20,996 connections of the bundled sample
into a JSON Lines stream in a temporary folder: each connection (with an
``id``) and, ``delay`` records later, its label (``{"id": ..., "attack":
...}``). A pipeline replays it at ``rate`` records per second through the
default preprocessing and a logistic regression: every connection is
classified at once, its label is joined by ``id`` when it arrives and only
then learned, and the metrics score the prediction made before the label.
Halfway, the pipeline is stopped as Ctrl-C would stop it (batch finished,
checkpoint written) and started again: it resumes from the checkpoint.
No server is needed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from streamlearn.runtime.parse import RecordSchema
from streamlearn.runtime.pipeline import RunSummary, StreamPipeline
from streamlearn.streams.sinks.base import encode_json_rows
from streamlearn.streams.sinks.files import FileSink
from streamlearn.streams.sources.files import FileSource


def write_demo_stream(path: Path, delay: int = 500) -> int:
    """Write the bundled sample as a stream with labels ``delay`` records late; returns the records."""
    from streamlearn.datasets.demo import SAMPLE

    table = pa_csv.read_csv(SAMPLE)
    n = table.num_rows
    attack = pc.not_equal(table.column("label"), "normal")
    features = table.drop_columns(["label"])
    features = features.add_column(0, "id", pa.array(np.arange(n)))
    rows = encode_json_rows(features)
    labels = encode_json_rows(pa.table({"id": pa.array(np.arange(n)), "attack": attack}))
    out: list[bytes] = []
    for i in range(n):
        out.append(rows[i])
        if i >= delay:
            out.append(labels[i - delay])
    out.extend(labels[max(0, n - delay) :])
    path.write_bytes(b"\n".join(out) + b"\n")
    return len(out)


def build_demo_pipeline(
    folder: Path, rate: float, model: str = "logistic_regression", console: Any = None
) -> StreamPipeline:
    """The demo's pipeline, reading ``folder/stream.jsonl`` and writing into ``folder``."""
    from streamlearn.base.registry import make
    from streamlearn.compose.auto import with_preprocessing
    from streamlearn.metrics import F1, Accuracy, Precision, Recall

    return StreamPipeline(
        FileSource(folder / "stream.jsonl", rate=rate or None),
        with_preprocessing(make(model)),
        schema=RecordSchema(label="attack", key="id"),
        sinks=[FileSink(folder / "predictions.jsonl")],
        dead_letters=FileSink(folder / "dead_letters.jsonl"),
        metrics=[Accuracy(), Recall(pos_label=True), Precision(pos_label=True), F1(pos_label=True)],
        rolling=1000,
        batch_size=500,
        batch_seconds=0.25,
        checkpoint_dir=folder / "checkpoints",
        checkpoint_seconds=0.5,
        name="NSL-KDD replay (labels 500 records late)",
        live=console is not None,
    )


def run_runtime_demo(
    console: Any = None, rate: float = 20000, model: str = "logistic_regression"
) -> RunSummary:
    """Run the runtime demo (see the module docstring) and print a summary; returns it.

    ``console``: a rich Console for the live view and the summary (None: no output).
    ``rate``: replay rate in records per second (0: as fast as possible).
    """
    from rich.table import Table

    def say(*parts: Any) -> None:
        if console is not None:
            console.print(*parts)

    with tempfile.TemporaryDirectory(prefix="streamlearn-demo-") as tmp:
        folder = Path(tmp)
        total = write_demo_stream(folder / "stream.jsonl")
        say(
            f"Streaming {total:,} records (20,996 connections, each label 500 records later) from "
            f"{folder / 'stream.jsonl'} at {rate:,.0f} records/s: every connection is classified at once, "
            "learned when its label arrives."
        )
        first = build_demo_pipeline(folder, rate, model, console).run(stop_after=total // 2, console=console)
        say(
            f"Stopped after {first.records_in:,} records as Ctrl-C would: batch finished, checkpoint "
            f"#{first.checkpoints} written. Starting again: it resumes from the checkpoint."
        )
        summary = build_demo_pipeline(folder, rate, model, console).run(console=console)
        lines = (folder / "predictions.jsonl").read_bytes().count(b"\n")
    m = summary.metrics
    table = Table(title="Runtime demo summary (each prediction made before its label arrived)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row(
        "records read / predicted / learned",
        f"{summary.records_in:,} / {summary.predicted:,} / {summary.learned:,}",
    )
    table.add_row("labels joined to their connection", f"{summary.joined:,}")
    table.add_row("predictions written (once each, across the restart)", f"{lines:,}")
    table.add_row("dead letters", f"{summary.dead_letters:,}")
    table.add_row("accuracy", f"{m['accuracy']:.2%}")
    table.add_row("attack recall / precision", f"{m['recall']:.2%} / {m['precision']:.2%}")
    table.add_row("accuracy over the last 1,000", f"{m['rolling_accuracy']:.2%}")
    table.add_row("resumed from checkpoint", f"#{summary.resumed_from}")
    table.add_row("model sha256", summary.model_sha256[:16] + "…")
    say(table)
    return summary
