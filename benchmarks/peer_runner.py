"""Peer side of the benchmarks: runs INSIDE the peer environment (benchmarks/.peers/venv).

It imports no streamlearn code. It reads each data set itself into memory, as
a list of ``(dict, label)`` pairs, builds the River pipeline and runs
prequential (test-then-train) evaluation one record at a time:
``predict_one`` then ``learn_one``. Only that loop is timed (reading and
parsing are not), which is how the peer figures quoted in the issues were
measured (see ../shared/peers/peers.py). It prints one JSON line per model on
stdout, and its progress on stderr::

    {"library", "version", "dataset", "model", "task", "n", "n_total", "limited",
     "accuracy" | "mae", "rmse" | (nothing, clustering), "seconds",
     "rows_per_second", "cpu_seconds", "all_seconds", "load_seconds"}

``seconds`` is wall time (what rows_per_second uses); ``cpu_seconds`` is the
process's CPU time over the same loop, a hint of how much a busy machine
slowed the run (wall much above CPU: the process waited for a core).

With ``--repeat K`` each model runs K times (a fresh model each time; the
results are deterministic, only the time varies) and the fastest run is
reported; ``all_seconds`` lists every run's time.

Data sets (directory: ``--data-dir``, default $STREAMLEARN_DATA, else
../shared/data beside the repository):

- ``elec2``: ``elec2/elecNormNew.arff`` (45,312 rows); ``day`` is kept as a
  string (categorical), every other feature as a float; label ``class == UP``.
- ``nsl``: ``nsl-kdd/KDDTrain+.txt.gz`` (125,973 rows), the 41 named
  features; ``protocol_type``, ``service`` and ``flag`` are strings, the rest
  floats; label ``attack`` (anything but ``normal``).
- ``sea``: a CSV file given with ``--file`` (header ``x1,x2,x3,label``), the
  stream that benchmarks/run.py writes once for both sides; label ``== 1``.
- ``regression``: a CSV file given with ``--file`` and its target column with
  ``--target`` (a float); a feature value that parses as a float is a float,
  any other is a string (categorical).

``--no-preprocess`` drops the scalers and one-hot encoders below: each model
then gets ``SelectType(num)`` only (as streamlearn's ``--no-preprocess``).

Models (River; the hyper-parameters are River's defaults, which the
streamlearn side matches, see benchmarks/README.md). ``num`` is
``SelectType((int, float))``, ``str`` is ``SelectType(str)``:

- ``logreg``: (num | StandardScaler + str | OneHotEncoder) | LogisticRegression()
- ``gnb``, ``gnb_num``, ``gnb_eps``: num | GaussianNB() (the same model;
  ``gnb_num`` and ``gnb_eps`` are rows where streamlearn drops the categorical
  columns, the latter also with River's 1e-9 likelihood floor: when several
  are asked for, they reuse one run)
- ``perceptron``: (num | StandardScaler + str | OneHotEncoder) | Perceptron(l2=0)
- ``pa``: (num | StandardScaler + str | OneHotEncoder) | PAClassifier(C=1, mode=1)
- ``mnb``: (num + str | OneHotEncoder) | MultinomialNB(alpha=1)
- ``bnb``: (num + str | OneHotEncoder) | BernoulliNB(alpha=1, true_threshold=0)
- ``linreg``: (num | StandardScaler + str | OneHotEncoder) | LinearRegression()
- ``pareg``: (num | StandardScaler + str | OneHotEncoder) | PARegressor(C=1, mode=1, eps=0.1)
- ``kmeans``: num | KMeans(n_clusters=5, seed=42) (clustering: the label is
  not used; only the speed is compared)

Classifiers report ``accuracy``, regressors ``mae`` and ``rmse`` (of
``predict_one`` before ``learn_one``), clusterers nothing but the speed.

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


def _value(v: str) -> float | str:
    try:
        return float(v)
    except ValueError:
        return v


def read_regression_csv(path: Path, target: str) -> list[tuple[dict, float]]:
    """A CSV with a header; ``target`` is the float target, the other columns features."""
    rows: list[tuple[dict, float]] = []
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if target not in header:
            raise SystemExit(f"peer_runner: {path}: no column {target!r} (columns: {', '.join(header)})")
        t = header.index(target)
        names = [(j, name) for j, name in enumerate(header) if j != t]
        for values in reader:
            rows.append(({name: _value(values[j]) for j, name in names}, float(values[t])))
    return rows


# model -> (task, how it is built); "gnb_num" is "gnb" on the River side (SelectType(num) drops the
# categorical columns anyway), so a run that asks for both reuses one run.
TASKS = {
    "logreg": "classification",
    "gnb": "classification",
    "gnb_num": "classification",
    "gnb_eps": "classification",
    "perceptron": "classification",
    "pa": "classification",
    "mnb": "classification",
    "bnb": "classification",
    "linreg": "regression",
    "pareg": "regression",
    "kmeans": "clustering",
}
SAME_AS = {"gnb_num": "gnb", "gnb_eps": "gnb"}
KMEANS_CLUSTERS = 5
KMEANS_SEED = 42


def river_model(name: str, preprocess: bool = True):
    """River's pipeline for ``name``; ``preprocess=False``: the bare model on the numeric features."""
    from river import cluster, compose, linear_model, naive_bayes, preprocessing

    def num():
        return compose.SelectType((int, float))

    def scaled_onehot():
        return (num() | preprocessing.StandardScaler()) + (
            compose.SelectType(str) | preprocessing.OneHotEncoder()
        )

    def onehot():
        return num() + (compose.SelectType(str) | preprocessing.OneHotEncoder())

    name = SAME_AS.get(name, name)
    if not preprocess:
        scaled_onehot = onehot = num
    if name == "logreg":
        return scaled_onehot() | linear_model.LogisticRegression()
    if name == "gnb":
        return num() | naive_bayes.GaussianNB()
    if name == "perceptron":
        return scaled_onehot() | linear_model.Perceptron(l2=0.0)
    if name == "pa":
        return scaled_onehot() | linear_model.PAClassifier(C=1.0, mode=1)
    if name == "mnb":
        return onehot() | naive_bayes.MultinomialNB(alpha=1.0)
    if name == "bnb":
        return onehot() | naive_bayes.BernoulliNB(alpha=1.0, true_threshold=0.0)
    if name == "linreg":
        return scaled_onehot() | linear_model.LinearRegression()
    if name == "pareg":
        return scaled_onehot() | linear_model.PARegressor(C=1.0, mode=1, eps=0.1)
    if name == "kmeans":
        return num() | cluster.KMeans(n_clusters=KMEANS_CLUSTERS, seed=KMEANS_SEED)
    raise SystemExit(f"peer_runner: unknown model {name!r}; choose from: {', '.join(TASKS)}")


def _timed_chunks(rows: list, label: str, step_chunk, summary) -> tuple[float, float]:
    """Run ``step_chunk`` over tenths of ``rows``; only those calls are timed. (wall, CPU) seconds."""
    n = len(rows)
    step = max(n // 10, 1)
    seconds = cpu_seconds = 0.0
    for start in range(0, n, step):
        chunk = rows[start : start + step]
        c0 = time.process_time()
        t0 = time.perf_counter()
        step_chunk(chunk)
        seconds += time.perf_counter() - t0
        cpu_seconds += time.process_time() - c0
        done = start + len(chunk)
        progress(f"{label}: {done:,}/{n:,} rows, {done / seconds:,.0f} rows/s{summary(done)}")
    return seconds, cpu_seconds


def prequential(rows: list, model, label: str, task: str) -> dict:
    """Test-then-train one record at a time; only the loops are timed (progress lines are not)."""
    n = len(rows)
    acc = {"correct": 0, "abs": 0.0, "sq": 0.0}

    if task == "classification":

        def run(chunk):
            correct = 0
            for x, y in chunk:
                correct += model.predict_one(x) == y
                model.learn_one(x, y)
            acc["correct"] += correct

        def summary(done):
            return f", accuracy {acc['correct'] / done:.4f}"

    elif task == "regression":

        def run(chunk):
            a = s = 0.0
            for x, y in chunk:
                e = y - model.predict_one(x)
                a += abs(e)
                s += e * e
                model.learn_one(x, y)
            acc["abs"] += a
            acc["sq"] += s

        def summary(done):
            return f", MAE {acc['abs'] / done:.4f}"

    else:

        def run(chunk):
            for x, _ in chunk:
                model.predict_one(x)
                model.learn_one(x)

        def summary(done):
            return ""

    seconds, cpu_seconds = _timed_chunks(rows, label, run, summary)
    out: dict = {"n": n}
    if task == "classification":
        out["accuracy"] = acc["correct"] / n
    elif task == "regression":
        out["mae"] = acc["abs"] / n
        out["rmse"] = (acc["sq"] / n) ** 0.5
    return {**out, "seconds": seconds, "rows_per_second": n / seconds, "cpu_seconds": cpu_seconds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="River side of the streamlearn benchmarks (one JSON line per model)"
    )
    ap.add_argument("--dataset", required=True, choices=["elec2", "nsl", "sea", "regression"])
    ap.add_argument("--models", default="logreg,gnb", help=f"comma-separated: {', '.join(TASKS)}")
    ap.add_argument("--limit", type=int, default=None, help="run on the first N rows only")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per model (fresh model each); the fastest counts"
    )
    ap.add_argument(
        "--data-dir", type=Path, default=None, help="default: $STREAMLEARN_DATA or ../shared/data"
    )
    ap.add_argument("--file", type=Path, default=None, help="the CSV file of --dataset sea / regression")
    ap.add_argument("--target", default=None, help="the target column of --dataset regression")
    ap.add_argument(
        "--no-preprocess",
        action="store_true",
        help="no scaler / one-hot encoder: the models get the numeric features as they are",
    )
    args = ap.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for name in models:
        if name not in TASKS:
            ap.error(f"unknown model {name!r}; choose from: {', '.join(TASKS)}")

    import river

    data_dir = args.data_dir or default_data_dir()
    t0 = time.perf_counter()
    rows: list
    if args.dataset in ("sea", "regression"):
        if args.file is None:
            ap.error(f"--dataset {args.dataset} needs --file (a CSV written by benchmarks/run.py)")
        if args.dataset == "sea":
            rows = read_sea_csv(args.file)
        else:
            if not args.target:
                ap.error("--dataset regression needs --target")
            rows = read_regression_csv(args.file, args.target)
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

    done: dict[str, dict] = {}
    for name in models:
        base = SAME_AS.get(name, name)
        if base in done:
            result = {**done[base], "same_run_as": base}
        else:
            task = TASKS[name]
            runs = [
                prequential(
                    rows,
                    river_model(name, preprocess=not args.no_preprocess),
                    f"river {args.dataset}/{name} (run {i + 1}/{args.repeat})",
                    task,
                )
                for i in range(max(args.repeat, 1))
            ]
            result = min(runs, key=lambda r: r["seconds"])
            result["all_seconds"] = [r["seconds"] for r in runs]
            done[base] = result
        record = {
            "library": "river",
            "version": river.__version__,
            "dataset": args.dataset,
            "model": name,
            "task": TASKS[name],
            **result,
            "n_total": n_total,
            "limited": len(rows) < n_total,
            "load_seconds": load_seconds,
        }
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
