"""The LSTM over a window of 16 on several seeds, streamlearn and deep-river (issue 4): accuracy only.

benchmarks/deep_river.py compares one seed per side; on NSL-KDD the two
accuracies differ by a few hundredths of a point, the size of the change
between seeds. This script runs deep-river's ``LSTMClassifier`` (as
deep_river.py builds it) with seeds 1..P and streamlearn's LSTM forms with
seeds 1..S on Elec2 and NSL-KDD, and reports each accuracy, the mean and the
standard deviation. Times are not measured (the peer runs go two at a time).

Usage: .venv/bin/python benchmarks/lstm_seeds.py [--peer-seeds 3] [--seeds 5] [--data elec2,nsl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import deep_river as bench  # noqa: E402  (this folder's deep_river.py, not the library)

FORMS = ("lstm-ro", "lstm-ro-bptt4")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--peer-seeds", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--data", default="elec2,nsl")
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args(argv)
    import run

    machine = run.machine_info()
    datasets = args.data.split(",")
    jobs = [(d, s) for d in datasets for s in range(1, args.peer_seeds + 1)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        peer = dict(zip(jobs, pool.map(lambda j: bench.run_peer(j[0], "lstm", None, j[1]), jobs)))
    results: dict[tuple[str, str], list[float]] = {}
    for (d, _s), rec in peer.items():
        if rec is not None:
            results.setdefault((d, "deep-river lstm"), []).append(rec["accuracy"])
    for d in datasets:
        batches = bench.sl_batches(d, "lstm", None)
        for form in FORMS:
            for seed in range(1, args.seeds + 1):
                rec = bench.sl_run(form, batches, args.batch_size, 1, "float32", seed=seed)
                results.setdefault((d, f"streamlearn {form}"), []).append(rec["accuracy"])
                bench.say(f"{d} {form} seed {seed}: {rec['accuracy']:.4%}")
    lines = [
        "# LSTM over a window of 16, several seeds: streamlearn vs deep-river (issue 4)",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; machine: {machine['nproc']} CPUs "
        f"({machine['cpu']})",
        f"- streamlearn {run.project_versions().get('git')}: `RNNClassifier(cell='lstm', hidden=32, "
        f"window=16, batch_size={args.batch_size}, dtype='float32', seed=s)` behind the default "
        "preprocessing; `lstm-ro` with the per-record readout (default), `lstm-ro-bptt4` also with "
        "`bptt=4`",
        "- deep-river 0.3.4: `LSTMClassifier(hidden_size=32, window_size=16, optimizer_fn='adam', "
        "lr=1e-3, seed=s)` as benchmarks/deep_river.py builds it (one record at a time)",
        f"- Command: `.venv/bin/python benchmarks/lstm_seeds.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        "Prequential accuracy over all rows (test-then-train).",
        "",
        "| data | model | seeds | accuracy per seed | mean | std |",
        "|---|---|---|---|---|---|",
    ]
    for (d, model), accs in results.items():
        std = statistics.stdev(accs) if len(accs) > 1 else float("nan")
        per_seed = ", ".join(f"{100 * a:.2f}" for a in accs)
        lines.append(
            f"| {d} | {model} | {len(accs)} | {per_seed} | {100 * statistics.mean(accs):.2f}% "
            f"| {100 * std:.2f} |"
        )
    out = HERE / "results" / "issue4_lstm_seeds.md"
    out.write_text("\n".join(lines) + "\n")
    raw = HERE / "results" / "raw" / "issue4_lstm_seeds.json"
    raw.write_text(json.dumps({f"{d}|{m}": a for (d, m), a in results.items()}, indent=1) + "\n")
    bench.say(f"wrote {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
