"""streamlearn and River side by side, in one run, on the same data.

For every selected (dataset, model) pair this script

1. runs River in the peer environment (benchmarks/.peers/venv, made on first
   use by peers_env.py) through peer_runner.py: data in memory, one record at
   a time, ``predict_one`` then ``learn_one``, only that loop timed;
2. runs ``streamlearn evaluate --data NAME --model NAME --json`` in the
   project environment, twice: the second run (warm numba cache) is reported,
   the first run's compile time is shown beside it;
3. writes a markdown report with accuracy, rows/s, the speed ratio and the
   accuracy difference to benchmarks/results/NAME.md, and every raw
   measurement as JSON lines to benchmarks/results/raw/NAME.jsonl.

Run it with ``make bench`` or ``.venv/bin/python benchmarks/run.py --help``.
Progress goes to stderr. Runs are strictly sequential (never two measurements
at once), so that they do not disturb each other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import peers_env

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
DATA_CACHE = peers_env.PEERS_DIR / "data"

# Targets of issue 2: streamlearn at least 20x River's rows/s, accuracy no more than 0.5 points lower.
TARGET_SPEEDUP = 20.0
TARGET_ACC_POINTS = 0.5

SEA_SEED = 42
SEA_THRESHOLDS = (8.0, 9.0, 7.0, 9.5)
SEA_NOISE = 0.10


@dataclass(frozen=True)
class Dataset:
    key: str  # name used in --only and the report
    title: str
    peer: str  # peer_runner --dataset
    streamlearn: str  # streamlearn evaluate --data (a name or, for generated data, filled in at run time)
    generated: bool = False


@dataclass(frozen=True)
class Model:
    key: str
    streamlearn: str
    river: str  # how the River pipeline is built (for the report)


DATASETS = {
    "elec2": Dataset("elec2", "Elec2 (45,312 rows, MOA normalised)", "elec2", "elec2"),
    "nsl": Dataset("nsl", "NSL-KDD KDDTrain+ (125,973 rows), binary normal vs attack", "nsl", "nsl-kdd"),
    "sea1m": Dataset("sea1m", "SEA concepts stream", "sea", "", generated=True),
}
MODELS = {
    "logreg": Model(
        "logreg",
        "logistic_regression",
        "(SelectType(num) | StandardScaler + SelectType(str) | OneHotEncoder) | LogisticRegression()",
    ),
    "gnb": Model("gnb", "gaussian_nb", "SelectType(num) | GaussianNB()"),
}

# The River figures quoted in issue 2 (measured with ../shared/peers/peers.py), for a sanity check.
ISSUE_RIVER = {
    ("elec2", "logreg"): (0.842, 16_500),
    ("elec2", "gnb"): (0.729, 2_700),
    ("nsl", "logreg"): (0.968, 4_800),
    ("nsl", "gnb"): (0.846, 3_400),
}


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def data_dir() -> Path:
    env = os.environ.get("STREAMLEARN_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


# --------------------------------------------------------------------------- SEA stream


def sea_file(rows: int, seed: int = SEA_SEED) -> Path:
    """Write (once) the SEA stream both sides read, and return its path.

    SEA concepts (Street and Kim, KDD 2001): three features drawn uniformly from
    [0, 10) and rounded to 6 decimals; the stream is cut into four equal
    concepts with thresholds 8, 9, 7 and 9.5; label = 1 when x1 + x2 <= the
    concept's threshold (x3 is irrelevant); then 10% of the labels are flipped
    (noise). Random numbers: numpy.random.default_rng(seed), first the (rows, 3)
    features, then rows uniforms for the noise.
    """
    path = DATA_CACHE / f"sea_{rows}_seed{seed}.csv"
    if path.exists():
        return path
    say(f"writing the SEA stream ({rows:,} rows, seed {seed}) to {path}")
    rng = np.random.default_rng(seed)
    X = np.round(rng.uniform(0.0, 10.0, size=(rows, 3)), 6)
    concept = (np.arange(rows) * len(SEA_THRESHOLDS)) // rows
    y = X[:, 0] + X[:, 1] <= np.asarray(SEA_THRESHOLDS)[concept]
    y ^= rng.random(rows) < SEA_NOISE
    DATA_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    table = np.column_stack([X, y.astype(np.float64)])
    np.savetxt(
        tmp, table, fmt=["%.6f", "%.6f", "%.6f", "%d"], delimiter=",", header="x1,x2,x3,label", comments=""
    )
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- running the sides


@dataclass
class Pair:
    dataset: Dataset
    model: Model
    river: dict | None = None
    river_error: str | None = None
    sl_runs: list[dict] = field(default_factory=list)
    sl_error: str | None = None
    sl_same_rows: dict | None = None  # streamlearn with --limit = River's n, when River was limited


def run_peers(
    ds: Dataset, models: list[Model], limit: int | None, sea_path: Path | None, repeat: int
) -> tuple[list, str]:
    cmd = [str(peers_env.python()), str(HERE / "peer_runner.py"), "--dataset", ds.peer]
    cmd += ["--models", ",".join(m.key for m in models), "--data-dir", str(data_dir())]
    cmd += ["--repeat", str(repeat)]
    if limit:
        cmd += ["--limit", str(limit)]
    if sea_path is not None:
        cmd += ["--file", str(sea_path)]
    say(f"River {ds.key}: {' '.join(m.key for m in models)}" + (f" (first {limit:,} rows)" if limit else ""))
    res = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # progress (stderr) passes through
    records = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    error = (
        "" if res.returncode == 0 else f"peer_runner exited with {res.returncode} (see its messages above)"
    )
    return records, error


def streamlearn_command() -> list[str] | None:
    exe = Path(sys.executable).parent / "streamlearn"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("streamlearn")
    return [found] if found else None


def _show(cmd: list[str]) -> str:
    """A command for the report, with paths inside the repository made relative to it."""
    return shlex.join(os.path.relpath(c, REPO) if c.startswith(str(REPO)) else c for c in cmd)


def run_streamlearn(base: list[str], data: str, model: Model, extra: list[str]) -> tuple[dict | None, str]:
    cmd = [*base, "evaluate", "--data", data, "--model", model.streamlearn, "--json", *extra]
    env = {**os.environ, "STREAMLEARN_DATA": str(data_dir())}
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        lines = res.stderr.strip().splitlines() or res.stdout.strip().splitlines() or ["(no output)"]
        return None, f"`{_show(cmd[1:])}` exited with {res.returncode}: {lines[-1].strip()[:300]}"
    for line in reversed(res.stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                out = json.loads(line)
            except ValueError:
                continue
            out["wall_seconds"] = wall
            return out, ""
    return None, f"`{_show(cmd[1:])}` printed no JSON line; stdout ends: {res.stdout.strip()[-300:]!r}"


# --------------------------------------------------------------------------- report


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def _rps(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def sl_accuracy(run: dict) -> float | None:
    acc = (run.get("metrics") or {}).get("accuracy")
    return None if acc is None else float(acc)


def table_row(p: Pair) -> str:
    r = p.river
    sl = p.sl_runs[-1] if p.sl_runs else None
    r_acc = r["accuracy"] if r else None
    r_rps = r["rows_per_second"] if r else None
    limited = bool(r and r.get("limited"))
    dagger = "†" if limited else ""
    s_acc = sl_accuracy(sl) if sl else None
    # The accuracy difference compares the same rows: when River ran on the first n rows only,
    # streamlearn's accuracy over those n rows (a run with --limit n) is used.
    s_acc_same = sl_accuracy(p.sl_same_rows) if limited and p.sl_same_rows else (None if limited else s_acc)
    s_rps = sl.get("rows_per_second") if sl else None
    ratio = diff = None
    met = "n/a"
    if r_rps and s_rps:
        ratio = s_rps / r_rps
    if r_acc is not None and s_acc_same is not None:
        diff = 100 * (s_acc_same - r_acc)
    if ratio is not None and diff is not None:
        misses = [
            w
            for w, ok in (("speed", ratio >= TARGET_SPEEDUP), ("accuracy", diff >= -TARGET_ACC_POINTS))
            if not ok
        ]
        met = ("yes" if not misses else f"no ({', '.join(misses)})") + dagger
    compile_s = p.sl_runs[0].get("compile_seconds") if p.sl_runs else None
    first = "—" if compile_s is None else f"{compile_s:.2f}"
    cells = [
        p.model.key,
        _pct(r_acc) + dagger,
        _rps(r_rps) + (f" (n={r['n']:,})" if limited and r else ""),
        _pct(s_acc),
        _rps(s_rps),
        "—" if ratio is None else f"{ratio:,.1f}x",
        "—" if diff is None else f"{round(diff, 2) + 0.0:+.2f}",
        met,
        first,
    ]
    return "| " + " | ".join(cells) + " |"


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {"nproc": nproc, "cpu": cpu, "loadavg_at_start": load, "os": platform.platform()}


def project_versions() -> dict:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in ("streamlearn", "numpy", "numba"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True)
        out["git"] = rev.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        out["git"] = None
    return out


def write_report(path: Path, pairs: list[Pair], meta: dict) -> None:
    stamp = meta["peer_env"] or {}
    pv = stamp.get("versions", {})
    sv = meta["streamlearn_versions"]
    lines = [
        f"# streamlearn vs River: {meta['title']}",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {meta['machine']['nproc']} CPUs ({meta['machine']['cpu']}), "
        f"{meta['machine']['os']}; load average at start {meta['machine']['loadavg_at_start']}, "
        f"at the end {meta['loadavg_at_end']}",
        f"- streamlearn {sv.get('streamlearn')} (git {sv.get('git')}), numpy {sv.get('numpy')}, "
        f"numba {sv.get('numba')}, Python {sv.get('python')}",
        f"- Peers (benchmarks/.peers/venv, Python {stamp.get('python', '?')}): River {pv.get('river')}, "
        f"pandas {pv.get('pandas')}, numpy {pv.get('numpy')}; CapyMOA: {stamp.get('capymoa_status', '?')}",
        f"- Command: `{meta['command']}`",
        f"- Data: {meta['data_dir']}",
        f"- Wall time of the whole run: {meta['wall_seconds']:.0f} s",
    ]
    lines += [f"- Note: {n}" for n in stamp.get("notes", [])]
    lines += [
        "",
        "Prequential (test-then-train) accuracy over the whole stream and rows per second of the",
        "predict-then-learn loop. River: one record at a time (`predict_one`, `learn_one`) on data",
        "already in memory as dicts; only the loop is timed. streamlearn: `streamlearn evaluate ... --json`,",
        f"run {meta['repeat']} times, the last run is reported (warm numba cache); its `seconds` excludes",
        "reading the data (`read_seconds`). Speed ratio = streamlearn rows/s / River rows/s. Target:",
        f"ratio >= {TARGET_SPEEDUP:g}x and streamlearn accuracy >= River accuracy"
        f" - {TARGET_ACC_POINTS} points.",
        "The last column is the first run's `compile_seconds` (compiling the kernels, or loading them",
        "from numba's on-disk cache when an earlier run left them there).",
    ]
    if any(p.river and p.river.get("limited") for p in pairs):
        lines += [
            "",
            "† River ran on the first n rows only (`--peer-limit`): its rows/s comes from those rows and its",
            "accuracy covers those rows only. The accuracy difference then compares the same rows: it uses",
            "streamlearn's accuracy over the first n rows (one more run with `--limit n`), while the",
            "streamlearn acc and rows/s columns are over the whole stream.",
        ]
    header = (
        "| model | River acc | River rows/s | streamlearn acc | streamlearn rows/s | speed ratio "
        "| acc diff (points) | target met | sl compile s (1st run) |"
    )
    for key in DATASETS:
        group = [p for p in pairs if p.dataset.key == key]
        if not group:
            continue
        title = meta["titles"].get(key, group[0].dataset.title)
        lines += ["", f"## {key}: {title}", "", header, "|" + "---|" * 9]
        lines += [table_row(p) for p in group]
        for p in group:
            if p.river_error:
                lines.append(f"\n- {p.model.key}, River: {p.river_error}")
            if p.sl_error:
                lines.append(f"\n- {p.model.key}, streamlearn: {p.sl_error}")
        shares = {
            p.model.key: p.river["cpu_seconds"] / p.river["seconds"]
            for p in group
            if p.river and p.river.get("cpu_seconds") and p.river.get("seconds")
        }
        if shares:
            busy = min(shares.values()) < 0.9
            lines += [
                "",
                "River CPU time / wall time of the timed loop: "
                + ", ".join(f"{k} {v:.2f}" for k, v in shares.items())
                + (
                    " (below 0.9: the run waited for a core on a busy machine; its rows/s is low)."
                    if busy
                    else "."
                ),
            ]
        river_models = "; ".join(f"{p.model.key} = {p.model.river}" for p in group)
        lines += ["", f"River pipelines: {river_models}."]
        data = _show([meta["sl_data"][key]]) + (" --target label" if DATASETS[key].generated else "")
        sl = [f"`--data {data} --model {p.model.streamlearn}`" for p in group]
        lines += [f"streamlearn: {', '.join(sl)}."]
    checks = [
        p
        for p in pairs
        if (p.dataset.key, p.model.key) in ISSUE_RIVER and p.river and not p.river.get("limited")
    ]
    if checks:
        lines += [
            "",
            "## River now vs the figures quoted in issue 2",
            "",
            "| dataset/model | River acc (now) | River acc (issue) "
            "| River rows/s (now) | River rows/s (issue) |",
            "|---|---|---|---|---|",
        ]
        for p in checks:
            acc, rps = ISSUE_RIVER[(p.dataset.key, p.model.key)]
            r = p.river or {}
            lines.append(
                f"| {p.dataset.key}/{p.model.key} | {_pct(r['accuracy'])} | {_pct(acc)} "
                f"| {_rps(r['rows_per_second'])} | {_rps(rps)} |"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- main


def parse_limits(values: list[str]) -> dict[str, int]:
    """``--peer-limit N`` (every dataset) or ``--peer-limit DATASET=N``; later values win."""
    out: dict[str, int] = {}
    for v in values:
        key, _, num = v.rpartition("=")
        try:
            n = int(num.replace("_", "").replace(",", ""))
        except ValueError:
            raise SystemExit(
                f"run.py: --peer-limit {v!r}: expected N or DATASET=N with N an integer"
            ) from None
        if key and key not in DATASETS:
            raise SystemExit(
                f"run.py: --peer-limit {v!r}: unknown dataset {key!r}; choose from {', '.join(DATASETS)}"
            )
        for k in [key] if key else list(DATASETS):
            out[k] = n
    return out


def select(only: list[str]) -> list[tuple[Dataset, Model]]:
    pairs = [(d, m) for d in DATASETS.values() for m in MODELS.values()]
    if not only:
        return pairs
    chosen = []
    for d, m in pairs:
        for pat in only:
            ds_pat, _, m_pat = pat.partition("/")
            if fnmatch.fnmatch(d.key, ds_pat) and fnmatch.fnmatch(m.key, m_pat or "*"):
                chosen.append((d, m))
                break
    if not chosen:
        names = ", ".join(f"{d.key}/{m.key}" for d, m in pairs)
        raise SystemExit(f"run.py: --only {' '.join(only)} matches nothing; pairs: {names}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Run streamlearn and River side by side; write markdown tables to benchmarks/results/.",
        epilog="Example: .venv/bin/python benchmarks/run.py --only elec2 --only nsl/gnb "
        "--peer-limit sea1m=200000",
    )
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="DATASET[/MODEL]",
        help=f"run only these pairs (glob patterns, repeatable); datasets: {', '.join(DATASETS)}; "
        f"models: {', '.join(MODELS)}",
    )
    ap.add_argument(
        "--quick", action="store_true", help="smoke run: River on 5,000 rows, SEA with 100,000 rows"
    )
    ap.add_argument(
        "--peer-limit",
        action="append",
        default=[],
        metavar="[DATASET=]N",
        help="run River on the first N rows only (rows/s from those rows; accuracy then marked †)",
    )
    ap.add_argument("--sea-rows", type=int, default=None, help="rows of the SEA stream (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=2, help="streamlearn runs per pair; the last is reported")
    ap.add_argument(
        "--peer-repeat", type=int, default=1, help="River runs per pair; the fastest is reported (default 1)"
    )
    ap.add_argument("--peers-only", action="store_true", help="run only the River side")
    ap.add_argument("--streamlearn-only", action="store_true", help="run only the streamlearn side")
    ap.add_argument(
        "--no-capymoa", action="store_true", help="do not install CapyMOA when creating the peer env"
    )
    ap.add_argument("--name", default=None, help="report name (default issue2_river; _quick/_partial added)")
    ap.add_argument(
        "--sl-command",
        default=None,
        metavar="CMD",
        help="the streamlearn command to call (default: `streamlearn` beside this Python, then on PATH)",
    )
    ap.add_argument(
        "--sl-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument appended to every `streamlearn evaluate` call (repeatable)",
    )
    args = ap.parse_args(argv)
    if args.peers_only and args.streamlearn_only:
        ap.error("--peers-only and --streamlearn-only exclude each other")
    if args.repeat < 1 or args.peer_repeat < 1:
        ap.error("--repeat and --peer-repeat must be at least 1")

    t_start = time.perf_counter()
    machine = machine_info()
    chosen = select(args.only)
    limits = parse_limits((["5000"] if args.quick else []) + args.peer_limit)
    sea_rows = args.sea_rows or (100_000 if args.quick else 1_000_000)
    name = args.name or "issue2_river" + ("_quick" if args.quick else "") + ("_partial" if args.only else "")
    if not data_dir().is_dir():
        raise SystemExit(f"run.py: data directory {data_dir()} not found; set STREAMLEARN_DATA")

    peer_stamp = None
    if not args.streamlearn_only:
        say("peer environment: checking benchmarks/.peers/venv")
        try:
            peer_stamp = peers_env.ensure(with_capymoa=not args.no_capymoa, echo=say)
        except RuntimeError as exc:
            raise SystemExit(f"run.py: the peer environment could not be made: {exc}") from exc
        say(f"peer environment: River {peer_stamp['versions'].get('river')}")
    else:
        peer_stamp = peers_env.read_stamp()

    sl_base = None
    sl_missing = None
    if not args.peers_only:
        sl_base = shlex.split(args.sl_command) if args.sl_command else streamlearn_command()
        if sl_base is None:
            sl_missing = (
                f"the `streamlearn` command is not installed (looked beside {sys.executable} and on PATH)"
            )
            say(f"warning: {sl_missing}; only River will be measured")

    pairs = [Pair(d, m) for d, m in chosen]
    sl_data: dict[str, str] = {}
    titles: dict[str, str] = {}
    raw: list[dict] = []
    for key, ds in DATASETS.items():
        group = [p for p in pairs if p.dataset.key == key]
        if not group:
            continue
        sea_path = sea_file(sea_rows) if ds.generated else None
        sl_data[key] = str(sea_path) if sea_path else ds.streamlearn
        sl_args = ["--target", "label"] if sea_path else []
        if sea_path:
            titles[key] = f"SEA concepts stream ({sea_rows:,} rows, seed {SEA_SEED}, file {sea_path.name})"
        if not args.streamlearn_only:
            records, error = run_peers(
                ds, [p.model for p in group], limits.get(key), sea_path, args.peer_repeat
            )
            for p in group:
                rec = next((r for r in records if r["model"] == p.model.key), None)
                p.river = rec
                if rec is None:
                    p.river_error = error or "no result"
                else:
                    raw.append({"side": "river", "bench": f"{key}/{p.model.key}", **rec})
                    acc, rps = rec["accuracy"], rec["rows_per_second"]
                    say(f"River {key}/{p.model.key}: acc {acc:.4f}, {rps:,.0f} rows/s")
        if args.peers_only:
            continue
        for p in group:
            if sl_base is None:
                p.sl_error = sl_missing
                continue
            for i in range(args.repeat):
                say(f"streamlearn {key}/{p.model.key}: run {i + 1}/{args.repeat}")
                out, error = run_streamlearn(sl_base, sl_data[key], p.model, [*sl_args, *args.sl_arg])
                if out is None:
                    p.sl_error = error
                    say(f"streamlearn {key}/{p.model.key}: FAILED: {error}")
                    break
                p.sl_runs.append(out)
                raw.append({"side": "streamlearn", "bench": f"{key}/{p.model.key}", "run": i + 1, **out})
                say(
                    f"streamlearn {key}/{p.model.key} run {i + 1}: acc {sl_accuracy(out)}, "
                    f"{out.get('rows_per_second', 0):,.0f} rows/s, compile {out.get('compile_seconds')} s"
                )
            if p.sl_runs and p.river and p.river.get("limited"):
                n = p.river["n"]
                say(f"streamlearn {key}/{p.model.key}: accuracy over the first {n:,} rows (as River)")
                extra = [*sl_args, *args.sl_arg, "--limit", str(n)]
                out, error = run_streamlearn(sl_base, sl_data[key], p.model, extra)
                if out is None:
                    p.sl_error = error
                else:
                    p.sl_same_rows = out
                    raw.append(
                        {"side": "streamlearn", "bench": f"{key}/{p.model.key}", "run": "same-rows", **out}
                    )

    command = shlex.join(
        [os.path.relpath(sys.executable, REPO), os.path.relpath(__file__, REPO), *sys.argv[1:]]
    )
    meta = {
        "title": "issue 2 (linear model and Gaussian naive Bayes)"
        + (" — quick smoke run" if args.quick else ""),
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine,
        "streamlearn_versions": project_versions(),
        "peer_env": peer_stamp,
        "command": command,
        "data_dir": str(data_dir()),
        "repeat": args.repeat,
        "sl_data": sl_data,
        "titles": titles,
        "wall_seconds": time.perf_counter() - t_start,
        "loadavg_at_end": machine_info()["loadavg_at_start"],
    }
    report = RESULTS / f"{name}.md"
    write_report(report, pairs, meta)
    raw_path = RESULTS / "raw" / f"{name}.jsonl"
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    header = {"side": "meta", **{k: meta[k] for k in ("date", "machine", "streamlearn_versions", "command")}}
    header["peer_versions"] = (peer_stamp or {}).get("versions")
    raw_path.write_text("".join(json.dumps(r) + "\n" for r in [header, *raw]))
    say(f"wrote {os.path.relpath(report, REPO)} and {os.path.relpath(raw_path, REPO)}")
    print(report.read_text())
    failed = [p for p in pairs if p.river_error or (p.sl_error and p.sl_error != sl_missing)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
