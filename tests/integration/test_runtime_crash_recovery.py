"""Process-level crash recovery of ``streamlearn run``: SIGKILL at random points, SIGTERM.

A pipeline reads a JSON Lines file (complete records, records whose label
comes 40 records later on the same stream, and bad lines), predicts, learns
and writes predictions and dead letters to files, checkpointing often. It
is killed with SIGKILL at random moments (each time after it made progress)
and restarted until it finishes. The final model digest, metrics and
counts, and the output files byte for byte, must equal those of an
uninterrupted run.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

N = 16_000
RATE = 12_000
COMPARED = (
    "records_in",
    "predicted",
    "learned",
    "dead_letters",
    "joined",
    "pending",
    "metrics",
    "model_sha256",
)


def _write_stream(path: Path) -> None:
    rng = random.Random(5)
    lines, waiting = [], []
    for i in range(N):
        x = [round(rng.gauss(0, 1), 4) for _ in range(4)]
        label = x[0] + 0.5 * x[1] - x[2] > 0
        rec = {"id": i, "a": x[0], "b": x[1], "c": x[2], "d": x[3], "proto": rng.choice(["tcp", "udp"])}
        if i % 3 == 0:
            rec["y"] = label
        else:
            waiting.append((i, label))
        lines.append(json.dumps(rec))
        if i % 501 == 7:
            lines.append(json.dumps({"id": f"x{i}", "a": "not a number"}))
        if i % 733 == 3:
            lines.append('{"id": 1, "a": ')
        while waiting and waiting[0][0] <= i - 40:
            k, lab = waiting.pop(0)
            lines.append(json.dumps({"id": k, "y": lab}))
    lines += [json.dumps({"id": k, "y": lab}) for k, lab in waiting]
    path.write_text("\n".join(lines) + "\n")


def _write_pipeline(folder: Path, name: str) -> Path:
    text = f"""
name: crash-{name}
source: {{type: file, path: stream.jsonl, rate: {RATE}}}
schema: {{label: y, key: id}}
model:
  name: logistic_regression
  params: {{lr: 0.05}}
metrics: [accuracy, f1, log_loss]
rolling: 300
batch: {{max_records: 400, max_seconds: 30}}
checkpoint: {{dir: {name}/ckpt, every_records: 1500, every_seconds: 0.2}}
sinks:
  predictions: {{type: file, path: {name}/predictions.jsonl}}
  dead_letters: {{type: file, path: {name}/dead.jsonl}}
observe: {{live: false}}
"""
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def _command(pipeline: Path) -> list[str]:
    return [sys.executable, "-m", "streamlearn.cli.main", "run", str(pipeline), "--json", "--no-live"]


def _summary(stdout: str) -> dict:
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    assert lines, "no summary on standard output"
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crash")
    _write_stream(folder / "stream.jsonl")
    pipeline = _write_pipeline(folder, "reference")
    done = subprocess.run(_command(pipeline), capture_output=True, text=True, timeout=120, cwd=folder)
    assert done.returncode == 0, done.stderr
    out = _summary(done.stdout)
    assert out["records_in"] > N and out["dead_letters"] > 0 and out["joined"] > 0
    return folder, out


def _wait_for_progress(proc: subprocess.Popen, out_file: Path, since: int, timeout: float = 60.0) -> bool:
    """Wait until the output file grew past ``since`` bytes (True), or the process ended (False)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            return False
        if out_file.exists() and out_file.stat().st_size > since:
            return True
        time.sleep(0.02)
    raise AssertionError("the pipeline made no progress")


def test_sigkill_at_random_points_then_resume_equals_uninterrupted(reference):
    folder, expected = reference
    pipeline = _write_pipeline(folder, "killed")
    out_file = folder / "killed" / "predictions.jsonl"
    rng = random.Random(2024)
    kills = 0
    result = None
    for _attempt in range(40):
        size = out_file.stat().st_size if out_file.exists() else 0
        proc = subprocess.Popen(
            _command(pipeline), cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        if kills < 5 and _wait_for_progress(proc, out_file, size):
            time.sleep(rng.uniform(0.0, 0.35))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=30)
                kills += 1
                continue
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        result = _summary(stdout)
        break
    assert result is not None, "the pipeline never finished"
    assert kills >= 3, f"only {kills} kills landed"
    assert result["resumed_from"] is not None
    for key in COMPARED:
        assert result[key] == expected[key], key
    ref = folder / "reference"
    assert (folder / "killed" / "predictions.jsonl").read_bytes() == (ref / "predictions.jsonl").read_bytes()
    assert (folder / "killed" / "dead.jsonl").read_bytes() == (ref / "dead.jsonl").read_bytes()


def test_sigterm_stops_gracefully_with_exit_0_and_resumes(reference):
    folder, expected = reference
    pipeline = _write_pipeline(folder, "terminated")
    out_file = folder / "terminated" / "predictions.jsonl"
    proc = subprocess.Popen(
        _command(pipeline), cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert _wait_for_progress(proc, out_file, 0)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    first = _summary(stdout)
    assert first["stopped"] == "SIGTERM"
    assert 0 < first["records_in"] < expected["records_in"]
    assert first["predicted"] == out_file.read_bytes().count(b"\n")  # checkpointed output, all of it
    done = subprocess.run(_command(pipeline), capture_output=True, text=True, timeout=120, cwd=folder)
    assert done.returncode == 0, done.stderr
    second = _summary(done.stdout)
    for key in COMPARED:
        assert second[key] == expected[key], key
    assert out_file.read_bytes() == (folder / "reference" / "predictions.jsonl").read_bytes()
