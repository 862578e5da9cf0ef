import json
import subprocess
import sys

import pytest

from streamlearn.base.errors import StreamlearnError
from streamlearn.cli.main import main, parse_params

REQUIRED = {
    "data",
    "model",
    "params",
    "n",
    "seconds",
    "rows_per_second",
    "read_seconds",
    "metrics",
    "model_sha256",
}


def _json_run(capsys, *argv):
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1, f"stdout must carry exactly one JSON object, got: {out!r}"
    return json.loads(lines[0])


def test_evaluate_json_on_bundled_sample(capsys):
    r = _json_run(capsys, "evaluate", "--data", "demo", "--model", "gaussian_nb", "--limit", "5000", "--json")
    assert r.keys() >= REQUIRED
    assert r["n"] == 5000 and r["model"] == "gaussian_nb"
    assert 0.8 < r["metrics"]["accuracy"] <= 1.0
    assert r["rows_per_second"] > 0 and len(r["model_sha256"]) == 64


def test_same_run_twice_gives_same_model(capsys):
    argv = ["evaluate", "--data", "demo", "--model", "logistic_regression", "--limit", "3000", "--json"]
    a, b = _json_run(capsys, *argv), _json_run(capsys, *argv)
    assert a["model_sha256"] == b["model_sha256"] and a["metrics"] == b["metrics"]


def test_params_and_batch_size_do_not_change_results(capsys):
    base = ["evaluate", "--data", "demo", "--model", "logistic_regression", "--limit", "2000", "--json"]
    a = _json_run(capsys, *base, "--param", "optimizer=adam", "--param", "lr=0.005", "--batch-size", "7")
    b = _json_run(capsys, *base, "--param", "optimizer=adam", "--param", "lr=0.005", "--batch-size", "500")
    assert a["params"] == {"optimizer": "adam", "lr": 0.005}
    assert a["metrics"] == pytest.approx(b["metrics"]) and a["model_sha256"] == b["model_sha256"]


def test_evaluate_csv_file_with_odd_dialect(tmp_path, capsys):
    path = tmp_path / "flows.csv"
    rows = ["\ufeffbytes;proto;label"]
    for i in range(400):
        rows.append(f"{i % 50};{'tcp' if i % 3 else 'udp'};{'attack' if i % 50 > 25 else 'normal'}")
    rows.insert(10, "oops;tcp;normal")  # a string in a numeric column
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    r = _json_run(
        capsys, "evaluate", "--data", str(path), "--target", "label", "--model", "gaussian_nb", "--json"
    )
    assert r["n"] == 401
    assert r["metrics"]["accuracy"] > 0.8


def test_human_readable_summary(capsys):
    assert main(["evaluate", "--data", "sea:3000", "--model", "perceptron"]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "rows/s" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evaluate", "--data", "demo", "--model", "nope"], "Unknown model 'nope'"),
        (["evaluate", "--data", "demo", "--model", "gaussian_nb", "--param", "x=1"], "has no parameter 'x'"),
        (
            ["evaluate", "--data", "demo", "--model", "logistic_regression", "--param", "lr=-1"],
            "'lr' parameter",
        ),
        (["evaluate", "--data", "no/such/file.csv", "--model", "gaussian_nb"], "no/such/file.csv"),
        (["evaluate", "--data", "no-such-set", "--model", "gaussian_nb"], "no-such-set"),
        (["evaluate", "--data", "demo", "--model", "gaussian_nb", "--param", "novalue"], "key=value"),
    ],
)
def test_errors_exit_2_with_a_clear_message(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unreadable_file(tmp_path, capsys):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\xff\xfe garbage \x00")
    assert main(["evaluate", "--data", str(path), "--model", "gaussian_nb"]) == 2
    assert "error" in capsys.readouterr().err


def test_models_lists_learners_and_parameters(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("logistic_regression", "gaussian_nb", "k_means", "standard_scaler"):
        assert name in out
    assert "optimizer" in out


def test_demo_runs_to_a_summary(capsys):
    assert main(["demo", "--rate", "0"]) == 0
    out = capsys.readouterr().out
    assert "Confusion matrix" in out and "attack recall" in out and "20,996" in out
    assert "Runtime demo summary" in out and "resumed from checkpoint" in out


def test_parse_params():
    assert parse_params(["a=1", "b=x", "c=true", "d=[1,2]"]) == {"a": 1, "b": "x", "c": True, "d": [1, 2]}
    assert parse_params(["e=None", "f=null", "g=none"]) == {"e": None, "f": None, "g": None}
    with pytest.raises(StreamlearnError):
        parse_params(["=3"])


def test_console_script_entry_point():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamlearn.cli.main",
            "evaluate",
            "--data",
            "demo",
            "--model",
            "gaussian_nb",
            "--limit",
            "1000",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["n"] == 1000
