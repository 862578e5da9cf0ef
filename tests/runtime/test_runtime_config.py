"""Pipelines in YAML: clear errors, the shipped examples, and `streamlearn run`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from streamlearn.cli.main import main
from streamlearn.runtime.config import load_pipeline, pipeline_from_dict
from streamlearn.streams.sinks import FileSink
from streamlearn.streams.sources import FileSource, MultiSource, PipelineConfigError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pipelines"


def _write(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source: [1, 2", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        ("model: {name: gaussian_nb}\n", "the option 'source' is required"),
        (
            "source: {type: fil, path: x.jsonl}\nmodel: {name: gaussian_nb}\n",
            "unknown source type 'fil' (did you mean 'file'?)",
        ),
        (
            "source: {type: file, path: x.jsonl, rat: 5}\nmodel: {name: gaussian_nb}\n",
            "source: unknown option 'rat' (did you mean 'rate'?)",
        ),
        (
            "source: {type: file, path: x.jsonl, rate: -1}\nmodel: {name: gaussian_nb}\n",
            "source.rate: must be a number",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: gausian_nb}\n",
            "model.name: unknown model 'gausian_nb' (did you mean 'gaussian_nb'?)",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: logistic_regression, params: {lr: -1}}\n",
            "model.params: The 'lr' parameter",
        ),
        (
            "source: {type: file, path: x.jsonl}\n"
            "model: {steps: [standard_scaler, {name: gaussian_nb, parms: {}}]}\n",
            "model.steps[1]: unknown option 'parms'",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: gaussian_nb}\nmetrics: [acuracy]\n",
            "metrics[0]: Unknown metric 'acuracy'",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: gaussian_nb}\n"
            "sinks: {predictions: [{type: file}]}\n",
            "sinks.predictions[0]: the option 'path' is required",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: gaussian_nb}\nbatch: {max_records: 0}\n",
            "batch.max_records: must be an int >= 1",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: gaussian_nb}\nschema: {fields: {a: nmber}}\n",
            "schema.fields.a.type",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: gaussian_nb}\nschem: {}\n",
            "unknown option 'schem' (did you mean 'schema'?)",
        ),
        (
            "source: {type: file, path: x.jsonl}\nmodel: {name: gaussian_nb}\n"
            "labels: {type: file, path: y.jsonl}\n",
            "needs schema.key",
        ),
    ],
)
def test_errors_name_the_file_the_place_and_the_fix(tmp_path, text, message):
    with pytest.raises(PipelineConfigError) as e:
        load_pipeline(_write(tmp_path, text))
    assert str(e.value).startswith(str(tmp_path / "p.yaml"))
    assert message in str(e.value)


def test_a_full_pipeline_file_builds_every_part(tmp_path):
    spec = {
        "name": "x",
        "source": [{"type": "file", "path": "a.jsonl"}, {"type": "file", "path": "b.csv"}],
        "schema": {"label": "y", "key": "id", "fields": {"a": {"type": "number", "min": 0}}},
        "model": {"name": "logistic_regression", "params": {"lr": 0.1}},
        "metrics": ["accuracy", {"name": "f1", "params": {"pos_label": "yes"}}],
        "rolling": 10,
        "drift": {"name": "ddm"},
        "join": {"max_pending": 5, "ttl_seconds": 2},
        "batch": {"max_records": 7, "max_seconds": 0.1, "exact_order": True},
        "checkpoint": {"dir": "ck", "every_records": 3, "every_seconds": 1},
        "sinks": {
            "predictions": {"type": "file", "path": "o.jsonl"},
            "dead_letters": {"type": "file", "path": "d.jsonl"},
        },
        "output": {"classes": True},
        "observe": {"live": False, "log": "json"},
    }
    pipe = pipeline_from_dict(spec, tmp_path)
    assert isinstance(pipe.source, MultiSource) and isinstance(pipe.source.sources[0], FileSource)
    assert pipe.source.sources[0].path == tmp_path / "a.jsonl" and pipe.checkpoint_dir == tmp_path / "ck"
    assert repr(pipe.model) == "StandardScaler() | OneHotEncoder() | LogisticRegression(lr=0.1)"
    assert isinstance(pipe.sinks[0], FileSink) and pipe.dead_letters.path == tmp_path / "d.jsonl"
    assert (pipe.batch_size, pipe.batch_seconds, pipe.exact_order, pipe.max_pending) == (7, 0.1, True, 5)
    assert [m.name for m in pipe._metrics()] == ["accuracy", "f1", "rolling_accuracy", "rolling_f1"]
    assert pipe.output == ("proba", "classes") and pipe.log_format == "json" and pipe.live is False


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_shipped_example_is_valid(name):
    pipe = load_pipeline(EXAMPLES / name)
    assert pipe.model.task in ("classification", "regression")


def _run_cli(capsys, *argv):
    assert main(list(argv)) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    return json.loads(lines[-1])


def test_streamlearn_run_json_summary_and_resume(tmp_path, capsys):
    folder = tmp_path / "pipelines"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("out"))
    first = _run_cli(capsys, "run", str(folder / "flows_file.yaml"), "--json", "--no-live")
    assert first.keys() >= {
        "records_in",
        "predicted",
        "learned",
        "dead_letters",
        "metrics",
        "model_sha256",
        "seconds",
    }
    assert first["records_in"] == 2021 and first["dead_letters"] == 21 and first["learned"] == 2000
    assert first["metrics"]["accuracy"] > 0.9
    out = folder / "out" / "flows_file"
    assert (out / "predictions.jsonl").read_text().count("\n") == 2000
    dead = [json.loads(x) for x in (out / "dead_letters.jsonl").read_text().splitlines()]
    assert {d["reason"].split(":")[0] for d in dead} == {
        "invalid JSON",
        "field 'port'",
        "missing label field 'attack'",
    }
    again = _run_cli(capsys, "run", str(folder / "flows_file.yaml"), "--json", "--no-live")
    assert again["resumed_from"] is not None and again["model_sha256"] == first["model_sha256"]
    assert again["records_in"] == first["records_in"]  # nothing new in the file
    other = _run_cli(
        capsys,
        "run",
        str(folder / "flows_file.yaml"),
        "--json",
        "--no-live",
        "--checkpoint-dir",
        str(tmp_path / "ck2"),
    )
    assert other["resumed_from"] is None and other["model_sha256"] == first["model_sha256"]


def test_streamlearn_run_reports_a_bad_file_with_exit_code_2(tmp_path, capsys):
    assert main(["run", str(_write(tmp_path, "source: {type: nope}\nmodel: {name: gaussian_nb}\n"))]) == 2
    assert "unknown source type 'nope'" in capsys.readouterr().err
