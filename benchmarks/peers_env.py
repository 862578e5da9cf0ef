"""The peers' virtual environment: made once by the benchmark tooling, then reused.

The peer libraries (River, and CapyMOA for later comparisons) live in their own
virtual environment at ``benchmarks/.peers/venv`` (gitignored), never in the
project's ``.venv``. ``ensure()`` creates it on first use, installs the pinned
packages with pip, and writes a stamp file (``.stamp.json``) holding the wanted
pins and the versions actually installed. A later call that finds a stamp with
the same wanted pins reuses the environment at once. Every creation step is
appended to ``benchmarks/.peers/setup.log``.

Pins:

- ``river==0.25.0`` (the version the peer figures in the issues were measured
  with) and ``pandas``. If that exact version cannot be installed, the closest
  version that pip can see is installed instead, and the stamp (and so every
  results table) records which.
- ``capymoa==0.11.0``, optional, with ``torch`` (capymoa imports torch but does
  not declare it), installed with the project's constraints file
  (``constraints.txt`` pins torch to the CPU build on disk). MOA runs on the
  machine's Java 17. A failure or a time-out is recorded in the stamp and does
  not stop the River benchmarks.

Run ``python benchmarks/peers_env.py`` to create (or show) the environment;
``--rebuild`` removes it first; ``--no-capymoa`` skips the optional install.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS_DIR = HERE / ".peers"
VENV = PEERS_DIR / "venv"
STAMP = VENV / ".stamp.json"
LOG = PEERS_DIR / "setup.log"
CONSTRAINTS = REPO / "constraints.txt"

RIVER_PIN = "0.25.0"
CAPYMOA_PIN = "0.11.0"
# Bump when the wanted set changes: a stamp with another spec makes ensure() rebuild.
SPEC = {"river": RIVER_PIN, "pandas": "*", "capymoa": CAPYMOA_PIN, "spec_version": 2}
CAPYMOA_TIMEOUT_S = 600

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(f"[peers-env] {msg}", file=sys.stderr, flush=True)


def python() -> Path:
    """Path of the peer environment's interpreter (whether or not it exists yet)."""
    return VENV / "bin" / "python"


def read_stamp() -> dict | None:
    """The stamp of a finished environment, or None when there is none (or it is unreadable)."""
    try:
        return json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return None


class _Logger:
    def __init__(self, echo: Log) -> None:
        self.echo = echo
        PEERS_DIR.mkdir(parents=True, exist_ok=True)
        self.file = LOG.open("a")

    def __call__(self, msg: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.file.write(f"{stamp} {msg}\n")
        self.file.flush()
        self.echo(msg)

    def run(self, cmd: list[str], timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        self(f"$ {' '.join(cmd)}")
        t0 = time.perf_counter()
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            self.file.write(out)
            self(f"  timed out after {timeout:.0f} s")
            return subprocess.CompletedProcess(cmd, 124, out, "timed out")
        self.file.write(res.stdout)
        self.file.write(res.stderr)
        self(f"  exit {res.returncode} in {time.perf_counter() - t0:.1f} s")
        return res

    def close(self) -> None:
        self.file.close()


def _base_python() -> str:
    """An interpreter to build the venv from: the one behind the current venv, if any."""
    base = getattr(sys, "_base_executable", None)
    return base if base and Path(base).exists() else sys.executable


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", v)[:3])


def _closest_version(log: _Logger, pip: list[str], package: str, wanted: str) -> str | None:
    """The version of ``package`` that pip can see closest to ``wanted`` (ties: the newer)."""
    res = log.run([*pip, "index", "versions", package])
    m = re.search(r"Available versions:\s*(.+)", res.stdout)
    if res.returncode != 0 or not m:
        return None
    versions = [v.strip() for v in m.group(1).split(",") if v.strip()]
    w = _version_key(wanted)

    def distance(v: str) -> tuple[int, ...]:
        k = _version_key(v)
        k = k + (0,) * (3 - len(k))
        return tuple(abs(a - b) for a, b in zip(k, w + (0,) * (3 - len(w)), strict=False))

    return min(versions, key=lambda v: (distance(v), [-x for x in _version_key(v)]))


def _installed_versions(log: _Logger) -> dict[str, str | None]:
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        "for p in ('river', 'pandas', 'numpy', 'capymoa', 'torch'):\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: out[p] = None\n"
        "print(json.dumps(out))\n"
    )
    res = log.run([str(python()), "-c", code])
    return json.loads(res.stdout.strip().splitlines()[-1])


def ensure(with_capymoa: bool = True, rebuild: bool = False, echo: Log = _stderr) -> dict:
    """Make the peer environment if needed and return its stamp (pins and installed versions).

    Raises RuntimeError (with the log's path) when River cannot be installed at all.
    """
    stamp = read_stamp()
    if stamp is not None and not rebuild and stamp.get("spec") == SPEC and python().exists():
        return stamp
    log = _Logger(echo)
    try:
        return _create(log, with_capymoa)
    finally:
        log.close()


def _create(log: _Logger, with_capymoa: bool) -> dict:
    log(f"creating the peer environment at {VENV} (log: {LOG})")
    if VENV.exists():
        log(f"removing the old environment {VENV}")
        shutil.rmtree(VENV)
    t0 = time.perf_counter()
    res = log.run([_base_python(), "-m", "venv", str(VENV)])
    if res.returncode != 0:
        raise RuntimeError(f"could not create the virtual environment {VENV}: see {LOG}")
    pip = [str(python()), "-m", "pip"]
    quiet = ["--disable-pip-version-check", "--no-input"]
    log.run([*pip, "install", *quiet, "-q", "--upgrade", "pip"])

    notes: list[str] = []
    river_spec = f"river=={RIVER_PIN}"
    res = log.run([*pip, "install", *quiet, "-q", river_spec, "pandas"])
    if res.returncode != 0:
        closest = _closest_version(log, pip, "river", RIVER_PIN)
        if closest is None:
            raise RuntimeError(f"river could not be installed in {VENV} (no version found): see {LOG}")
        notes.append(f"river=={RIVER_PIN} is not installable here; used river=={closest}, the closest")
        log(notes[-1])
        res = log.run([*pip, "install", *quiet, "-q", f"river=={closest}", "pandas"])
        if res.returncode != 0:
            raise RuntimeError(f"river=={closest} could not be installed in {VENV}: see {LOG}")

    capymoa_status = "skipped (--no-capymoa)"
    if with_capymoa and not CONSTRAINTS.exists():
        capymoa_status = f"skipped ({CONSTRAINTS} is missing: torch would not be pinned)"
    elif with_capymoa:
        # capymoa 0.11.0 imports torch without declaring it: install torch beside it, pinned by the
        # constraints file to the CPU build on disk (any other torch spec would pull a CUDA build).
        cmd = [*pip, "install", *quiet, "-q", f"capymoa=={CAPYMOA_PIN}", "torch", "-c", str(CONSTRAINTS)]
        res = log.run(cmd, timeout=CAPYMOA_TIMEOUT_S)
        if res.returncode == 0:
            check = log.run([str(python()), "-c", "import capymoa; print(capymoa.__version__)"], timeout=300)
            if check.returncode == 0:
                capymoa_status = "installed"
            else:
                tail = (check.stderr.strip().splitlines() or ["?"])[-1]
                capymoa_status = f"installed but import failed: {tail}"
        else:
            tail = (res.stderr.strip().splitlines() or ["?"])[-1]
            capymoa_status = f"not installed (pip exit {res.returncode}: {tail})"
        log(f"capymoa: {capymoa_status}")

    versions = _installed_versions(log)
    stamp = {
        "spec": SPEC,
        "versions": versions,
        "capymoa_status": capymoa_status,
        "notes": notes,
        "python": subprocess.run(
            [str(python()), "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
        ).stdout.strip(),
        "created": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "setup_seconds": round(time.perf_counter() - t0, 1),
    }
    STAMP.write_text(json.dumps(stamp, indent=2) + "\n")
    log(f"peer environment ready in {stamp['setup_seconds']} s: {json.dumps(versions)}")
    return stamp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--rebuild", action="store_true", help="remove and recreate the environment")
    ap.add_argument("--no-capymoa", action="store_true", help="do not try to install capymoa")
    args = ap.parse_args(argv)
    try:
        stamp = ensure(with_capymoa=not args.no_capymoa, rebuild=args.rebuild)
    except RuntimeError as exc:
        _stderr(f"error: {exc}")
        return 1
    print(json.dumps(stamp, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    sys.exit(main())
