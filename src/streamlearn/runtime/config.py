"""Pipelines defined in YAML, validated with errors that say where and what to fix.

A pipeline file (paths are relative to the file)::

    name: flows                         # shown in logs and the live view
    source:                             # or a list of sources: one model fed by several readers
      type: file                        # file | directory | memory | kafka | mqtt
      path: data/flows.jsonl
      rate: 0                           # replay rate, records/s (0: as fast as possible)
    labels:                             # optional: a separate stream of labels, joined by key
      type: file
      path: data/labels.jsonl
    format: json                        # payload format: json or csv (default: from the source)
    schema:
      label: label                      # the label field
      key: id                           # joins late labels to their features
      timestamp: ts                     # event time (seconds or ISO 8601) for the time-to-live
      fields:                           # optional; inferred when left out
        bytes: {type: number, min: 0, required: true}
        proto: {type: category, values: [tcp, udp, icmp]}
        duration: number
      extra_fields: ignore              # ignore | keep | reject undeclared fields
      label_type: bool                  # str | int | float | bool (convert labels)
      max_record_bytes: 1048576
    model:
      name: logistic_regression         # a registry name (`streamlearn models`)
      params: {lr: 0.05}
      preprocess: true                  # add the scaler/encoder the model needs
      # or: steps: [standard_scaler, {name: logistic_regression, params: {lr: 0.05}}]
    metrics: [accuracy, macro_f1]       # default: the task's defaults
    rolling: 1000                       # also over the last 1000 labelled records
    drift: ddm                          # or {name: adwin, params: {delta: 0.002}}
    join: {max_pending: 100000, ttl_seconds: 3600, max_labels: 100000}
    batch: {max_records: 1000, max_seconds: 0.5, exact_order: false}
    checkpoint: {dir: checkpoints, every_records: 100000, every_seconds: 10}
    sinks:
      predictions: [{type: file, path: out/preds.jsonl}]   # file | parquet | stdout | memory | kafka | mqtt
      dead_letters: {type: file, path: out/dead_letters.jsonl}
    output: {proba: true, classes: false}
    observe: {live: auto, log: off, prometheus_port: 9108}
    workers: 1                          # worker processes, each with its own model

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "p.yaml")
>>> _ = open(path, "w").write("source: {type: file, path: in.jsonl}\\nmodel: {name: gausian_nb}\\n")
>>> try:
...     load_pipeline(path)
... except PipelineConfigError as e:
...     print(str(e).split(": ", 1)[1])
model.name: unknown model 'gausian_nb' (did you mean 'gaussian_nb'?).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from streamlearn.base.errors import StreamlearnError
from streamlearn.base.learner import Learner
from streamlearn.streams.sinks.base import SINK_TYPES, Sink
from streamlearn.streams.sources.base import SOURCE_TYPES, Source
from streamlearn.streams.sources.options import (
    Opt,
    PipelineConfigError,
    check_options,
    non_negative,
    positive,
    suggest,
)

TOP = {
    "name": Opt(str, "pipeline"),
    "source": Opt((dict, list)),
    "labels": Opt(dict, None),
    "format": Opt(str, None, lambda v: v in ("json", "csv"), "json or csv"),
    "schema": Opt(dict, None),
    "model": Opt(dict),
    "metrics": Opt(list, None),
    "rolling": Opt(int, None, positive, "an int >= 1"),
    "drift": Opt((str, dict), None),
    "join": Opt(dict, None),
    "batch": Opt(dict, None),
    "checkpoint": Opt(dict, None),
    "sinks": Opt(dict, None),
    "output": Opt(dict, None),
    "observe": Opt(dict, None),
    "workers": Opt(int, 1, positive, "an int >= 1"),
}


def _builtin_types() -> None:
    """Import every module of the sources and sinks packages: each registers its types.

    Modules whose optional dependency is missing (Kafka, MQTT clients) are skipped;
    they should import such clients lazily, inside their factories.
    """
    import importlib
    import pkgutil

    import streamlearn.streams.sinks as sinks
    import streamlearn.streams.sources as sources

    for pkg in (sources, sinks):
        for info in pkgutil.iter_modules(pkg.__path__):
            with contextlib.suppress(ImportError):
                importlib.import_module(f"{pkg.__name__}.{info.name}")


def _build(what: str, types: Mapping[str, Any], spec: Any, base_dir: Path | None, where: str) -> Any:
    """The ``what`` (source or sink) of a mapping ``{type: ..., options...}``, by the factory in ``types``."""
    _builtin_types()
    if not isinstance(spec, Mapping) or "type" not in spec:
        raise PipelineConfigError(f"{where}: give a mapping with a type ({', '.join(sorted(types))}).")
    kind = spec["type"]
    factory = types.get(kind)
    if factory is None:
        raise PipelineConfigError(
            f"{where}.type: unknown {what} type {kind!r}{suggest(str(kind), list(types))}. "
            f"Known: {', '.join(sorted(types))}."
        )
    options = {k: v for k, v in spec.items() if k != "type"}
    return factory(options, base_dir, where)


def build_source(spec: Any, base_dir: Path | None, where: str) -> Source:
    """A source from its mapping ``{type: ..., options...}``."""
    return _build("source", SOURCE_TYPES, spec, base_dir, where)  # type: ignore[no-any-return]


def build_sink(spec: Any, base_dir: Path | None, where: str) -> Sink:
    """A sink from its mapping ``{type: ..., options...}``."""
    return _build("sink", SINK_TYPES, spec, base_dir, where)  # type: ignore[no-any-return]


def _learner(name: Any, params: Any, where: str) -> Learner:
    from streamlearn.base.registry import make, registry

    with contextlib.suppress(ImportError):
        import streamlearn.drift  # noqa: F401  (registers the detectors)
    known = list(registry())
    if not isinstance(name, str) or name not in known:
        raise PipelineConfigError(f"{where}.name: unknown model {name!r}{suggest(str(name), known)}.")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise PipelineConfigError(f"{where}.params: must be a mapping of parameter to value. Got {params!r}.")
    try:
        return make(name, **dict(params))  # type: ignore[no-any-return]
    except StreamlearnError as e:
        raise PipelineConfigError(f"{where}.params: {e}") from None


def build_model(spec: Any, where: str = "model") -> Learner:
    """The model of ``model: {name, params, preprocess}`` or ``model: {steps: [...]}``."""
    from streamlearn.compose import Pipeline
    from streamlearn.compose.auto import with_preprocessing

    if "steps" in spec:
        o = check_options(
            where, spec, {"steps": Opt(list, check=lambda v: len(v) > 0, description="a non-empty list")}
        )
        steps = []
        for i, step in enumerate(o["steps"]):
            w = f"{where}.steps[{i}]"
            if isinstance(step, str):
                steps.append(_learner(step, None, w))
            else:
                so = check_options(w, step, {"name": Opt(str), "params": Opt(dict, None)})
                steps.append(_learner(so["name"], so["params"], w))
        if len(steps) == 1:
            return steps[0]
        try:
            return Pipeline(steps)
        except StreamlearnError as e:
            raise PipelineConfigError(f"{where}.steps: {e}") from None
    o = check_options(
        where, spec, {"name": Opt(str), "params": Opt(dict, None), "preprocess": Opt(bool, True)}
    )
    model = _learner(o["name"], o["params"], where)
    return with_preprocessing(model) if o["preprocess"] else model


def _metrics(spec: list[Any] | None) -> list[Any] | None:
    if spec is None:
        return None
    from streamlearn import metrics

    out = []
    for i, m in enumerate(spec):
        where = f"metrics[{i}]"
        params: dict[str, Any]
        if isinstance(m, str):
            name, params = m, {}
        else:
            o = check_options(where, m, {"name": Opt(str), "params": Opt(dict, None)})
            name, params = o["name"], o["params"] or {}
        known = metrics.names()
        try:
            out.append(metrics.get(name, **params))
        except StreamlearnError as e:
            raise PipelineConfigError(f"{where}: {e}{suggest(name, known)}") from None
        except TypeError as e:
            raise PipelineConfigError(f"{where}.params: {e}") from None
    return out


def _drift(spec: Any) -> Any:
    if spec is None:
        return None
    if isinstance(spec, str):
        return _learner(spec, None, "drift")
    o = check_options("drift", spec, {"name": Opt(str), "params": Opt(dict, None)})
    return _learner(o["name"], o["params"], "drift")


def _schema(spec: Any) -> Any:
    from streamlearn.runtime.parse import RecordSchema

    o = check_options(
        "schema",
        spec,
        {
            "fields": Opt(dict, None),
            "label": Opt(str, None),
            "key": Opt(str, None),
            "timestamp": Opt(str, None),
            "extra_fields": Opt(str, None),
            "label_required": Opt(bool, None),
            "label_type": Opt(str, None),
            "max_record_bytes": Opt(int, 1 << 20, positive, "an int >= 1"),
        },
    )
    return RecordSchema(**o)


def pipeline_from_dict(
    spec: Mapping[str, Any],
    base_dir: Path | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
) -> Any:
    """A :class:`~streamlearn.runtime.pipeline.StreamPipeline` from a parsed YAML mapping."""
    from streamlearn.runtime.pipeline import StreamPipeline

    top = check_options("pipeline", spec, TOP)
    src = top["source"]
    if isinstance(src, list):
        if not src:
            raise PipelineConfigError("source: the list of sources is empty.")
        source: Any = [build_source(s, base_dir, f"source[{i}]") for i, s in enumerate(src)]
    else:
        source = build_source(src, base_dir, "source")
    labels = build_source(top["labels"], base_dir, "labels") if top["labels"] is not None else None
    sinks_spec = check_options(
        "sinks", top["sinks"], {"predictions": Opt((list, dict), None), "dead_letters": Opt(dict, None)}
    )
    preds = sinks_spec["predictions"] or []
    if isinstance(preds, Mapping):
        preds = [preds]
    sinks = [build_sink(s, base_dir, f"sinks.predictions[{i}]") for i, s in enumerate(preds)]
    dead = (
        build_sink(sinks_spec["dead_letters"], base_dir, "sinks.dead_letters")
        if sinks_spec["dead_letters"] is not None
        else None
    )
    join = check_options(
        "join",
        top["join"],
        {
            "max_pending": Opt(int, 100_000, positive, "an int >= 1"),
            "ttl_seconds": Opt((int, float), None, positive, "a number > 0"),
            "max_labels": Opt(int, 100_000, positive, "an int >= 1"),
        },
    )
    batch = check_options(
        "batch",
        top["batch"],
        {
            "max_records": Opt(int, 1000, positive, "an int >= 1"),
            "max_seconds": Opt((int, float), 0.5, positive, "a number > 0"),
            "exact_order": Opt(bool, False),
        },
    )
    ck = check_options(
        "checkpoint",
        top["checkpoint"],
        {
            "dir": Opt(str, None),
            "every_records": Opt(int, 100_000, positive, "an int >= 1"),
            "every_seconds": Opt((int, float), 10.0, positive, "a number > 0"),
        },
    )
    out = check_options("output", top["output"], {"proba": Opt(bool, True), "classes": Opt(bool, False)})
    obs = check_options(
        "observe",
        top["observe"],
        {
            "live": Opt((bool, str), "auto", lambda v: v in (True, False, "auto"), "true, false or auto"),
            "log": Opt(
                (str, bool), "off", lambda v: v in ("json", "text", "off", False), "json, text or off"
            ),
            "prometheus_port": Opt(int, None, non_negative, "a port number"),
        },
    )
    if checkpoint_dir is not None:
        ck_dir: Path | None = Path(checkpoint_dir)
    elif ck["dir"] is not None:
        ck_dir = Path(os.path.expanduser(ck["dir"]))
        if not ck_dir.is_absolute() and base_dir is not None:
            ck_dir = base_dir / ck_dir
    else:
        ck_dir = None
    return StreamPipeline(
        source,
        build_model(top["model"]),
        schema=_schema(top["schema"]),
        format=top["format"],
        labels=labels,
        sinks=sinks,
        dead_letters=dead,
        metrics=_metrics(top["metrics"]),
        rolling=top["rolling"],
        drift=_drift(top["drift"]),
        max_pending=join["max_pending"],
        ttl_seconds=join["ttl_seconds"],
        max_labels=join["max_labels"],
        batch_size=batch["max_records"],
        batch_seconds=batch["max_seconds"],
        exact_order=batch["exact_order"],
        checkpoint_dir=ck_dir,
        checkpoint_every=ck["every_records"],
        checkpoint_seconds=ck["every_seconds"],
        output=[k for k in ("proba", "classes") if out[k]],
        name=top["name"],
        prometheus_port=obs["prometheus_port"],
        live=None if obs["live"] == "auto" else obs["live"],
        log_format="off" if obs["log"] is False else obs["log"],
        workers=top["workers"],
    )


def load_pipeline(path: str | os.PathLike[str], checkpoint_dir: str | os.PathLike[str] | None = None) -> Any:
    """Read and validate a pipeline file; every error names the file and the place in it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineConfigError(f"The pipeline file {str(p)!r} does not exist.") from None
    except OSError as e:
        raise PipelineConfigError(f"Cannot read the pipeline file {str(p)!r}: {e}") from None
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise PipelineConfigError(f"{p}: not valid YAML: {e}") from None
    if not isinstance(spec, Mapping):
        raise PipelineConfigError(f"{p}: a pipeline file must be a mapping (source:, model:, sinks:, ...).")
    try:
        return pipeline_from_dict(spec, p.resolve().parent, checkpoint_dir)
    except PipelineConfigError as e:
        raise PipelineConfigError(f"{p}: {e}") from None
    except StreamlearnError as e:
        raise PipelineConfigError(f"{p}: {e}") from None
