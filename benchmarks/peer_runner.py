"""Peer side of the benchmarks: runs INSIDE the peer environment (benchmarks/.peers/venv).

It imports no streamlearn code. It reads each data set itself into memory, as
a list of ``(dict, label)`` pairs, builds the River pipeline and runs
prequential (test-then-train) evaluation one record at a time:
``predict_one`` then ``learn_one``. Only that loop is timed (reading and
parsing are not), which is how the peer figures quoted in the issues were
measured (see ../shared/peers/peers.py). It prints one JSON line per run on
stdout::

    {"library", "version", "dataset", "model", "n", "n_total", "limited",
     "accuracy", "seconds", "rows_per_second", "cpu_seconds", "all_seconds",
     "load_seconds"}

``seconds`` is wall time (what rows_per_second uses); ``cpu_seconds`` is the
process's CPU time over the same loop, a hint of how much a busy machine
slowed the run (wall much above CPU: the process waited for a core).

With ``--repeat K`` each model runs K times (a fresh model each time; the
results are deterministic, only the time varies) and the fastest run is
reported; ``all_seconds`` lists every run's time.

and its progress on stderr.

Data sets (directory: ``--data-dir``, default $STREAMLEARN_DATA, else
../shared/data beside the repository):

- ``elec2``: ``elec2/elecNormNew.arff`` (45,312 rows); ``day`` is kept as a
  string (categorical), every other feature as a float; label ``class == UP``.
- ``nsl``: ``nsl-kdd/KDDTrain+.txt.gz`` (125,973 rows), the 41 named
  features; ``protocol_type``, ``service`` and ``flag`` are strings, the rest
  floats; label ``attack`` (anything but ``normal``).
- ``sea``: a CSV file given with ``--file`` (header ``x1,x2,x3,label``), the
  stream that benchmarks/run.py writes once for both sides.

Models (River):

- ``logreg``: (SelectType(int, float) | StandardScaler
  + SelectType(str) | OneHotEncoder) | LogisticRegression()
- ``gnb``: SelectType(int, float) | GaussianNB()

Usage: python peer_runner.py --dataset elec2 --models logreg,gnb [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

NSL_FEATURES = [
    "duration",
    "protocol_type",
    "service",
    "flag",
    "src_bytes",
    "dst_bytes",
    "land",
    "wrong_fragment",
    "urgent",
    "hot",
    "num_failed_logins",
    "logged_in",
    "num_compromised",
    "root_shell",
    "su_attempted",
    "num_root",
    "num_file_creations",
    "num_shells",
    "num_access_files",
    "num_outbound_cmds",
    "is_host_login",
    "is_guest_login",
    "count",
    "srv_count",
    "serror_rate",
    "srv_serror_rate",
    "rerror_rate",
    "srv_rerror_rate",
    "same_srv_rate",
    "diff_srv_rate",
    "srv_diff_host_rate",
    "dst_host_count",
    "dst_host_srv_count",
    "dst_host_same_srv_rate",
    "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate",
    "dst_host_srv_diff_host_rate",
    "dst_host_serror_rate",
    "dst_host_srv_serror_rate",
    "dst_host_rerror_rate",
    "dst_host_srv_rerror_rate",
]
NSL_CATEGORICAL = frozenset({"protocol_type", "service", "flag"})

Row = tuple[dict, bool]


def default_data_dir() -> Path:
    env = os.environ.get("STREAMLEARN_DATA")
    return Path(env) if env else HERE.parent.parent / "shared" / "data"


def progress(msg: str) -> None:
    print(f"[peer] {msg}", file=sys.stderr, flush=True)


def read_elec2(data_dir: Path) -> list[Row]:
    path = data_dir / "elec2" / "elecNormNew.arff"
    attributes: list[str] = []
    rows: list[Row] = []
    in_data = False
    with path.open() as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            head = line.lower()
            if in_data:
                values = line.split(",")
                x = {
                    name: (value if name == "day" else float(value))
                    for name, value in zip(attributes[:-1], values[:-1], strict=True)
                }
                rows.append((x, values[-1] == "UP"))
            elif head.startswith("@attribute"):
                attributes.append(line.split()[1])
            elif head.startswith("@data"):
                in_data = True
    return rows


def read_nsl(data_dir: Path) -> list[Row]:
    path = data_dir / "nsl-kdd" / "KDDTrain+.txt.gz"
    rows: list[Row] = []
    with gzip.open(path, "rt") as f:
        for line in f:
            values = line.strip().split(",")
            x = {
                name: (value if name in NSL_CATEGORICAL else float(value))
                for name, value in zip(NSL_FEATURES, values[:41], strict=True)
            }
            rows.append((x, values[41] != "normal"))
    return rows


def read_sea_csv(path: Path) -> list[Row]:
    rows: list[Row] = []
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[-1] != "label":
            raise SystemExit(f"peer_runner: {path}: the last column must be 'label', got {header[-1]!r}")
        names = header[:-1]
        for values in reader:
            x = {name: float(v) for name, v in zip(names, values[:-1], strict=True)}
            rows.append((x, values[-1] == "1"))
    return rows


def river_model(name: str):
    from river import compose, linear_model, naive_bayes, preprocessing

    if name == "logreg":
        numeric = compose.SelectType((int, float)) | preprocessing.StandardScaler()
        categorical = compose.SelectType(str) | preprocessing.OneHotEncoder()
        return (numeric + categorical) | linear_model.LogisticRegression()
    if name == "gnb":
        return compose.SelectType((int, float)) | naive_bayes.GaussianNB()
    raise SystemExit(f"peer_runner: unknown model {name!r}; choose from: logreg, gnb")


def prequential(rows: list[Row], model, label: str) -> dict:
    """Test-then-train one record at a time; only the loops are timed (progress lines are not)."""
    n = len(rows)
    step = max(n // 10, 1)
    correct = 0
    seconds = cpu_seconds = 0.0
    for start in range(0, n, step):
        chunk = rows[start : start + step]
        c0 = time.process_time()
        t0 = time.perf_counter()
        for x, y in chunk:
            correct += model.predict_one(x) == y
            model.learn_one(x, y)
        seconds += time.perf_counter() - t0
        cpu_seconds += time.process_time() - c0
        done = start + len(chunk)
        progress(f"{label}: {done:,}/{n:,} rows, {done / seconds:,.0f} rows/s, accuracy {correct / done:.4f}")
    return {
        "n": n,
        "accuracy": correct / n,
        "seconds": seconds,
        "rows_per_second": n / seconds,
        "cpu_seconds": cpu_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="River side of the streamlearn benchmarks (one JSON line per run)"
    )
    ap.add_argument("--dataset", required=True, choices=["elec2", "nsl", "sea"])
    ap.add_argument("--models", default="logreg,gnb", help="comma-separated: logreg, gnb")
    ap.add_argument("--limit", type=int, default=None, help="run on the first N rows only")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per model (fresh model each); the fastest counts"
    )
    ap.add_argument(
        "--data-dir", type=Path, default=None, help="default: $STREAMLEARN_DATA or ../shared/data"
    )
    ap.add_argument("--file", type=Path, default=None, help="the CSV file of --dataset sea")
    args = ap.parse_args(argv)

    import river

    data_dir = args.data_dir or default_data_dir()
    t0 = time.perf_counter()
    if args.dataset == "sea":
        if args.file is None:
            ap.error("--dataset sea needs --file (the CSV written by benchmarks/run.py)")
        rows = read_sea_csv(args.file)
    else:
        reader = {"elec2": read_elec2, "nsl": read_nsl}[args.dataset]
        try:
            rows = reader(data_dir)
        except FileNotFoundError as exc:
            raise SystemExit(
                f"peer_runner: data file not found: {exc.filename} (set STREAMLEARN_DATA)"
            ) from exc
    load_seconds = time.perf_counter() - t0
    n_total = len(rows)
    if args.limit is not None and args.limit < n_total:
        rows = rows[: args.limit]
    progress(f"{args.dataset}: read {n_total:,} rows in {load_seconds:.1f} s; running on {len(rows):,}")

    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        runs = [
            prequential(rows, river_model(name), f"river {args.dataset}/{name} (run {i + 1}/{args.repeat})")
            for i in range(max(args.repeat, 1))
        ]
        result = min(runs, key=lambda r: r["seconds"])
        record = {
            "library": "river",
            "version": river.__version__,
            "dataset": args.dataset,
            "model": name,
            **result,
            "n_total": n_total,
            "limited": len(rows) < n_total,
            "all_seconds": [r["seconds"] for r in runs],
            "load_seconds": load_seconds,
        }
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
