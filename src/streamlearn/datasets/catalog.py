"""``load``: data sets by name (for the CLI and quick experiments), or files by path.

============================  ==============================================================
Name                          Data set
============================  ==============================================================
``elec2``                     Elec2 electricity stream (target ``class``: UP/DOWN)
``nsl-kdd``                   NSL-KDD train, binary labels (True = attack)
``nsl-kdd-5``                 NSL-KDD train, 5 classes (normal, DoS, Probe, R2L, U2R)
``nsl-kdd-test``              NSL-KDD test (KDDTest+), binary
``nsl-kdd-test-5``            NSL-KDD test, 5 classes
``nsl-kdd-test-21``           NSL-KDD test-21 (KDDTest-21), binary
``nsl-kdd-test-21-5``         NSL-KDD test-21, 5 classes
``demo``                      bundled NSL-KDD sample (20,996 rows), binary
``sea`` ``hyperplane`` ``rbf``
``agrawal`` ``stagger``
``sine``                      synthetic generators; ``name:N`` sets the length (default
                              100,000), e.g. ``sea:1000000``
``nab:<category>/<file>``     one NAB series, e.g. ``nab:realTraffic/speed_7578.csv``
a file path                   read by extension (.csv, .arff, .parquet, .jsonl, + .gz)
============================  ==============================================================

>>> ds = load("sea:2500", batch_size=1000, seed=7)
>>> ds.n_rows, [len(b) for b in ds]
(2500, [1000, 1000, 500])
>>> load("nope")
Traceback (most recent call last):
...
streamlearn.base.errors.UnknownNameError: Unknown data set 'nope'. Known names: ...
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from streamlearn.base.errors import InvalidParameterError, UnknownNameError
from streamlearn.datasets.demo import demo
from streamlearn.datasets.elec2 import elec2
from streamlearn.datasets.nab import nab
from streamlearn.datasets.nsl_kdd import nsl_kdd
from streamlearn.datasets.synth import GENERATORS
from streamlearn.streams.dataset import Dataset
from streamlearn.streams.read import file_format, read

DEFAULT_SYNTHETIC_ROWS = 100_000

_NAMED: dict[str, Callable[..., Dataset]] = {
    "elec2": elec2,
    "nsl-kdd": lambda **kw: nsl_kdd("train", "binary", **kw),
    "nsl-kdd-5": lambda **kw: nsl_kdd("train", "5class", **kw),
    "nsl-kdd-test": lambda **kw: nsl_kdd("test", "binary", **kw),
    "nsl-kdd-test-5": lambda **kw: nsl_kdd("test", "5class", **kw),
    "nsl-kdd-test-21": lambda **kw: nsl_kdd("test-21", "binary", **kw),
    "nsl-kdd-test-21-5": lambda **kw: nsl_kdd("test-21", "5class", **kw),
    "demo": demo,
}


def names() -> list[str]:
    """The data set names :func:`load` knows (NAB series as ``nab:<category>/<file>``)."""
    return [*_NAMED, *GENERATORS, "nab:<category>/<file>"]


def _rows(name: str, arg: str) -> int:
    try:
        n = float(arg.replace("_", ""))
    except ValueError:
        n = -1.0
    if n < 0 or n != int(n):
        raise InvalidParameterError(
            f"In {name!r}, the part after ':' must be a row count like 100000. Got {arg!r}."
        )
    return int(n)


def load(
    name_or_path: str | os.PathLike[str],
    target: Hashable | None = None,
    batch_size: int = 1000,
    **options: Any,
) -> Dataset:
    """A data set by name (see the table above) or a file by path.

    ``target`` applies to files (default: their last column); a named data set
    has its own target. ``options`` go to the generator (e.g. ``seed=``,
    ``drifts=``), the NAB loader (``timestamp=``) or the file reader.
    """
    if isinstance(name_or_path, os.PathLike):
        return read(name_or_path, target, batch_size=batch_size, **options)
    name = str(name_or_path)
    key = name.strip().lower()
    base, _, arg = key.partition(":")
    ds: Dataset | None = None
    if key in _NAMED:
        ds = _NAMED[key](batch_size=batch_size, **options)
    elif base in GENERATORS:
        n_rows = _rows(name, arg) if arg else DEFAULT_SYNTHETIC_ROWS
        ds = GENERATORS[base](n_rows=n_rows, batch_size=batch_size, **options)
    elif base == "nab" and arg:
        ds = nab(name.strip().partition(":")[2], batch_size=batch_size, **options)
    if ds is not None:
        if target is not None and target != ds.target:
            raise InvalidParameterError(
                f"The data set {name!r} has the target {ds.target!r}; "
                f"target={target!r} applies to files only."
            )
        return ds
    if Path(name).exists() or file_format(name) is not None:
        return read(name, target, batch_size=batch_size, **options)
    raise UnknownNameError(
        f"Unknown data set {name!r}. Known names: {', '.join(names())}; "
        "or give the path of a .csv, .arff, .parquet or .jsonl file (optionally .gz)."
    )
