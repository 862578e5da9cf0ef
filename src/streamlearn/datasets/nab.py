"""Numenta Anomaly Benchmark (NAB v1.1) series with point labels.

``nab("realTraffic/speed_7578.csv")`` streams one series from
``$STREAMLEARN_DATA/nab/data/``: the feature ``value`` (and, with
``timestamp=True``, ``timestamp`` as POSIX seconds, the file's times read as
UTC) and the target ``anomaly``: 1 for a point inside one of the series'
anomaly windows in ``nab/labels/combined_windows.json`` (window ends
included), else 0. :func:`nab_series` lists the series.

References: A. Lavin, S. Ahmad. Evaluating real-time anomaly detection
algorithms - the Numenta Anomaly Benchmark. arXiv:1510.03336, 2015. S. Ahmad,
A. Lavin, S. Purdy, Z. Agha. Unsupervised real-time anomaly detection for
streaming data. Neurocomputing, 2017.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from streamlearn.base.errors import DataError, UnknownNameError
from streamlearn.base.schema import Schema
from streamlearn.datasets.base import data_file
from streamlearn.streams.dataset import Block, Dataset


def nab_series(category: str | None = None) -> list[str]:
    """The series as ``"category/file.csv"``, sorted (only one category's when given)."""
    root = data_file("nab", "data")
    names = sorted(f"{p.parent.name}/{p.name}" for p in root.glob("*/*.csv"))
    if category is None:
        return names
    out = [n for n in names if n.split("/", 1)[0] == category]
    if not out:
        cats = sorted({n.split("/", 1)[0] for n in names})
        raise UnknownNameError(f"Unknown NAB category {category!r}. Categories: {', '.join(cats)}.")
    return out


def _seconds(text: str) -> float:
    dt = datetime.fromisoformat(text.strip()).replace(tzinfo=timezone.utc)
    return dt.timestamp()


def nab_windows(series: str) -> list[tuple[float, float]]:
    """The anomaly windows of a series, as (start, end) POSIX seconds."""
    with open(data_file("nab", "labels", "combined_windows.json"), encoding="utf-8") as f:
        windows = json.load(f)
    if series not in windows:
        raise DataError(f"combined_windows.json has no entry for {series!r}.")
    return [(_seconds(a), _seconds(b)) for a, b in windows[series]]


def nab(series: str, batch_size: int = 1000, timestamp: bool = False) -> NABDataset:
    """One NAB series, e.g. ``"realTraffic/speed_7578.csv"`` (``.csv`` may be left out)."""
    return NABDataset(series, batch_size=batch_size, timestamp=timestamp)


class NABDataset(Dataset):
    """A NAB series with its per-point anomaly labels (built by :func:`nab`)."""

    def __init__(self, series: str, batch_size: int = 1000, timestamp: bool = False):
        series = series.strip("/")
        if not series.endswith(".csv"):
            series += ".csv"
        known = nab_series()
        if series not in known:
            near = [s for s in known if s.split("/")[0] == series.split("/")[0]] or known
            raise UnknownNameError(
                f"Unknown NAB series {series!r}. Give 'category/file.csv', e.g. {', '.join(near[:6])} "
                f"(nab_series() lists all {len(known)})."
            )
        super().__init__(f"nab:{series}", "anomaly", batch_size)
        self.series = series
        self.timestamp = timestamp
        self.path: Path = data_file("nab", "data", *series.split("/"))
        self.windows = nab_windows(series)

    def _open(self) -> tuple[Schema, Iterator[Block]]:
        schema = Schema(["timestamp", "value"] if self.timestamp else ["value"])
        return schema, self._blocks()

    def _blocks(self) -> Iterator[Block]:
        try:
            reader = pa_csv.open_csv(
                str(self.path),
                read_options=pa_csv.ReadOptions(use_threads=False),
                convert_options=pa_csv.ConvertOptions(
                    column_types={"timestamp": pa.timestamp("s"), "value": pa.float64()},
                    include_columns=["timestamp", "value"],
                ),
            )
            for rb in reader:
                t = rb.column("timestamp").cast(pa.int64()).to_numpy(zero_copy_only=False).astype(np.float64)
                value = rb.column("value").to_numpy(zero_copy_only=False).astype(np.float64)
                y = np.zeros(len(t), dtype=np.int64)
                for start, end in self.windows:
                    y[(t >= start) & (t <= end)] = 1
                X = np.column_stack([t, value]) if self.timestamp else value[:, None]
                yield X, y
        except (pa.ArrowInvalid, OSError) as e:
            raise DataError(f"Cannot read {str(self.path)!r}: {e}") from e
