"""Where the shared data sets live.

The data directory is ``$STREAMLEARN_DATA`` when set; otherwise
``../shared/data`` relative to the current directory, then relative to the
repository checkout this package runs from. It holds ``elec2/``,
``nsl-kdd/`` and ``nab/`` as described in its README.

>>> import os
>>> from streamlearn.datasets.base import data_dir
>>> saved = os.environ.get("STREAMLEARN_DATA")
>>> os.environ["STREAMLEARN_DATA"] = "/no/such/folder"
>>> data_dir()
Traceback (most recent call last):
...
streamlearn.base.errors.DataError: STREAMLEARN_DATA is set to '/no/such/folder', which is not a folder...
>>> _ = os.environ.pop("STREAMLEARN_DATA") if saved is None else os.environ.update(STREAMLEARN_DATA=saved)
"""

from __future__ import annotations

import os
from pathlib import Path

from streamlearn.base.errors import DataError
from streamlearn.streams.dataset import ArrayDataset, Dataset

ENV = "STREAMLEARN_DATA"


def _candidates() -> list[Path]:
    return [
        Path.cwd() / ".." / "shared" / "data",
        Path(__file__).resolve().parents[3] / ".." / "shared" / "data",
    ]


def data_dir() -> Path:
    """The folder with the shared data sets (see the module docstring)."""
    env = os.environ.get(ENV)
    if env:
        p = Path(env).expanduser()
        if not p.is_dir():
            raise DataError(f"{ENV} is set to {env!r}, which is not a folder. Point it to the data folder.")
        return p
    for c in _candidates():
        if c.is_dir():
            return c.resolve()
    tried = ", ".join(str(c) for c in _candidates())
    raise DataError(
        f"No data folder found (tried {tried}). Set the {ENV} environment variable to the folder that "
        "holds elec2/, nsl-kdd/ and nab/."
    )


def data_file(*parts: str) -> Path:
    """A file inside the data folder; DataError saying what is missing and where."""
    root = data_dir()
    p = root.joinpath(*parts)
    if not p.exists():
        raise DataError(
            f"{p} is missing. The data folder {root} does not hold {'/'.join(parts)}; "
            f"set {ENV} to a folder that does."
        )
    return p


__all__ = ["ENV", "ArrayDataset", "Dataset", "data_dir", "data_file"]
