"""The bundled demo sample: every 6th row of NSL-KDD's ``KDDTrain+`` (20,996 rows).

``bundled/nsl_kdd_sample.csv.gz`` ships inside the package, so the demo
runs without the shared data folder. It keeps the stream order of the
training file, has a header row (the 41 feature names and ``label``), keeps
the raw attack names as labels and leaves out the difficulty column. It was
made by :func:`make_sample` (rows 0, 6, 12, ... of ``KDDTrain+.txt.gz``;
gzip with no timestamp, so the file is reproducible byte for byte).

>>> ds = demo()
>>> b = next(iter(ds))
>>> b.X.shape, b.y[:3].tolist()
((1000, 41), [False, True, False])
"""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

from streamlearn.datasets.nsl_kdd import FEATURES, read_kdd
from streamlearn.streams.dataset import Dataset

SAMPLE = Path(__file__).parent / "bundled" / "nsl_kdd_sample.csv.gz"
EVERY = 6


def demo(labels: str = "binary", batch_size: int = 1000) -> Dataset:
    """The bundled NSL-KDD sample (``labels``: "binary" - True = attack -, "5class" or "raw")."""
    return read_kdd(SAMPLE, "demo", labels, batch_size, header=True)


def make_sample(source: str | os.PathLike[str], dest: str | os.PathLike[str], every: int = EVERY) -> int:
    """Write every ``every``-th row of a ``KDDTrain+`` file (header added, difficulty dropped).

    Returns the number of rows written.
    """
    opener = gzip.open if str(source).endswith(".gz") else open
    out = io.StringIO()
    out.write(",".join([*FEATURES, "label"]) + "\n")
    n = 0
    with opener(source, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        for i, line in enumerate(f):
            if i % every == 0 and line.strip():
                out.write(line.rstrip("\r\n").rsplit(",", 1)[0] + "\n")
                n += 1
    with (
        open(dest, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        gz.write(out.getvalue().encode("utf-8"))
    return n
