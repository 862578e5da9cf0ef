"""Data files the benchmarks write once, so that streamlearn and River read exactly the same rows.

Every file goes to ``benchmarks/.peers/data/`` (gitignored) and is written
only when missing (through a temporary file, so an interrupted run leaves
nothing half-written). Numbers are written with Python's ``repr`` (or a fixed
``%.6f``), which reads back to the same float64 on both sides.

- :func:`sea_file`: the SEA concepts stream (classification; also the
  clustering stream, its ``label`` column then ignored).
- :func:`numeric_copy`: Elec2 or NSL-KDD without their categorical columns
  (``day``; ``protocol_type``, ``service``, ``flag``), for the "GaussianNB on
  numeric features only" rows, which is what River's ``SelectType(num)`` feeds
  its GaussianNB.
- :func:`elec2_demand_file`: Elec2 as a regression task, target ``nswdemand``
  (``day`` one-hot encoded in the file).
- :func:`friedman1_file`: Friedman #1 (regression), 200,000 rows by default.

The Elec2 and NSL-KDD rows are parsed by ``peer_runner.read_elec2`` /
``read_nsl`` (the River side's own readers), so the copies hold the values
River sees.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import peer_runner
import peers_env

DATA_CACHE = peers_env.PEERS_DIR / "data"

SEA_SEED = 42
SEA_THRESHOLDS = (8.0, 9.0, 7.0, 9.5)
SEA_NOISE = 0.10

FRIEDMAN_SEED = 42
FRIEDMAN_ROWS = 200_000

Log = Callable[[str], None]


def _quiet(msg: str) -> None:
    return None


def _write_rows(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    DATA_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    tmp.replace(path)


def _cell(v: object) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def sea_file(rows: int, seed: int = SEA_SEED, log: Log = _quiet) -> Path:
    """Write (once) the SEA stream both sides read, and return its path.

    SEA concepts (Street and Kim, KDD 2001): three features drawn uniformly from
    [0, 10) and rounded to 6 decimals; the stream is cut into four equal
    concepts with thresholds 8, 9, 7 and 9.5; label = 1 when x1 + x2 <= the
    concept's threshold (x3 is irrelevant); then 10% of the labels are flipped
    (noise). Random numbers: numpy.random.default_rng(seed), first the (rows, 3)
    features, then rows uniforms for the noise. Header ``x1,x2,x3,label``.
    """
    path = DATA_CACHE / f"sea_{rows}_seed{seed}.csv"
    if path.exists():
        return path
    log(f"writing the SEA stream ({rows:,} rows, seed {seed}) to {path}")
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


# Labels written to the numeric-only copies (the streamlearn loaders' own label values).
_LABELS = {"elec2": ("DOWN", "UP"), "nsl": ("normal", "attack")}


def numeric_copy(dataset: str, data_dir: Path, log: Log = _quiet) -> Path:
    """Elec2 (``"elec2"``) or NSL-KDD KDDTrain+ (``"nsl"``) without the categorical columns.

    The columns are the data set's numeric features in file order, then
    ``label`` (Elec2: ``UP``/``DOWN``; NSL-KDD: ``attack`` or
    ``normal``). Rows in file order.
    """
    path = DATA_CACHE / f"{dataset}_numeric.csv"
    if path.exists():
        return path
    reader = {"elec2": peer_runner.read_elec2, "nsl": peer_runner.read_nsl}[dataset]
    rows = reader(data_dir)
    names = [k for k, v in rows[0][0].items() if isinstance(v, float)]
    log(f"writing {dataset} without its categorical columns ({len(names)} features) to {path}")
    labels = _LABELS[dataset]
    _write_rows(
        path,
        [*names, "label"],
        ([_cell(x[k]) for k in names] + [labels[bool(y)]] for x, y in rows),
    )
    return path


def elec2_demand_file(data_dir: Path, log: Log = _quiet) -> Path:
    """Elec2 as regression: target ``nswdemand``, features the other numeric columns and ``day``.

    All 45,312 rows. Columns: ``date, period, nswprice, vicprice, vicdemand,
    transfer`` (the ARFF's values, already normalised to [0, 1] by MOA), then
    ``day_1`` .. ``day_7`` (``day`` one-hot encoded in the file: 1.0 for the
    row's day, 0.0 for the others), then the target ``nswdemand``. The class
    column (UP/DOWN) is dropped.

    Both sides learn from these columns as they are (streamlearn with
    ``--no-preprocess``, River without a scaler): a running standard scaler
    turns the price spikes (and the first real values of the Victorian
    columns, which hold one constant fill value for the first 17,424 rows) into
    z-scores in the hundreds, and SGD with River's default step 0.01 then
    diverges on both sides (measured: MAE ~7e10 for River and streamlearn).
    """
    path = DATA_CACHE / "elec2_nswdemand.csv"
    if path.exists():
        return path
    rows = peer_runner.read_elec2(data_dir)
    numeric = [k for k in rows[0][0] if k not in ("day", "nswdemand")]
    days = [str(d) for d in range(1, 8)]
    log(f"writing Elec2 with target nswdemand to {path}")
    _write_rows(
        path,
        [*numeric, *(f"day_{d}" for d in days), "nswdemand"],
        (
            [_cell(x[k]) for k in numeric]
            + [("1.0" if x["day"] == d else "0.0") for d in days]
            + [_cell(x["nswdemand"])]
            for x, _ in rows
        ),
    )
    return path


def friedman1_file(rows: int = FRIEDMAN_ROWS, seed: int = FRIEDMAN_SEED, log: Log = _quiet) -> Path:
    """Friedman #1 (Friedman 1991): ten U[0, 1) features, five of them relevant.

    ``y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + e``, ``e ~ N(0, 1)``;
    x6 .. x10 are noise features. Random numbers: numpy.random.default_rng(seed),
    first the (rows, 10) features (rounded to 6 decimals), then rows standard
    normals. ``y`` is computed from the rounded features and rounded to 6
    decimals. Header ``x1, ..., x10, y``.

    Reference: J. H. Friedman, Multivariate adaptive regression splines,
    The Annals of Statistics 19(1), 1991.
    """
    path = DATA_CACHE / f"friedman1_{rows}_seed{seed}.csv"
    if path.exists():
        return path
    log(f"writing Friedman #1 ({rows:,} rows, seed {seed}) to {path}")
    rng = np.random.default_rng(seed)
    X = np.round(rng.uniform(0.0, 1.0, size=(rows, 10)), 6)
    y = (
        10.0 * np.sin(np.pi * X[:, 0] * X[:, 1])
        + 20.0 * (X[:, 2] - 0.5) ** 2
        + 10.0 * X[:, 3]
        + 5.0 * X[:, 4]
        + rng.standard_normal(rows)
    )
    DATA_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    header = ",".join([f"x{i + 1}" for i in range(10)] + ["y"])
    np.savetxt(
        tmp, np.column_stack([X, np.round(y, 6)]), fmt="%.6f", delimiter=",", header=header, comments=""
    )
    tmp.replace(path)
    return path
