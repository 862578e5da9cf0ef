"""Peer side of issue 3 (trees, forests, naive Bayes): River and CapyMOA, one library per call.

Runs INSIDE the peer environment (benchmarks/.peers/venv, made by peers_env.py);
it imports no streamlearn code. benchmarks/issue3.py calls it once per
(library, data set, row limit) and reads one JSON line per model from stdout
(progress goes to stderr)::

    {"library", "version", "dataset", "model", "n", "n_total", "limited", "accuracy",
     "seconds", "rows_per_second", "cpu_seconds", "memory_bytes", "memory_method",
     "loadavg_before", "loadavg_after", "estimator"}

Both libraries do prequential (test-then-train) evaluation, as in
../shared/peers/peers.py (which measured the figures quoted in the issues):

- **River** (``--lib river``): the data is read into memory as ``(dict, label)``
  pairs first (Elec2 and NSL-KDD with peer_runner.py's readers: ``day``,
  ``protocol_type``, ``service`` and ``flag`` are strings, which River's trees
  split on as nominal features; a generated CSV: every feature a float), then a
  loop calls ``predict_one`` and ``learn_one`` one record at a time. Only the
  loop is timed. Models: ``ht`` HoeffdingTreeClassifier(delta=1e-3), ``ht_d7``
  HoeffdingTreeClassifier() (River's default delta=1e-7), ``hat``
  HoeffdingAdaptiveTreeClassifier(delta=1e-3, seed=1), ``hat_d7``
  HoeffdingAdaptiveTreeClassifier(seed=1) (default delta=1e-7), ``arf10``
  ARFClassifier(n_models=10, seed=1), ``gnb`` SelectType((int, float)) |
  GaussianNB(). Memory: River's own ``_raw_memory_usage`` (a ``sys.getsizeof``
  walk over the model's objects, NumPy buffers included) after the run.
- **CapyMOA** (``--lib capymoa``): ``capymoa.evaluation.prequential_evaluation``
  on an ``ARFFStream`` (MOA's own Java loop; it parses the ARFF file as it goes,
  so reading is inside the timed call, as in peers.py). Models: ``ht``
  HoeffdingTree (confidence 1e-3, CapyMOA's default; grace 200), ``ht_d7`` the
  same with confidence 1e-7, ``hat`` HoeffdingAdaptiveTree (confidence 1e-3),
  ``hat_d7`` the same with confidence 1e-7,
  ``arf10`` AdaptiveRandomForestClassifier(ensemble_size=10) (CapyMOA's
  defaults otherwise: 60% of the features per split, random_seed=1), ``gnb``
  NaiveBayes; all with the stream's schema. Memory: MOA's ``measureByteSize()`` (the sizeofag
  Java agent, started with the JVM from a small jar made of moa.jar's own
  ``sizeof.agent`` classes, with ``--add-opens`` for java.base so that its
  reflective walk can enter JDK containers) after the run. With ``--warm``
  each model is also timed like streamlearn is (data already in memory as a
  MOA ``Instances``, JIT warmed up on a throwaway model first): the record's
  ``warm`` entry.

Usage::

    python issue3_peer.py --lib river --dataset elec2 --models ht,gnb [--limit N]
    python issue3_peer.py --lib capymoa --dataset csv --file X.csv --arff X.arff --models ht
    python issue3_peer.py --lib capymoa --detectors JOBS.json   # drift detectors (see issue3.py)
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
AGENT_JAR = PEERS / "sizeofag.jar"
JDK_OPENS = ("java.lang", "java.util", "java.util.concurrent", "java.util.concurrent.atomic")

RIVER_MODELS = ("ht", "ht_d7", "hat", "hat_d7", "arf10", "gnb")
CAPYMOA_MODELS = RIVER_MODELS
CAPYMOA_SAME_AS: dict[str, str] = {}

RIVER_ESTIMATORS = {
    "ht": "HoeffdingTreeClassifier(delta=1e-3)",
    "ht_d7": "HoeffdingTreeClassifier() (delta=1e-7)",
    "hat": "HoeffdingAdaptiveTreeClassifier(delta=1e-3, seed=1)",
    "hat_d7": "HoeffdingAdaptiveTreeClassifier(seed=1) (delta=1e-7)",
    "arf10": "ARFClassifier(n_models=10, seed=1)",
    "gnb": "SelectType((int, float)) | GaussianNB()",
}
CAPYMOA_ESTIMATORS = {
    "ht": "HoeffdingTree(schema) (confidence=1e-3)",
    "ht_d7": "HoeffdingTree(schema, confidence=1e-7)",
    "hat": "HoeffdingAdaptiveTree(schema) (confidence=1e-3)",
    "hat_d7": "HoeffdingAdaptiveTree(schema, confidence=1e-7)",
    "arf10": "AdaptiveRandomForestClassifier(schema, ensemble_size=10)",
    "gnb": "NaiveBayes(schema)",
}


def progress(msg: str) -> None:
    print(f"[issue3-peer] {msg}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return []


# --------------------------------------------------------------------------- River


def read_csv_rows(path: Path, limit: int | None) -> list[tuple[dict, bool]]:
    """A generated CSV (header x1..xd,label; label 0/1): every feature a float, label ``== '1'``."""
    rows: list[tuple[dict, bool]] = []
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[-1] != "label":
            raise SystemExit(f"issue3_peer: {path}: the last column must be 'label', got {header[-1]!r}")
        names = header[:-1]
        for values in reader:
            if limit is not None and len(rows) >= limit:
                break
            rows.append(({n: float(v) for n, v in zip(names, values[:-1], strict=True)}, values[-1] == "1"))
    return rows


def river_model(name: str):
    from river import compose, forest, naive_bayes, tree

    if name == "ht":
        return tree.HoeffdingTreeClassifier(delta=1e-3)
    if name == "ht_d7":
        return tree.HoeffdingTreeClassifier()
    if name == "hat":
        return tree.HoeffdingAdaptiveTreeClassifier(delta=1e-3, seed=1)
    if name == "hat_d7":
        return tree.HoeffdingAdaptiveTreeClassifier(seed=1)
    if name == "arf10":
        return forest.ARFClassifier(n_models=10, seed=1)
    if name == "gnb":
        return compose.SelectType((int, float)) | naive_bayes.GaussianNB()
    raise SystemExit(f"issue3_peer: unknown River model {name!r}; choose from {', '.join(RIVER_MODELS)}")


def river_prequential(rows: list, model, label: str) -> dict:
    """predict_one then learn_one per record; only the loop is timed (in tenths, for progress)."""
    n = len(rows)
    step = max(n // 10, 1)
    correct = 0
    seconds = cpu = 0.0
    for start in range(0, n, step):
        chunk = rows[start : start + step]
        c0, t0 = time.process_time(), time.perf_counter()
        for x, y in chunk:
            correct += model.predict_one(x) == y
            model.learn_one(x, y)
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        done = start + len(chunk)
        progress(f"{label}: {done:,}/{n:,} rows, {done / seconds:,.0f} rows/s, accuracy {correct / done:.4f}")
    return {
        "n": n,
        "accuracy": correct / n,
        "seconds": seconds,
        "rows_per_second": n / seconds,
        "cpu_seconds": cpu,
    }


def run_river(args: argparse.Namespace, models: list[str]) -> int:
    import river

    t0 = time.perf_counter()
    if args.dataset == "csv":
        rows = read_csv_rows(args.file, args.limit)
        n_total = args.n_total or len(rows)
    else:
        sys.path.insert(0, str(HERE))
        import peer_runner  # its readers: the same parsing as the issue 2 benchmarks and peers.py

        data_dir = args.data_dir or peer_runner.default_data_dir()
        rows = {"elec2": peer_runner.read_elec2, "nsl": peer_runner.read_nsl}[args.dataset](data_dir)
        n_total = len(rows)
        if args.limit is not None:
            rows = rows[: args.limit]
    progress(f"river {args.dataset}: read {len(rows):,} rows in {time.perf_counter() - t0:.1f} s")
    for name in models:
        model = river_model(name)
        before = loadavg()
        res = river_prequential(rows, model, f"river {args.dataset}/{name}")
        after = loadavg()
        m0 = time.perf_counter()
        mem = model._raw_memory_usage
        rec = {
            "library": "river",
            "version": river.__version__,
            "dataset": args.dataset,
            "model": name,
            **res,
            "n_total": n_total,
            "limited": len(rows) < n_total,
            "memory_bytes": mem,
            "memory_method": "River _raw_memory_usage (sys.getsizeof walk)",
            "memory_seconds": time.perf_counter() - m0,
            "loadavg_before": before,
            "loadavg_after": after,
            "estimator": RIVER_ESTIMATORS[name],
        }
        print(json.dumps(rec), flush=True)
        del model
    return 0


# --------------------------------------------------------------------------- CapyMOA


def _capymoa_dir() -> Path:
    spec = importlib.util.find_spec("capymoa")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("issue3_peer: capymoa is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations)))


def agent_jar() -> Path | None:
    """A jar holding moa.jar's own sizeof.agent classes with a Premain-Class manifest (made once)."""
    if AGENT_JAR.exists():
        return AGENT_JAR
    moa = Path(os.environ.get("CAPYMOA_MOA_JAR") or _capymoa_dir() / "jar" / "moa.jar")
    try:
        with zipfile.ZipFile(moa) as src:
            entries = [e for e in src.namelist() if e.startswith("sizeof/agent/") and e.endswith(".class")]
            if not entries:
                return None
            PEERS.mkdir(parents=True, exist_ok=True)
            tmp = AGENT_JAR.with_suffix(".tmp")
            with zipfile.ZipFile(tmp, "w") as out:
                out.writestr(
                    "META-INF/MANIFEST.MF",
                    "Manifest-Version: 1.0\nPremain-Class: sizeof.agent.SizeOfAgent\n\n",
                )
                for e in entries:
                    out.writestr(e, src.read(e))
            tmp.replace(AGENT_JAR)
    except (OSError, zipfile.BadZipFile) as exc:
        progress(f"could not make the sizeof agent jar: {exc}")
        return None
    return AGENT_JAR


def start_capymoa() -> bool:
    """Set the JVM arguments (with the sizeof agent when possible) before capymoa starts the JVM."""
    jar = agent_jar()
    base = os.environ.get("CAPYMOA_JVM_ARGS", "-Xmx8g -Xss10M")
    if jar is not None and "javaagent" not in base:
        # Java 17 hides the fields of java.base classes (ArrayList, Random, ...) from reflection: without
        # these opens the agent's walk stops at every JDK container and undercounts (measured: an
        # ArrayList of 1,000 Doubles = 24 bytes instead of ~29 kB).
        opens = " ".join(f"--add-opens=java.base/{pkg}=ALL-UNNAMED" for pkg in JDK_OPENS)
        os.environ["CAPYMOA_JVM_ARGS"] = f"{base} {opens} -javaagent:{jar}"
    import capymoa  # noqa: F401  (starts the JVM)

    return jar is not None


def capymoa_model(name: str, schema):
    from capymoa.classifier import (
        AdaptiveRandomForestClassifier,
        HoeffdingAdaptiveTree,
        HoeffdingTree,
        NaiveBayes,
    )

    name = CAPYMOA_SAME_AS.get(name, name)
    if name == "ht":
        return HoeffdingTree(schema=schema)
    if name == "ht_d7":
        return HoeffdingTree(schema=schema, confidence=1e-7)
    if name == "hat":
        return HoeffdingAdaptiveTree(schema=schema)
    if name == "hat_d7":
        return HoeffdingAdaptiveTree(schema=schema, confidence=1e-7)
    if name == "arf10":
        return AdaptiveRandomForestClassifier(schema=schema, ensemble_size=10)
    if name == "gnb":
        return NaiveBayes(schema=schema)
    raise SystemExit(f"issue3_peer: unknown CapyMOA model {name!r}; choose from {', '.join(CAPYMOA_MODELS)}")


def _moa_instances(results) -> int | None:
    """Instances the Java evaluator counted (MOA's 'classified instances' measurement)."""
    try:
        for m in results.cumulative.moa_basic_evaluator.getPerformanceMeasurements():
            if "instances" in str(m.getName()).lower():
                return int(m.getValue())
    except Exception:
        return None
    return None


def run_capymoa(args: argparse.Namespace, models: list[str]) -> int:
    has_agent = start_capymoa()
    import capymoa
    from capymoa.evaluation import prequential_evaluation
    from capymoa.stream import ARFFStream

    path = args.arff
    if path is None:
        raise SystemExit("issue3_peer: --lib capymoa needs --arff")
    done: dict[str, dict] = {}
    cache: dict = {}
    for name in models:
        base = CAPYMOA_SAME_AS.get(name, name)
        if base in done:
            print(json.dumps({**done[base], "model": name, "same_run_as": base}), flush=True)
            continue
        stream = ARFFStream(path=str(path))
        learner = capymoa_model(name, stream.get_schema())
        before = loadavg()
        progress(
            f"capymoa {args.dataset}/{name}: running" + (f" on {args.limit:,} rows" if args.limit else "")
        )
        c0, t0 = time.process_time(), time.perf_counter()
        res = prequential_evaluation(stream=stream, learner=learner, max_instances=args.limit)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        after = loadavg()
        n_total = args.n_total
        n = _moa_instances(res) or (min(args.limit, n_total) if args.limit and n_total else n_total)
        mem, method = None, "MOA measureByteSize() (sizeofag Java agent)"
        if has_agent:
            try:
                mem = int(learner.moa_learner.measureByteSize()) or None
            except Exception as exc:
                method += f": failed ({exc})"
        if mem is None:
            method = "not available (" + method + " returned nothing)"
        rec = {
            "library": "capymoa",
            "version": capymoa.__version__,
            "dataset": args.dataset,
            "model": name,
            "n": n,
            "accuracy": float(res.cumulative.accuracy()) / 100.0,
            "seconds": seconds,
            "rows_per_second": n / seconds if n else None,
            "cpu_seconds": cpu,
            "capymoa_wallclock": res.wallclock(),
            "capymoa_cpu_time": res.cpu_time(),
            "n_total": n_total,
            "limited": bool(args.limit and n_total and args.limit < n_total),
            "memory_bytes": mem,
            "memory_method": method,
            "loadavg_before": before,
            "loadavg_after": after,
            "estimator": CAPYMOA_ESTIMATORS[name],
        }
        progress(
            f"capymoa {args.dataset}/{name}: accuracy {rec['accuracy']:.4f}, "
            f"{rec['rows_per_second'] or 0:,.0f} rows/s"
        )
        if args.warm:
            rec["warm"] = capymoa_warm(name, path, stream.get_schema(), n, cache)
            progress(
                f"capymoa {args.dataset}/{name} (warm JVM, data in memory): accuracy "
                f"{rec['warm']['accuracy']:.4f}, {rec['warm']['rows_per_second']:,.0f} rows/s"
            )
        done[base] = rec
        print(json.dumps(rec), flush=True)
    return 0


WARM_UP_ROWS = 20_000


def capymoa_warm(name: str, path: Path, schema, n: int, cache: dict) -> dict:
    """The like-for-like CapyMOA figure: data already in memory, JIT warmed up.

    The ARFF file is read once into a MOA ``Instances`` (not timed); a throwaway model runs on the first
    WARM_UP_ROWS rows (not timed) so that the JVM has compiled the hot code; then a fresh model runs on
    a ``CachedInstancesStream`` of the same rows through the same Java loop and evaluators that
    ``prequential_evaluation`` uses (``EfficientEvaluationLoops.PrequentialEvaluation``), timed. This
    is how streamlearn's figure is taken (data read and kernels compiled before the timed loop).
    """
    import jpype
    from capymoa.evaluation import ClassificationEvaluator, ClassificationWindowedEvaluator
    from capymoa.stream import ARFFStream

    loops = jpype.JClass("moa.evaluation.EfficientEvaluationLoops")
    cached = jpype.JClass("moa.streams.CachedInstancesStream")
    if cache.get("n") != n:
        moa_stream = ARFFStream(path=str(path)).moa_stream
        moa_stream.restart()
        insts = jpype.JClass("com.yahoo.labs.samoa.instances.Instances")(moa_stream.getHeader())
        while moa_stream.hasMoreInstances() and insts.numInstances() < n:
            insts.add(moa_stream.nextInstance().getData())
        cache.update(n=n, insts=insts)
    insts = cache["insts"]

    def run(rows: int) -> tuple[ClassificationEvaluator, float, float]:
        learner = capymoa_model(name, schema)
        basic = ClassificationEvaluator(schema=schema)
        windowed = ClassificationWindowedEvaluator(schema=schema, window_size=1000)
        c0, t0 = time.process_time(), time.perf_counter()
        loops.PrequentialEvaluation(
            cached(insts),
            learner.moa_learner,
            basic.moa_basic_evaluator,
            windowed.moa_evaluator,
            rows,
            1000,
            False,
            False,
        )
        return basic, time.perf_counter() - t0, time.process_time() - c0

    run(min(WARM_UP_ROWS, n))
    before = loadavg()
    basic, seconds, cpu = run(n)
    return {
        "n": n,
        "accuracy": float(basic.accuracy()) / 100.0,
        "seconds": seconds,
        "rows_per_second": n / seconds,
        "cpu_seconds": cpu,
        "warm_up_rows": min(WARM_UP_ROWS, n),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
    }


# --------------------------------------------------------------------------- drift detectors (CapyMOA)


CAPYMOA_DETECTORS = {
    "adwin": "ADWIN()",
    "ddm": "DDM()",
    "hddm_a": "HDDMAverage()",
    "hddm_w": "HDDMWeighted()",
    "page_hinkley": "PageHinkley()",
}


def run_detectors(job_file: Path) -> int:
    """Each job: {"id", "file" (.npy), "detector"}; one JSON line per job: positions, seconds."""
    import numpy as np

    start_capymoa()
    import capymoa
    from capymoa.drift import detectors

    print(json.dumps({"capymoa_version": capymoa.__version__}), flush=True)
    jobs = json.loads(job_file.read_text())
    for job in jobs:
        values = np.load(job["file"]).tolist()
        det = eval(CAPYMOA_DETECTORS[job["detector"]], {}, vars(detectors))
        positions = []
        c0, t0 = time.process_time(), time.perf_counter()
        for i, v in enumerate(values):
            det.add_element(v)
            if det.detected_change():
                positions.append(i)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        print(
            json.dumps(
                {
                    "id": job["id"],
                    "positions": positions,
                    "seconds": seconds,
                    "cpu_seconds": cpu,
                    "n": len(values),
                }
            ),
            flush=True,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="River / CapyMOA side of benchmarks/issue3.py")
    ap.add_argument("--lib", required=True, choices=["river", "capymoa"])
    ap.add_argument("--dataset", choices=["elec2", "nsl", "csv"])
    ap.add_argument("--models", default="ht", help="comma-separated: " + ", ".join(RIVER_MODELS))
    ap.add_argument("--limit", type=int, default=None, help="run on the first N rows only")
    ap.add_argument("--n-total", type=int, default=None, help="rows of the whole data set (for the records)")
    ap.add_argument("--file", type=Path, default=None, help="River: the CSV of --dataset csv")
    ap.add_argument("--arff", type=Path, default=None, help="CapyMOA: the ARFF file of the data set")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--detectors", type=Path, default=None, help="CapyMOA drift detector jobs (JSON file)")
    ap.add_argument(
        "--warm",
        action="store_true",
        help="CapyMOA: also time each model with the data in memory and the JIT warmed up (record 'warm')",
    )
    args = ap.parse_args(argv)
    if args.detectors:
        if args.lib != "capymoa":
            ap.error("--detectors runs CapyMOA's detectors only (River's: benchmarks/drift_detectors.py)")
        return run_detectors(args.detectors)
    if args.dataset is None:
        ap.error("--dataset is required")
    if args.dataset == "csv" and args.lib == "river" and args.file is None:
        ap.error("--dataset csv needs --file")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    known = RIVER_MODELS if args.lib == "river" else CAPYMOA_MODELS
    for m in models:
        if m not in known:
            ap.error(f"unknown model {m!r}; choose from {', '.join(known)}")
    run = run_river if args.lib == "river" else run_capymoa
    return run(args, models)


if __name__ == "__main__":
    sys.exit(main())
