"""Forecasting benchmark (issue 4, traffic forecasting): streamlearn's forecasters, and River's as peers.

Series: NAB's ``realTraffic`` (7 series: speed, occupancy and travel time of
road sensors) and ``realAWSCloudwatch`` (network in: ``ec2_network_in_*`` and
``iio_*_NetworkIn``; with ``--aws all`` also the CPU, disk, ELB and ASG series
of that folder), read with ``streamlearn.datasets.nab(..., timestamp=True)``.

Each series is put on a regular time grid: the sampling interval is the median
gap between timestamps (300 s for most series, 600 s for the travel times); a
value goes to the slot nearest to its time (values falling into the same slot
are averaged) and an empty slot is missing (NaN). The daily season is
``round(86400 / interval)`` slots (288 for 5-minute data). ``--mode rows``
uses the rows as recorded instead (then a "day" is 288 rows only where the
sampling is regular; the traffic series have gaps).

Every model runs test-then-train over the whole series: before learning row
``t`` it forecasts the next ``H = max(horizons)`` values; the forecast for
step ``h`` is scored against ``y[t + h - 1]`` (MAE and RMSE; slots without a
value are not scored) with :func:`streamlearn.time_series.evaluate_forecaster`.
Rows/s is rows (forecast ``H`` steps, then learn) per second of model time,
the fastest of ``--repeat`` runs after a warm-up that compiles the kernels.

Models (``--models``, names from streamlearn's registry, plus ``naive``):

- ``naive``: ``SeasonalNaive(season=1)`` (the last value);
- ``seasonal_naive``: ``SeasonalNaive(season=daily)``;
- ``ses``: ``HoltWinters(alpha=0.5, beta=None)``: simple exponential smoothing
  (level only), for reference;
- ``holt_winters``: ``HoltWinters(alpha=0.5, beta=None, gamma=0.1, season=daily)``:
  level and additive daily season, no trend;
- ``holt_winters_trend``: the same with a slowly adapting trend, ``beta=0.01``
  (River's Holt-Winters cannot have a season without a trend: this is the
  configuration compared with it);
- ``lstm`` and ``gru``: ``RNNForecaster(cell=..., hidden=32, window=24, horizon=H,
  batch_size=16, dtype="float32", seed=1)``: online recurrent networks (streamlearn.nn,
  torch on one thread) that read the last 24 slots and forecast the next ``H``
  directly, learning in micro-batches of 16 examples;
- any other registered forecaster (e.g. ``rnn_forecaster``) with its default
  parameters (its ``season`` is set to the daily season when it has one); a
  name that is not registered is skipped with a note in the report.

``--set MODEL.PARAM=VALUE`` overrides a parameter (JSON value), e.g.
``--set holt_winters.alpha=0.3``.

Peers: when River is importable in ``benchmarks/.peers/venv`` (made by
``peers_env.py``; this script never creates it), the same grid series run
through River's ``time_series.HoltWinters`` (the alpha, beta, gamma and
season of ``holt_winters_trend``) and ``time_series.SNARIMAX`` (``p=3, d=0, q=0, m=daily, sp=1``,
regressor ``StandardScaler() | TargetStandardScaler(LinearRegression(optimizer=SGD(0.001)))``;
with River's default regressor, or d=1, or a learning rate of 0.01 it diverged on these series) in
that interpreter (this file, ``--peer-worker``: stdlib, numpy and River only),
one record at a time (``forecast(H)`` then ``learn_one``), only that loop
timed. A missing slot is fed to River as its own one-step forecast (for
Holt-Winters exactly what streamlearn's HoltWinters does with NaN); before
River's Holt-Winters is initialised (``forecast`` fails) its forecast is the
last observed value, as streamlearn's is.

Usage::

    .venv/bin/python benchmarks/forecasting.py                 # everything, report issue4_forecasting
    .venv/bin/python benchmarks/forecasting.py --models seasonal_naive,holt_winters,rnn_forecaster
    .venv/bin/python benchmarks/forecasting.py --quick         # 2 series, no SNARIMAX
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
DAY = 86400.0

TRAFFIC = "realTraffic"
AWS = "realAWSCloudwatch"
NETWORK_PATTERNS = ("ec2_network_in_*", "iio_*NetworkIn*")
DEFAULT_MODELS = "naive,seasonal_naive,ses,holt_winters,holt_winters_trend,lstm,gru"
DAILY = "daily"  # replaced by the series' daily season
HORIZON = "horizon"  # replaced by the run's largest horizon H
# Benchmark names -> (registry name, parameters).
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "naive": ("seasonal_naive", {"season": 1}),
    "seasonal_naive": ("seasonal_naive", {"season": DAILY}),
    "ses": ("holt_winters", {"alpha": 0.5, "beta": None}),
    "holt_winters": ("holt_winters", {"alpha": 0.5, "beta": None, "gamma": 0.1, "season": DAILY}),
    "holt_winters_trend": ("holt_winters", {"alpha": 0.5, "beta": 0.01, "gamma": 0.1, "season": DAILY}),
    # online recurrent forecasters: the last 24 slots in, the next H out (direct multi-step)
    **{
        cell: (
            "rnn_forecaster",
            {
                "cell": cell,
                "hidden": 32,
                "window": 24,
                "horizon": HORIZON,
                "batch_size": 16,
                "dtype": "float32",
                "seed": 1,
            },
        )
        for cell in ("lstm", "gru")
    },
}
# Which streamlearn configuration each River model is compared with.
PEER_PAIRS = {"river_holt_winters": "holt_winters_trend", "river_snarimax": "holt_winters"}
SNARIMAX_ORDER = {"p": 3, "d": 0, "q": 0, "sp": 1, "sd": 0, "sq": 0}
SNARIMAX_REGRESSOR = "StandardScaler() | TargetStandardScaler(LinearRegression(optimizer=SGD(0.001)))"


def say(msg: str) -> None:
    print(f"[forecast-bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- scoring


def score(F: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MAE, RMSE and count per step of forecasts ``F`` (n, H) made before each row of ``y`` (n,).

    The same rule as ``evaluate_forecaster``: ``F[t, j]`` against ``y[t + j]``, pairs with a NaN
    truth or a NaN forecast skipped.
    """
    n, H = F.shape
    mae, rmse, count = np.full(H, np.nan), np.full(H, np.nan), np.zeros(H, dtype=np.int64)
    for j in range(H):
        e = y[j:] - F[: n - j, j]
        e = e[~np.isnan(e)]
        count[j] = len(e)
        if len(e):
            mae[j] = np.abs(e).mean()
            rmse[j] = math.sqrt((e**2).mean())
    return mae, rmse, count


# --------------------------------------------------------------------------- peer worker (River)


def peer_worker(argv: list[str]) -> int:
    """Runs inside the peer environment: River only. ``--peer-worker IN.json OUT_DIR``."""
    import river
    from river import linear_model, optim, preprocessing, time_series

    spec = json.loads(Path(argv[0]).read_text())
    out_dir = Path(argv[1])
    H = int(spec["horizon"])
    hw = spec["hw"]
    for i, s in enumerate(spec["series"]):
        values = [math.nan if v is None else float(v) for v in s["values"]]
        m = int(s["season"])
        for name in spec["models"]:
            if name == "river_holt_winters":
                model = time_series.HoltWinters(
                    alpha=hw["alpha"], beta=hw["beta"], gamma=hw["gamma"], seasonality=m
                )
            elif name == "river_snarimax":
                regressor = preprocessing.StandardScaler() | preprocessing.TargetStandardScaler(
                    linear_model.LinearRegression(optimizer=optim.SGD(0.001))
                )
                model = time_series.SNARIMAX(m=m, regressor=regressor, **spec["snarimax"])
            else:
                raise SystemExit(f"peer worker: unknown model {name!r}")
            F = np.full((len(values), H), np.nan)
            last = math.nan
            rec: dict[str, Any] = {"series": s["name"], "model": name, "river": river.__version__}
            c0, t0 = time.process_time(), time.perf_counter()
            try:
                for t, v in enumerate(values):
                    try:
                        f = model.forecast(H)
                    except (IndexError, ValueError, ZeroDivisionError, KeyError):
                        f = [last] * H  # not initialised yet: the last observed value
                    F[t] = [math.nan if x is None else x for x in f]
                    if v != v:  # missing: learn the one-step forecast (or the last value)
                        v = f[0] if (f[0] is not None and f[0] == f[0]) else last
                        if v != v:
                            continue
                    else:
                        last = v
                    model.learn_one(v)
            except Exception as exc:  # a peer failing on a series is reported, not fatal
                rec["error"] = f"{type(exc).__name__} at row {t}: {exc}"
            rec["seconds"], rec["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
            np.save(out_dir / f"{i}_{name}.npy", F)
            print(json.dumps(rec), flush=True)
            print(f"[peer] {s['name']} {name}: {len(values) / rec['seconds']:,.0f} rows/s", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- data


@dataclass
class Series:
    name: str
    group: str
    values: np.ndarray  # grid (or rows) values, NaN = missing
    n_rows: int  # rows in the file
    interval: float  # seconds
    season: int


def nab_names(aws: str) -> list[tuple[str, str]]:
    from streamlearn.datasets import nab_series

    out = [(s, "realTraffic") for s in nab_series(TRAFFIC)]
    for s in nab_series(AWS):
        base = s.split("/", 1)[1]
        if any(fnmatch.fnmatch(base, p) for p in NETWORK_PATTERNS):
            out.append((s, "realAWSCloudwatch network"))
        elif aws == "all":
            out.append((s, "realAWSCloudwatch other"))
    return out


def load(name: str, group: str, mode: str) -> Series:
    from streamlearn.datasets import nab

    X, _, _ = nab(name, timestamp=True).to_arrays()
    t, v = X[:, 0], X[:, 1]
    interval = float(np.median(np.diff(np.sort(t))))
    season = max(1, round(DAY / interval))
    if mode == "rows":
        return Series(name, group, v.copy(), len(v), interval, season)
    slot = np.round((t - t.min()) / interval).astype(np.int64)
    sums = np.zeros(slot.max() + 1)
    counts = np.zeros(slot.max() + 1)
    ok = ~np.isnan(v)
    np.add.at(sums, slot[ok], v[ok])
    np.add.at(counts, slot[ok], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        grid = np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)
    return Series(name, group, grid, len(v), interval, season)


# --------------------------------------------------------------------------- streamlearn side


@dataclass
class Result:
    series: str
    group: str
    model: str
    mae: list[float] = field(default_factory=list)
    rmse: list[float] = field(default_factory=list)
    n_scored: list[int] = field(default_factory=list)
    n: int = 0
    seconds: float = math.nan
    all_seconds: list[float] = field(default_factory=list)
    params: str = ""
    history: list[dict] = field(default_factory=list)  # cumulative snapshots (evaluate_forecaster)


def build(name: str, season: int, sets: dict[str, dict[str, Any]], horizon: int = 12) -> Any:
    """A fresh model by benchmark name; KeyError when the registry does not know it."""
    from streamlearn.base.registry import registry

    classes = registry()
    if name in CONFIGS:
        reg, preset = CONFIGS[name]
        cls = classes[reg]
        fill = {DAILY: season, HORIZON: horizon}
        params = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in preset.items()}
    else:
        cls = classes[name]
        params = {"season": season} if "season" in cls._param_names() else {}
    params.update(sets.get(name, {}))
    return cls(**params)


def run_streamlearn(s: Series, name: str, H: int, every: int, repeat: int, sets: dict) -> Result:
    from streamlearn.time_series import evaluate_forecaster

    best = None
    times = []
    for _ in range(repeat):
        model = build(name, s.season, sets, H)
        # chunks of at most 1/40 of the series, so that the snapshots resolve its quarters (over time)
        chunk = min(every, max(100, len(s.values) // 40))
        report = evaluate_forecaster(model, s.values, horizon=H, every=chunk)
        times.append(report.seconds)
        if best is None or report.seconds < best.seconds:
            best = report
    assert best is not None
    return Result(
        s.name,
        s.group,
        name,
        best.mae,
        best.rmse,
        best.n_scored,
        best.n,
        best.seconds,
        times,
        repr(build(name, s.season, sets, H)),
        best.history,
    )


def warm_up(names: list[str], sets: dict) -> dict[str, float]:
    """Compile (or load from numba's cache) each model's kernels; seconds per model."""
    from streamlearn.time_series import evaluate_forecaster

    out = {}
    y = np.sin(np.arange(400) / 7.0)
    y[5] = np.nan
    for name in names:
        t0 = time.perf_counter()
        evaluate_forecaster(build(name, 12, sets, 3), y, horizon=3, every=100)
        out[name] = time.perf_counter() - t0
    return out


# --------------------------------------------------------------------------- peers


def river_available() -> tuple[bool, str]:
    import peers_env

    py = peers_env.python()
    if not py.exists():
        return (
            False,
            f"no peer environment at {os.path.relpath(peers_env.VENV, REPO)} (make it with peers_env.py)",
        )
    res = subprocess.run([str(py), "-c", "import river"], capture_output=True, text=True)
    if res.returncode != 0:
        return False, f"River is not importable in the peer environment: {res.stderr.strip()[-200:]}"
    return True, ""


def run_peers(series: list[Series], models: list[str], H: int, hw: dict) -> tuple[list[Result], list[str]]:
    import peers_env

    with tempfile.TemporaryDirectory() as d:
        spec = {
            "horizon": H,
            "models": models,
            "hw": hw,
            "snarimax": SNARIMAX_ORDER,
            "series": [
                {
                    "name": s.name,
                    "season": s.season,
                    "values": [None if v != v else float(v) for v in s.values],
                }
                for s in series
            ],
        }
        inp = Path(d) / "in.json"
        inp.write_text(json.dumps(spec))
        cmd = [str(peers_env.python()), str(Path(__file__).resolve()), "--peer-worker", str(inp), d]
        say(f"River: {', '.join(models)} on {len(series)} series")
        res = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        results = []
        failures: list[str] = []
        for line in res.stdout.splitlines():
            if not line.startswith("{"):
                continue
            rec = json.loads(line)
            if "error" in rec:
                failures.append(f"River {rec['model']} failed on {rec['series']}: {rec['error']}")
                continue
            i = next(k for k, s in enumerate(series) if s.name == rec["series"])
            F = np.load(Path(d) / f"{i}_{rec['model']}.npy")
            mae, rmse, count = score(F, series[i].values)
            r = Result(series[i].name, series[i].group, rec["model"], mae.tolist(), rmse.tolist())
            r.n_scored, r.n, r.seconds = count.tolist(), len(series[i].values), rec["seconds"]
            r.all_seconds = [rec["seconds"]]
            r.params = f"river {rec['river']}"
            results.append(r)
        if res.returncode != 0:
            failures.append(f"the peer worker exited with {res.returncode}")
    return results, failures


# --------------------------------------------------------------------------- report


def _num(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    a = abs(x)
    if a >= 1e5:
        return f"{x:.3e}"
    if a >= 100:
        return f"{x:,.1f}"
    return f"{x:.4g}"


def _rps(n: float, s: float) -> str:
    return "—" if not s or not math.isfinite(s) else f"{n / s:,.0f}"


def _gmean(xs: list[float]) -> float:
    xs = [x for x in xs if x is not None and math.isfinite(x) and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else math.nan


def summary_rows(results: list[Result], models: list[str], horizons: list[int]) -> list[str]:
    """Per model: geometric mean over series of MAE / naive MAE per horizon, and total rows/s."""
    naive = {r.series: r for r in results if r.model == "naive"}
    lines = []
    for m in models:
        rs = [r for r in results if r.model == m]
        if not rs:
            continue
        rel_mae = [
            _gmean([r.mae[h - 1] / naive[r.series].mae[h - 1] for r in rs if r.series in naive])
            for h in horizons
        ]
        rel_rmse = [
            _gmean([r.rmse[h - 1] / naive[r.series].rmse[h - 1] for r in rs if r.series in naive])
            for h in horizons
        ]
        n = sum(r.n for r in rs)
        secs = sum(r.seconds for r in rs)
        cells = [
            m,
            str(len(rs)),
            *[_num(x) for x in rel_mae],
            *[_num(x) for x in rel_rmse],
            f"{n:,}",
            _rps(n, secs),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


QUARTERS = 4


def period_errors(history: list[dict], step: int, parts: int = QUARTERS) -> list[tuple[float, float]]:
    """(MAE, RMSE) of horizon ``step`` over each of ``parts`` consecutive stretches of a series, from
    ``evaluate_forecaster``'s cumulative snapshots (a stretch ends at the first snapshot at or past
    its share of the rows; NaN where a stretch has no scored forecast)."""
    if not history:
        return [(math.nan, math.nan)] * parts
    j = step - 1
    n_total = history[-1]["n"]
    out = []
    prev = {"mae": [0.0] * (j + 1), "rmse": [0.0] * (j + 1), "n_scored": [0] * (j + 1)}
    for q in range(1, parts + 1):
        end = next(h for h in history if h["n"] >= n_total * q / parts)
        c0, c1 = prev["n_scored"][j], end["n_scored"][j]
        if c1 <= c0:
            out.append((math.nan, math.nan))
            continue
        a0 = prev["mae"][j] * c0 if c0 else 0.0
        s0 = prev["rmse"][j] ** 2 * c0 if c0 else 0.0
        mae = (end["mae"][j] * c1 - a0) / (c1 - c0)
        mse = (end["rmse"][j] ** 2 * c1 - s0) / (c1 - c0)
        out.append((mae, math.sqrt(max(mse, 0.0))))
        prev = end
    return out


def over_time_rows(results: list[Result], models: list[str], horizons: list[int]) -> list[str]:
    """Per model and horizon: MAE / naive MAE (and RMSE) in each quarter of the series, geometric mean
    over the series (streamlearn models: the ones with snapshots)."""
    naive = {r.series: r for r in results if r.model == "naive"}
    lines = []
    for m in models:
        rs = [r for r in results if r.model == m and r.history and r.series in naive]
        if not rs or m == "naive":
            continue
        for h in horizons:
            cells = [m, str(h)]
            for k in (0, 1):  # MAE, RMSE
                for q in range(QUARTERS):
                    ratios = []
                    for r in rs:
                        ours = period_errors(r.history, h)[q][k]
                        base = period_errors(naive[r.series].history, h)[q][k]
                        ratios.append(ours / base if base and math.isfinite(base) else math.nan)
                    cells.append(_num(_gmean(ratios)))
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def detail_rows(
    results: list[Result], series: list[Series], models: list[str], horizons: list[int]
) -> list[str]:
    lines = []
    for s in series:
        for m in models:
            r = next((x for x in results if x.series == s.name and x.model == m), None)
            if r is None:
                continue
            cells = [
                s.name.split("/", 1)[1],
                m,
                *[_num(r.mae[h - 1]) for h in horizons],
                *[_num(r.rmse[h - 1]) for h in horizons],
                _rps(r.n, r.seconds),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def peer_rows(results: list[Result], groups: list[str], horizons: list[int]) -> list[str]:
    pairs = [(ours, theirs) for theirs, ours in PEER_PAIRS.items()]
    lines = []
    for g in groups:
        for ours, theirs in pairs:
            a = {r.series: r for r in results if r.group == g and r.model == ours}
            b = {r.series: r for r in results if r.group == g and r.model == theirs}
            common = sorted(set(a) & set(b))
            if not common:
                continue
            n = sum(a[s].n for s in common)
            sa, sb = sum(a[s].seconds for s in common), sum(b[s].seconds for s in common)
            mae_ratio = [_gmean([a[s].mae[h - 1] / b[s].mae[h - 1] for s in common]) for h in horizons]
            cells = [
                g,
                f"{ours} vs {theirs}",
                str(len(common)),
                *[_num(x) for x in mae_ratio],
                _rps(n, sb),
                _rps(n, sa),
                f"{(n / sa) / (n / sb):,.0f}x" if sa and sb else "—",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _header(first: list[str], suffixes: list[str], last: list[str]) -> list[str]:
    """A table's header and rule: ``first`` columns, MAE then RMSE per suffix, ``last`` columns."""
    cols = [*first, *(f"MAE{x}" for x in suffixes), *(f"RMSE{x}" for x in suffixes), *last]
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]


def write_report(
    path: Path,
    meta: dict,
    series: list[Series],
    results: list[Result],
    models: list[str],
    horizons: list[int],
    notes: list[str],
) -> None:
    H = max(horizons)
    lines = [
        "# Forecasting: streamlearn forecasters on NAB traffic and AWS network series (issue 4)",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {meta['machine']['nproc']} CPUs ({meta['machine']['cpu']}); load average at start "
        f"{meta['machine']['loadavg_at_start']}, at the end {meta['loadavg_at_end']}",
        f"- streamlearn {meta['versions'].get('streamlearn')} (git {meta['versions'].get('git')}), numpy "
        f"{meta['versions'].get('numpy')}, numba {meta['versions'].get('numba')}, Python "
        f"{meta['versions'].get('python')}",
        f"- Peers: {meta['peers']}",
        f"- Command: `{meta['command']}`",
        f"- Mode: {meta['mode']}; horizons {', '.join(map(str, horizons))} (one run per model with H = {H}); "
        f"streamlearn runs: fastest of {meta['repeat']}, chunks of at most {meta['every']} rows "
        "(and of 1/40 of the series)",
        f"- Wall time of the whole run: {meta['wall_seconds']:.0f} s",
        "",
        "Test-then-train over each whole series: before learning row t every model forecasts the next "
        f"{H} values; the forecast for step h is scored against y[t + h - 1] (missing slots not scored). "
        "Series are put on a regular grid at their median sampling interval (empty slots are NaN; "
        "values in one slot averaged); the daily season is round(86400 s / interval) slots. Rows/s: "
        f"grid rows per second of model time (forecast {H} steps, then learn), summed over the series "
        "of a group.",
        "",
        "Models: "
        + "; ".join(f"`{m}` = {meta['params'].get(m, '?')}" for m in models if m in meta["params"]),
    ]
    lines += [f"- Note: {n}" for n in notes]
    groups = sorted({s.group for s in series}, key=lambda g: (g != "realTraffic", g))
    for g in groups:
        ss = [s for s in series if s.group == g]
        gr = [r for r in results if r.group == g]
        intervals = sorted({int(s.interval) for s in ss})
        seasons = sorted({s.season for s in ss})
        n_rows, n_slots = sum(s.n_rows for s in ss), sum(len(s.values) for s in ss)
        n_empty = sum(int(np.isnan(s.values).sum()) for s in ss)
        lines += [
            "",
            f"## {g}: {len(ss)} series, {n_rows:,} rows, {n_slots:,} slots ({n_empty:,} empty), "
            f"interval {', '.join(f'{i} s' for i in intervals)}, season {', '.join(map(str, seasons))}",
            "",
            "MAE and RMSE relative to the naive forecast (geometric mean over the series; below 1 beats "
            "naive):",
            "",
            *_header(["model", "series"], [f"/naive h={h}" for h in horizons], ["rows", "rows/s"]),
        ]
        all_models = models + [
            m for m in ("river_holt_winters", "river_snarimax") if any(r.model == m for r in gr)
        ]
        lines += summary_rows(gr, all_models, horizons)
        lines += [
            "",
            "<details><summary>Per series: MAE and RMSE in the series' units, rows/s</summary>",
            "",
            *_header(["series", "model"], [f" h={h}" for h in horizons], ["rows/s"]),
        ]
        lines += detail_rows(gr, ss, all_models, horizons)
        lines += ["", "</details>"]
        quarters = [f"Q{q + 1}" for q in range(QUARTERS)]
        lines += [
            "",
            "Over time: MAE and RMSE relative to the naive forecast in each quarter of every series "
            "(Q1 = its first quarter of rows; geometric mean over the series):",
            "",
            *_header(["model", "h"], [f"/naive {q}" for q in quarters], []),
            *over_time_rows(gr, models, horizons),
        ]
    peer = peer_rows(results, groups, horizons)
    if peer:
        lines += [
            "",
            "## streamlearn vs River",
            "",
            "MAE ratio = streamlearn MAE / River MAE (geometric mean over the series; below 1: streamlearn "
            "is more accurate). Speed ratio = streamlearn rows/s / River rows/s, both forecasting "
            f"{H} steps and learning each row.",
            "",
            "The two Holt-Winters implementations share the update equations but not the initialisation: "
            "streamlearn uses Hyndman's classical heuristic (level = mean of the first season, trend from "
            "the first two seasons, seasonal terms y_i - level), River waits for one season and sets the "
            "level to its mean, the trend to the mean first difference and the additive seasonal terms "
            "to y_i / level (close to 1, so almost no initial seasonal pattern). A River model that "
            "fails (division by zero when the first season's mean is 0) is listed in the notes and left "
            "out of its averages.",
            "",
            "| group | pair | series | "
            + " | ".join(f"MAE ratio h={h}" for h in horizons)
            + " | River rows/s | streamlearn rows/s | speed ratio |",
            "|" + "---|" * (6 + len(horizons)),
            *peer,
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- main


def parse_sets(values: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for v in values:
        key, eq, raw = v.partition("=")
        model, dot, param = key.partition(".")
        if not (eq and dot and model and param):
            raise SystemExit(f"forecasting.py: --set {v!r}: expected MODEL.PARAM=VALUE")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(model, {})[param] = value
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated (default {DEFAULT_MODELS})")
    ap.add_argument("--horizons", default="1,6,12", help="comma-separated steps to report (default 1,6,12)")
    ap.add_argument(
        "--mode", choices=["grid", "rows"], default="grid", help="regular time grid or rows as read"
    )
    ap.add_argument(
        "--aws", choices=["network", "all"], default="all", help="AWS series: network only, or all"
    )
    ap.add_argument(
        "--series", action="append", default=[], help="only series matching this glob (repeatable)"
    )
    ap.add_argument(
        "--set", action="append", default=[], metavar="MODEL.PARAM=VALUE", help="override a parameter"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="streamlearn runs per model and series (fastest kept)"
    )
    ap.add_argument("--every", type=int, default=1000, help="rows per test-then-train call (default 1000)")
    ap.add_argument("--peers", default="river_holt_winters,river_snarimax", help="River models ('' for none)")
    ap.add_argument("--quick", action="store_true", help="two series, River Holt-Winters only")
    ap.add_argument("--name", default=None, help="report name (default issue4_forecasting[_rows|_quick])")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(HERE))
    import run as bench  # benchmarks/run.py: machine and version helpers

    t_start = time.perf_counter()
    machine = bench.machine_info()
    os.environ.setdefault("STREAMLEARN_DATA", str(bench.data_dir()))
    horizons = sorted({int(h) for h in args.horizons.split(",") if h.strip()})
    H = max(horizons)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    peers = [m.strip() for m in args.peers.split(",") if m.strip()]
    sets = parse_sets(args.set)
    patterns = args.series or (["*speed_7578*", "*ec2_network_in_257a54*"] if args.quick else [])
    if args.quick:
        peers = [p for p in peers if p != "river_snarimax"]
    name = args.name or "issue4_forecasting" + ("_rows" if args.mode == "rows" else "") + (
        "_quick" if args.quick else ""
    )

    notes: list[str] = []
    from streamlearn.base.registry import registry

    known = registry()
    usable = []
    for m in models:
        reg = CONFIGS.get(m, (m,))[0]
        if reg not in known:
            notes.append(f"`{m}` is not a registered model (yet): skipped.")
            say(f"skipping {m}: not registered")
        elif known[reg].task != "forecasting":
            notes.append(f"`{m}` is a {known[reg].task} model, not a forecaster: skipped.")
        else:
            usable.append(m)
    if "naive" not in usable:
        usable.insert(0, "naive")  # the reference of the relative errors
    models = usable

    names = [
        (s, g) for s, g in nab_names(args.aws) if not patterns or any(fnmatch.fnmatch(s, p) for p in patterns)
    ]
    series = [load(s, g, args.mode) for s, g in names]
    say(f"{len(series)} series, {sum(len(s.values) for s in series):,} {args.mode} rows")

    compile_s = warm_up(models, sets)
    say("warm-up (compile or load kernels): " + ", ".join(f"{m} {s:.2f} s" for m, s in compile_s.items()))
    params = {m: repr(build(m, 288, sets, H)).replace("season=288", "season=daily") for m in models}
    results: list[Result] = []
    for s in series:
        for m in models:
            r = run_streamlearn(s, m, H, args.every, args.repeat, sets)
            results.append(r)
        say(
            f"{s.name}: "
            + ", ".join(f"{r.model} MAE@1 {_num(r.mae[0])}" for r in results if r.series == s.name)
        )

    # self-check: the scorer used for the peers agrees with evaluate_forecaster
    check = next((m for m in ("holt_winters", "seasonal_naive") if m in models), None)
    if check is not None:
        s0 = series[0]
        mae, _, _ = score(build(check, s0.season, sets).test_then_train_many(s0.values, H), s0.values)
        ref = next(r for r in results if r.series == s0.name and r.model == check)
        if not np.allclose(mae, ref.mae, rtol=1e-9, equal_nan=True):
            raise SystemExit(
                "forecasting.py: internal check failed: score() and evaluate_forecaster disagree"
            )

    peer_desc = "not run"
    if peers:
        ok, why = river_available()
        if ok:
            import peers_env

            hw_params = {**CONFIGS["holt_winters_trend"][1], **sets.get("holt_winters_trend", {})}
            hw = {k: hw_params[k] for k in ("alpha", "beta", "gamma")}
            peer_results, error = run_peers(series, peers, H, hw)
            results += peer_results
            stamp = peers_env.read_stamp() or {}
            ver = (stamp.get("versions") or {}).get("river") or (
                peer_results[0].params if peer_results else "?"
            )
            params["river_holt_winters"] = (
                f"River time_series.HoltWinters(alpha={hw['alpha']}, beta={hw['beta']}, gamma={hw['gamma']}, "
                "seasonality=daily)"
            )
            params["river_snarimax"] = (
                "River time_series.SNARIMAX("
                + ", ".join(f"{k}={v}" for k, v in SNARIMAX_ORDER.items())
                + ", m=daily) with the regressor "
                + SNARIMAX_REGRESSOR
            )
            peer_desc = f"River {ver} in benchmarks/.peers/venv: {', '.join(peers)}"
            notes += error
        else:
            notes.append(f"River peers not run: {why}")
            peer_desc = f"not run ({why})"

    command = shlex.join(
        [os.path.relpath(sys.executable, REPO), os.path.relpath(__file__, REPO), *sys.argv[1:]]
    )
    meta = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine,
        "versions": bench.project_versions(),
        "peers": peer_desc,
        "command": command,
        "mode": args.mode,
        "repeat": args.repeat,
        "every": args.every,
        "params": params,
        "wall_seconds": time.perf_counter() - t_start,
        "loadavg_at_end": bench.machine_info()["loadavg_at_start"],
    }
    notes.append(
        "warm-up before timing (compiling the kernels or loading them from numba's cache): "
        + ", ".join(f"{m} {s:.2f} s" for m, s in compile_s.items())
    )
    report = RESULTS / f"{name}.md"
    write_report(report, meta, series, results, models, horizons, notes)
    raw = RESULTS / "raw" / f"{name}.jsonl"
    raw.parent.mkdir(parents=True, exist_ok=True)
    with raw.open("w") as f:
        f.write(
            json.dumps({"side": "meta", **{k: meta[k] for k in ("date", "machine", "versions", "command")}})
            + "\n"
        )
        for r in results:
            f.write(
                json.dumps(
                    {
                        **r.__dict__,
                        "mae": [None if not math.isfinite(x) else x for x in r.mae],
                        "rmse": [None if not math.isfinite(x) else x for x in r.rmse],
                    }
                )
                + "\n"
            )
    say(f"wrote {os.path.relpath(report, REPO)} and {os.path.relpath(raw, REPO)}")
    print(report.read_text())
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--peer-worker":
        sys.exit(peer_worker(sys.argv[2:]))
    sys.exit(main())
