"""``streamlearn``: evaluate learners on streams, list models, run the demo.

Examples::

    streamlearn evaluate --data elec2 --model logistic_regression --json
    streamlearn evaluate --data flows.csv --target label --model gaussian_nb --limit 10000
    streamlearn models
    streamlearn demo
    streamlearn run examples/pipelines/flows_file.yaml --json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from streamlearn.base.errors import StreamlearnError


def _parse_value(text: str) -> Any:
    """``"0.1"`` -> 0.1, ``"true"`` -> True, ``"null"`` or ``"None"`` -> None, ``"adam"`` -> "adam"
    (JSON first, else a string)."""
    if text in ("None", "none"):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """``["lr=0.1", "optimizer=adam"]`` -> ``{"lr": 0.1, "optimizer": "adam"}``.

    >>> parse_params(["lr=0.1", "optimizer=adam", "seed=1", "readout=None"])
    {'lr': 0.1, 'optimizer': 'adam', 'seed': 1, 'readout': None}
    """
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise StreamlearnError(f"--param takes key=value (e.g. --param lr=0.05). Got {item!r}.")
        params[key.strip()] = _parse_value(value.strip())
    return params


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streamlearn", description="Machine learning on data streams.")
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("evaluate", help="prequential (test-then-train) evaluation of a model on a stream")
    ev.add_argument("--data", required=True, help="a CSV/ARFF/Parquet/JSONL path, or a data set name")
    ev.add_argument("--target", help="the label column (default: the last column)")
    ev.add_argument("--model", required=True, help="a registry name, see `streamlearn models`")
    ev.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a model parameter")
    ev.add_argument("--batch-size", type=int, default=1000, help="rows per test-then-train batch")
    ev.add_argument("--limit", type=int, help="stop after this many rows")
    ev.add_argument("--every", type=int, help="record metrics every N rows (default: about 20 points)")
    ev.add_argument("--metric", action="append", default=[], help="a metric name (repeatable)")
    ev.add_argument("--delay", type=int, default=0, help="labels arrive this many rows after features")
    ev.add_argument("--no-preprocess", action="store_true", help="do not add scaling / one-hot encoding")
    ev.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")

    models = sub.add_parser("models", help="the learners and their parameters")
    models.add_argument("--json", action="store_true", help="print them as one JSON list")

    demo = sub.add_parser("demo", help="an online intrusion detector on a bundled NSL-KDD sample")
    demo.add_argument(
        "--rate", type=float, default=20000, help="replay rate in rows/s (0: as fast as possible)"
    )
    demo.add_argument("--model", default="logistic_regression", help="a registry name")
    demo.add_argument("--no-runtime", action="store_true", help="skip part 2 (the streaming runtime)")

    from streamlearn.cli.run import add_parser as add_run

    add_run(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "evaluate":
            from streamlearn.cli.evaluate import run_evaluate

            return run_evaluate(args)
        if args.command == "models":
            from streamlearn.cli.models import run_models

            return run_models(args.json)
        if args.command == "run":
            from streamlearn.cli.run import run_pipeline

            return run_pipeline(args)
        from streamlearn.cli.demo import run_demo

        return run_demo(args)
    except (StreamlearnError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        print(f"streamlearn: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("streamlearn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
