"""Atomic checkpoints: source offsets, model, metrics and the label store, saved together.

A checkpoint directory holds numbered checkpoints and a ``CURRENT`` pointer::

    ckpt/
      CURRENT            "000012"  (the last durable checkpoint)
      000011/            the one before (kept until 000012 is durable)
      000012/
        manifest.json    positions of sources and sinks, counters, metric and
                         store state (JSON), the parser schemas
        model.npz        the model (streamlearn.save: a manifest + arrays, no pickle)
        state.npz        the arrays of the metric and store state

Writing checkpoint N: every file is written into ``.tmp-N`` and fsynced,
the folder is fsynced and renamed to ``N``, the parent folder is fsynced,
then ``CURRENT`` is replaced the same way (temporary file, fsync, rename,
fsync). Only then are checkpoints older than N-1 deleted. A crash or a
failing disk at any step leaves ``CURRENT`` pointing at a complete
checkpoint: the previous one stays valid and is the one used on restart.

>>> import tempfile
>>> from streamlearn.naive_bayes import GaussianNB
>>> store = CheckpointStore(tempfile.mkdtemp())
>>> model = GaussianNB().learn_one({"a": 1.0}, "x")
>>> store.save({"sources": {"main": {"pos": 10}}}, model, {})
1
>>> cp = store.load()
>>> cp.epoch, cp.manifest["sources"], cp.model.predict_one({"a": 1.0})
(1, {'main': {'pos': 10}}, 'x')
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streamlearn.base.errors import PersistenceError
from streamlearn.base.learner import Learner
from streamlearn.base.persistence import load as load_model
from streamlearn.base.persistence import save as save_model

FORMAT = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


def fsync_file(path: Path) -> None:
    """Force a file's data to disk."""
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Force a folder's entries (renames, new files) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


@dataclass
class Checkpoint:
    """A loaded checkpoint."""

    epoch: int
    manifest: dict[str, Any]
    model: Learner
    arrays: dict[str, np.ndarray]
    path: Path


class CheckpointStore:
    """Writes and reads the checkpoints of one pipeline in a directory."""

    def __init__(self, directory: str | os.PathLike[str], keep: int = 2) -> None:
        self.dir = Path(directory)
        self.keep = max(2, keep)
        self.last_seconds = 0.0
        self.last_bytes = 0

    def _name(self, epoch: int) -> str:
        return f"{epoch:06d}"

    def current_epoch(self) -> int | None:
        """The epoch ``CURRENT`` points at (None: no checkpoint yet)."""
        try:
            text = (self.dir / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        try:
            return int(text)
        except ValueError:
            raise PersistenceError(f"{self.dir / CURRENT} is corrupt: {text[:40]!r}.") from None

    # -- writing ----------------------------------------------------------------------------
    def save(self, manifest: dict[str, Any], model: Learner, arrays: dict[str, np.ndarray]) -> int:
        """Write a new checkpoint atomically; returns its epoch."""
        t0 = time.perf_counter()
        self.dir.mkdir(parents=True, exist_ok=True)
        epoch = (self.current_epoch() or 0) + 1
        name = self._name(epoch)
        tmp = self.dir / f".tmp-{name}"
        if tmp.exists():
            shutil.rmtree(tmp)
        final = self.dir / name
        if final.exists():  # left over from a save whose CURRENT update failed
            shutil.rmtree(final)
        tmp.mkdir()
        save_model(model, tmp / "model.npz")  # temporary file, fsync, rename inside tmp
        with open(tmp / "state.npz", "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        body = {"format": FORMAT, "epoch": epoch, "created": time.time(), **manifest}
        _write(tmp / MANIFEST, json.dumps(body, sort_keys=True, allow_nan=False).encode())
        fsync_dir(tmp)
        os.replace(tmp, final)
        fsync_dir(self.dir)
        pointer = self.dir / f".{CURRENT}.tmp"
        _write(pointer, (name + "\n").encode())
        os.replace(pointer, self.dir / CURRENT)
        fsync_dir(self.dir)
        self._prune(epoch)
        self.last_seconds = time.perf_counter() - t0
        self.last_bytes = sum(p.stat().st_size for p in final.iterdir())
        return epoch

    def _prune(self, epoch: int) -> None:
        for p in self.dir.iterdir():
            if p.name.startswith(".tmp-"):
                shutil.rmtree(p, ignore_errors=True)
                continue
            if p.is_dir() and p.name.isdigit() and int(p.name) <= epoch - self.keep:
                shutil.rmtree(p, ignore_errors=True)

    # -- reading ----------------------------------------------------------------------------
    def load(self) -> Checkpoint | None:
        """The checkpoint ``CURRENT`` points at (None when there is none)."""
        epoch = self.current_epoch()
        if epoch is None:
            if self.dir.is_dir() and any(p.name.isdigit() for p in self.dir.iterdir()):
                raise PersistenceError(
                    f"{self.dir} holds checkpoints but no {CURRENT} pointer; it is damaged. Delete the "
                    "directory to start afresh."
                )
            return None
        path = self.dir / self._name(epoch)
        try:
            manifest = json.loads((path / MANIFEST).read_text())
            model = load_model(path / "model.npz")
            with np.load(path / "state.npz", allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError) as e:
            raise PersistenceError(f"The checkpoint {path} cannot be read: {e}") from None
        if manifest.get("format") != FORMAT:
            raise PersistenceError(
                f"The checkpoint {path} has format {manifest.get('format')!r}; expected {FORMAT}."
            )
        return Checkpoint(epoch, manifest, model, arrays, path)
