"""How much the Hoeffding adaptive tree's accuracy depends on its seed, streamlearn and River side by side.

Both libraries' HAT draws a Poisson(1) weight for every record at every leaf
(``bootstrap_sampling=True``, the default of both), so over a short stream the
accuracy moves with the seed. issue3.py runs one seed (``seed=1``) per side;
this script runs seeds 1..N on the same rows and reports each side's mean,
standard deviation, minimum and maximum, so that a difference on one seed can be
told apart from a difference between the implementations.

Data: a generated CSV of issue3.py (``benchmarks/.peers/data``, made by
issue3.py; run it first), the first ``--rows`` rows. streamlearn:
``streamlearn evaluate --model hoeffding_adaptive_tree --param seed=S
--param delta=D --limit ROWS --json``. River (peer venv): a loop of
``predict_one`` / ``learn_one`` over the rows as float dicts,
``HoeffdingAdaptiveTreeClassifier(seed=S, delta=D)``.

Usage: .venv/bin/python benchmarks/hat_seeds.py [--data rbf_1000000_seed42.csv] [--rows 30000] [--seeds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / ".peers" / "data"

RIVER_LOOP = """
import csv, json, sys
from river import tree
path, rows, seeds, delta = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
data = []
with open(path, newline="") as f:
    reader = csv.reader(f)
    names = next(reader)[:-1]
    for values in reader:
        if len(data) >= rows:
            break
        data.append(({n: float(v) for n, v in zip(names, values[:-1])}, values[-1] == "1"))
for seed in range(1, seeds + 1):
    model = tree.HoeffdingAdaptiveTreeClassifier(seed=seed, delta=delta)
    right = 0
    for x, y in data:
        right += model.predict_one(x) == y
        model.learn_one(x, y)
    print(json.dumps({"seed": seed, "accuracy": right / len(data)}), flush=True)
"""


def streamlearn_runs(path: Path, rows: int, seeds: int, delta: float) -> list[float]:
    out = []
    for seed in range(1, seeds + 1):
        cmd = [
            str(REPO / ".venv" / "bin" / "streamlearn"),
            "evaluate",
            "--data",
            str(path),
            "--target",
            "label",
            "--model",
            "hoeffding_adaptive_tree",
            "--param",
            f"seed={seed}",
            "--param",
            f"delta={delta}",
            "--limit",
            str(rows),
            "--json",
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out.append(json.loads(res.stdout.strip().splitlines()[-1])["metrics"]["accuracy"])
    return out


def river_runs(path: Path, rows: int, seeds: int, delta: float) -> list[float]:
    sys.path.insert(0, str(HERE))
    import peers_env

    cmd = [str(peers_env.python()), "-c", RIVER_LOOP, str(path), str(rows), str(seeds), str(delta)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return [json.loads(line)["accuracy"] for line in res.stdout.splitlines() if line.startswith("{")]


def describe(accs: list[float]) -> list[str]:
    return [
        f"{100 * statistics.mean(accs):.2f}%",
        f"{100 * statistics.stdev(accs):.2f}",
        f"{100 * min(accs):.2f}%",
        f"{100 * max(accs):.2f}%",
        f"{100 * accs[0]:.2f}%",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="rbf_1000000_seed42.csv", help="a CSV in benchmarks/.peers/data")
    ap.add_argument("--rows", type=int, default=30_000)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--deltas", default="1e-3,1e-7")
    ap.add_argument("--out", default=str(HERE / "results" / "issue3_hat_seeds.md"))
    args = ap.parse_args(argv)
    path = DATA / args.data
    if not path.exists():
        raise SystemExit(f"hat_seeds: {path} is missing; run benchmarks/issue3.py first (it writes it)")
    lines = [
        "# Hoeffding adaptive tree: accuracy over seeds, streamlearn and River",
        "",
        f"Data: `{args.data}`, first {args.rows:,} rows, prequential accuracy; seeds 1..{args.seeds} on "
        "each side (both draw Poisson(1) bootstrap weights from the seed). Command: "
        f"`.venv/bin/python benchmarks/hat_seeds.py {' '.join(argv or sys.argv[1:])}`.",
        "",
        "| delta | side | mean | std (pts) | min | max | seed 1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for delta in (float(d) for d in args.deltas.split(",")):
        for side, runs in (("streamlearn", streamlearn_runs), ("River", river_runs)):
            accs = runs(path, args.rows, args.seeds, delta)
            print(f"[hat_seeds] delta {delta:g} {side}: {[round(a, 4) for a in accs]}", flush=True)
            lines.append("| " + " | ".join([f"{delta:g}", side, *describe(accs)]) + " |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"[hat_seeds] wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
