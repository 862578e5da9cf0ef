"""Prequential (test-then-train) evaluation, with delayed and missing labels.

Each row is first predicted, then (once its label is known) learned; metrics
score the prediction made *before* the model saw the row's label.

Semantics, exactly:

* ``delay=0`` (the default): row ``t`` is predicted by the model that has
  learned rows ``0 .. t-1``, then learned. Batches go through
  ``test_then_train_many``, which is identical to a loop of
  ``predict_one``/``learn_one``, so batch mode and ``one_at_a_time=True``
  give the same predictions (and metric values, to rounding).
* ``delay=d >= 1``: the label of row ``t`` arrives ``d`` rows after it, at
  batch granularity. When a batch of rows ``[t0, t1)`` arrives, all of its
  rows are predicted (``predict_proba_many``/``predict_many``) with the model
  as it is; then every queued row ``j`` whose label has arrived
  (``j + d <= t1 - 1``) is learned with ``learn_many``, oldest first, and its
  prediction is scored. A prediction therefore never used its own label nor
  the labels of the ``d`` rows before it; rows later in a batch do not see
  labels that arrived within the batch. With ``batch_size=1`` (or
  ``one_at_a_time=True``) this is exact per row: row ``t`` is predicted by the
  model that learned rows ``0 .. t-d-1``. At the end of the stream the rows
  still waiting are learned and scored (their labels arrive after the last row).
* Rows whose label is missing (``None``/``NaN``, or a batch without ``y``) are
  predicted but neither learned nor scored, and counted in ``n_unlabelled``.
  With ``delay=0`` a batch is split into runs of labelled and unlabelled rows,
  so each row still sees exactly the rows learned before it.
* Classifiers: ``test_then_train_many(X, y, schema=..., return_proba=True)``;
  the prediction of a row is ``model.classes_[argmax]`` (none when every
  probability is 0, which counts as wrong); label metrics, ``LogLoss`` and
  ``ROCAUC`` read the probabilities. Regressors: ``test_then_train_many(X, y,
  schema=...)``. Anomaly detectors: ``test_then_train_many(X, schema=...)``
  returns scores; labelled rows are scored (e.g. ``ROCAUC`` of score vs label).
  Clusterers: ``test_then_train_many(X, schema=...)`` returns assignments;
  clustering metrics read the rows, the assignments and the clusterer's
  ``centers_`` after the batch (an approximation: the assignment was made with
  the centres before each row). Unsupervised models learn every row at once;
  ``delay`` does not apply to them.
* ``every=k`` records the metric values each time ``k`` more rows were read
  (with ``delay=0`` batches are cut at multiples of ``k``, so ``n`` is a
  multiple of ``k``; with ``delay >= 1`` the values are recorded at the end of
  the batch that crossed the multiple, with its actual ``n``). The history
  always ends with the final values.
* Timing: ``seconds`` covers predicting, learning and updating metrics;
  ``read_seconds`` the time spent pulling batches (or grouping records) from
  the stream; the ``progress`` callback is in neither.

>>> from streamlearn.base.learner import Classifier
>>> import numpy as np
>>> class Majority(Classifier):
...     def __init__(self):
...         self._validate_params()
...     def _learn(self, X, codes):
...         k = max(len(getattr(self, "counts_", [])), int(codes.max()) + 1)
...         counts = np.zeros(k)
...         counts[: len(getattr(self, "counts_", []))] = getattr(self, "counts_", [])
...         self.counts_ = counts + np.bincount(codes, minlength=k)
...     def _proba(self, X):
...         c = getattr(self, "counts_", np.zeros(0))
...         return np.tile(c / c.sum() if c.sum() else c, (len(X), 1))
>>> stream = [({"x": 1.0}, "a"), ({"x": 2.0}, "a"), ({"x": 3.0}, "b"), ({"x": 4.0}, "a")]
>>> report = prequential(Majority(), stream, metrics=["accuracy"])
>>> report.n, report.metrics  # row 0: no prediction; rows 1, 3 right; row 2 wrong
(4, {'accuracy': 0.5})

References: A. P. Dawid (1984). Present position and potential developments:
some personal views. Statistical theory. The prequential approach. JRSS A 147(2).
J. Gama, R. Sebastião, P. P. Rodrigues (2013). On evaluating stream learning
algorithms. Machine Learning 90(3).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.learner import Learner
from streamlearn.base.params import BOOL, NONE, Interval, validate
from streamlearn.base.schema import Schema
from streamlearn.evaluate._source import batches, labels_of, records
from streamlearn.evaluate.report import PrequentialReport
from streamlearn.metrics import Metric, Rolling, defaults_for
from streamlearn.metrics import get as get_metric
from streamlearn.metrics._labels import ScoredBatch, as_labels, factorize, missing_mask
from streamlearn.metrics.base import as_float_array

TASKS = ("classification", "regression", "anomaly", "clustering")
_CENTER_ATTRS = ("centers_", "centres_", "cluster_centers_", "centroids_")

_RULES = {
    "every": NONE | Interval(int, 1, None),
    "delay": Interval(int, 0, None),
    "batch_size": Interval(int, 1, None),
    "limit": NONE | Interval(int, 0, None),
    "rolling": NONE | Interval(int, 1, None),
    "one_at_a_time": BOOL,
}


def prequential(
    model: Learner,
    stream: Iterable[Any],
    metrics: Sequence[Metric | str] | Metric | str | None = None,
    *,
    every: int | None = None,
    delay: int = 0,
    batch_size: int = 1000,
    limit: int | None = None,
    rolling: int | None = None,
    progress: Callable[[int, PrequentialReport], None] | None = None,
    one_at_a_time: bool = False,
) -> PrequentialReport:
    """Evaluate ``model`` test-then-train on ``stream``; the model learns as it goes.

    Parameters
    ----------
    model
        A classifier, regressor, anomaly detector or clusterer (or a pipeline
        ending in one). It is updated in place.
    stream
        An iterable of :class:`~streamlearn.base.batch.Batch`, of ``(x, y)``
        records, or of ``x`` dicts (unlabelled).
    metrics
        Metric objects or names (see :func:`streamlearn.metrics.get`); the
        defaults of the model's task when omitted. Objects are updated in place.
    every
        Record the metric values every ``every`` rows in ``history``.
    delay
        Labels arrive this many rows after their features (see module docs).
    batch_size
        Rows per batch when ``stream`` yields records.
    limit
        Stop after this many rows.
    rolling
        Also report each metric over the last ``rolling`` rows (``rolling_<name>``).
    progress
        Called as ``progress(n, report)`` after every batch.
    one_at_a_time
        Predict and learn record by record (``predict_proba_one``/``learn_one``),
        to compare with batch mode. ``batch_size=1`` does the same.
    """
    validate(
        "prequential",
        {
            "every": every,
            "delay": delay,
            "batch_size": batch_size,
            "limit": limit,
            "rolling": rolling,
            "one_at_a_time": one_at_a_time,
        },
        _RULES,
    )
    if progress is not None and not callable(progress):
        raise InvalidParameterError("The 'progress' parameter of prequential must be callable(n, report).")
    task = getattr(model, "task", None)
    if not isinstance(model, Learner) or task not in TASKS:
        raise InvalidParameterError(
            f"prequential needs a classifier, regressor, anomaly detector or clusterer. Got {model!r}."
        )
    tracked = _resolve_metrics(metrics, task)
    if rolling is not None:
        tracked += [Rolling(m, rolling) for m in tracked]
    _check_names(tracked)
    report = PrequentialReport(
        model=repr(model),
        task=task,
        delay=delay,
        batch_size=batch_size,
        every=every,
        rolling=rolling,
        one_at_a_time=one_at_a_time or batch_size == 1,
        metric_objects=tracked,
    )
    run = _Run(model, task, tracked, delay, report)
    if report.one_at_a_time:
        run.one_at_a_time(stream, limit, every, progress)
    else:
        run.batches(stream, batch_size, limit, every, progress)
    report.metrics = run.values()
    return report


# -- setup ------------------------------------------------------------------------------------------
def _resolve_metrics(metrics: Sequence[Metric | str] | Metric | str | None, task: str) -> list[Metric]:
    if metrics is None:
        return defaults_for(task)
    if isinstance(metrics, (Metric, str)):
        metrics = [metrics]
    out = []
    for m in metrics:
        metric = get_metric(m) if isinstance(m, str) else m
        if not isinstance(metric, Metric):
            raise InvalidParameterError(f"metrics must be metric objects or names. Got {m!r}.")
        if not metric.works_with(task):
            raise InvalidParameterError(
                f"The metric {metric.name!r} cannot score a {task} model (it reads {metric.input})."
            )
        out.append(metric)
    return out


def _check_names(metrics: list[Metric]) -> None:
    seen: set[str] = set()
    for m in metrics:
        if m.name in seen:
            raise InvalidParameterError(f"Two metrics are named {m.name!r}; pass each metric once.")
        seen.add(m.name)


def _runs(labelled: np.ndarray) -> list[tuple[int, int, bool]]:
    """Maximal runs ``[a, b)`` of rows that are all labelled or all unlabelled."""
    n = len(labelled)
    if n == 0:
        return []
    cuts = np.flatnonzero(labelled[1:] != labelled[:-1]) + 1
    bounds = [0, *cuts.tolist(), n]
    return [(a, b, bool(labelled[a])) for a, b in itertools.pairwise(bounds)]


def _final(model: Learner) -> tuple[Learner, bool]:
    steps = getattr(model, "steps", None)
    if steps:
        return steps[-1], True
    return model, False


def _centers(model: Learner) -> np.ndarray:
    final, _ = _final(model)
    for attr in _CENTER_ATTRS:
        c = getattr(final, attr, None)
        if c is not None:
            return np.asarray(c, dtype=np.float64)
    raise SchemaError(
        f"Clustering metrics need the centres of {type(final).__name__} as a (k, d) array in "
        "`centers_`; this clusterer has none. Pass metrics=[] or metrics that do not need centres."
    )


def _cluster_rows(model: Learner, X: np.ndarray, schema: Schema | None) -> np.ndarray:
    """Rows in the layout of the clusterer's centres (after a pipeline's transformers)."""
    final, is_pipeline = _final(model)
    if is_pipeline:
        X, schema = model.transform_many(X, schema=schema)  # type: ignore[attr-defined]
    own = getattr(final, "schema_", None)
    if own is None:
        return np.asarray(X, dtype=np.float64)
    return own.align(X, schema)


def _cluster_row_one(model: Learner, x: Mapping[Hashable, Any]) -> np.ndarray:
    final, is_pipeline = _final(model)
    if is_pipeline:
        x = model.transform_one(x)  # type: ignore[attr-defined]
    own = getattr(final, "schema_", None)
    if own is None:
        return np.array(list(x.values()), dtype=np.float64)
    return own.row(x)  # type: ignore[no-any-return]


def _factorized(y: np.ndarray) -> tuple[list[Any], np.ndarray] | None:
    """Labels factorised as the metrics do (code -1: missing), or None when they
    cannot be (the model reports bad labels in its own words)."""
    try:
        return factorize(as_labels(y))
    except SchemaError:
        return None


def _missing_one(y: Any, task: str) -> bool:
    if y is None:
        return True
    if isinstance(y, (float, np.floating)):
        return not np.isfinite(y) if task == "regression" else y != y
    return False


# -- the run ----------------------------------------------------------------------------------------
class _Run:
    """Feeds batches or records to the model and the metrics, and keeps the counts."""

    def __init__(
        self, model: Any, task: str, metrics: list[Metric], delay: int, report: PrequentialReport
    ) -> None:
        self.model: Any = model
        self.task = task
        self.metrics = metrics
        self.delay = delay if task in ("classification", "regression") else 0
        self.report = report
        self.queue: deque[list[Any]] = deque()  # delayed rows: [X, y, schema, prediction, labelled, start]
        self.pending = 0
        self.clustering = [m for m in metrics if m.input == "clustering"]

    def values(self) -> dict[str, Any]:
        return {m.name: m.get() for m in self.metrics}

    def _snapshot(self) -> None:
        self.report.history.append({"n": self.report.n, **self.values()})

    def _final_snapshot(self) -> None:
        """End the history with the final values (replacing a checkpoint at the same ``n``)."""
        history = self.report.history
        if history and history[-1]["n"] == self.report.n:
            history.pop()
        self._snapshot()

    # -- scoring ----------------------------------------------------------------------------------
    def _score(self, y: np.ndarray, out: Any, true: tuple[list[Any], np.ndarray] | None = None) -> None:
        """Score labelled rows: ``out`` is ``(proba, classes)`` for classifiers, else predictions.

        A classifier's batch is factorised once for all the metrics (``true``:
        ``y`` already factorised, when the caller has it)."""
        if not len(y):
            return
        self.report.n_scored += len(y)
        if self.task == "classification":
            P, classes = out
            batch = ScoredBatch(y, P, classes, true)
            for m in self.metrics:
                m.update_batch(batch)
        else:
            for m in self.metrics:
                m.update_many(y, out)

    # -- batch mode -------------------------------------------------------------------------------
    def batches(
        self,
        stream: Iterable[Any],
        batch_size: int,
        limit: int | None,
        every: int | None,
        progress: Callable[[int, PrequentialReport], None] | None,
    ) -> None:
        report = self.report
        it = batches(stream, batch_size, limit)
        mark = every
        read = work = 0.0
        while True:
            t0 = time.perf_counter()
            batch = next(it, None)
            t1 = time.perf_counter()
            read += t1 - t0
            if batch is None:
                break
            X, y, schema = batch.X, labels_of(batch), batch.schema
            if every is not None and self.delay == 0:
                cuts = list(range(-report.n % every or every, len(X), every))
            else:
                cuts = []
            for a, b in itertools.pairwise([0, *cuts, len(X)]):
                if a == b:
                    continue
                self._process(X[a:b], None if y is None else y[a:b], schema)
                report.n += b - a
                if every is not None and mark is not None and report.n >= mark:
                    self._snapshot()
                    mark = (report.n // every + 1) * every
            t2 = time.perf_counter()
            work += t2 - t1
            report.seconds, report.read_seconds = work, read
            if progress is not None:
                progress(report.n, report)
        t0 = time.perf_counter()
        self._release(self.pending)
        self._final_snapshot()
        report.seconds, report.read_seconds = work + time.perf_counter() - t0, read

    def _process(self, X: np.ndarray, y: np.ndarray | None, schema: Schema) -> None:
        model, task = self.model, self.task
        true = None  # a classifier's labels, factorised (shared with the metrics)
        if task == "regression" and y is not None:
            y = as_float_array(y, "Regression targets")
            labelled = np.isfinite(y)
        elif task == "classification" and y is not None and not self.delay:
            true = _factorized(y)
            labelled = ~missing_mask(y) if true is None else true[1] >= 0
        else:
            labelled = np.zeros(len(X), dtype=bool) if y is None else ~missing_mask(y)
        if task != "clustering":
            self.report.n_unlabelled += int(len(X) - labelled.sum())
        if task in ("anomaly", "clustering"):
            out = model.test_then_train_many(X, schema=schema)
            if task == "anomaly":
                if y is not None and labelled.any():
                    self._score(y[labelled], out[labelled])
            else:
                self.report.n_scored += len(X)
                if self.clustering:
                    rows, centers = _cluster_rows(model, X, schema), _centers(model)
                    for m in self.clustering:
                        m.update_many(rows, out, centers)
            return
        if self.delay:
            self._queue(X, y, schema, labelled)
            return
        classify = task == "classification"
        for a, b, has_labels in _runs(labelled):
            Xs = X[a:b]
            if not has_labels:
                if classify:
                    model.predict_proba_many(Xs, schema=schema)
                else:
                    model.predict_many(Xs, schema=schema)
                continue
            assert y is not None
            ys = y[a:b]
            if classify:
                P = model.test_then_train_many(Xs, ys, schema=schema, return_proba=True)
                whole = true is not None and b - a == len(X)  # else the metrics factorise the run
                self._score(ys, (P, list(model.classes_)), true if whole else None)
            else:
                self._score(ys, model.test_then_train_many(Xs, ys, schema=schema))

    # -- delayed labels (batch mode) ------------------------------------------------------------------
    def _queue(self, X: np.ndarray, y: np.ndarray | None, schema: Schema, labelled: np.ndarray) -> None:
        model = self.model
        if self.task == "classification":
            out: Any = (model.predict_proba_many(X, schema=schema), list(model.classes_))
        else:
            out = model.predict_many(X, schema=schema)
        self.queue.append([X, y, schema, out, labelled, 0])
        self.pending += len(X)
        self._release(self.pending - self.delay)

    def _release(self, count: int) -> None:
        """Learn and score the ``count`` oldest queued rows (their labels arrived)."""
        while count > 0 and self.queue:
            entry = self.queue[0]
            X, y, schema, out, labelled, start = entry
            stop = min(len(X), start + count)
            take = slice(start, stop)
            keep = np.flatnonzero(labelled[take]) + start
            if len(keep):
                ys = y[keep]
                self.model.learn_many(X[keep], ys, schema=schema)
                if self.task == "classification":
                    self._score(ys, (out[0][keep], out[1]))
                else:
                    self._score(ys, out[keep])
            count -= stop - start
            self.pending -= stop - start
            if stop == len(X):
                self.queue.popleft()
            else:
                entry[5] = stop

    # -- one at a time ------------------------------------------------------------------------------
    def one_at_a_time(
        self,
        stream: Iterable[Any],
        limit: int | None,
        every: int | None,
        progress: Callable[[int, PrequentialReport], None] | None,
    ) -> None:
        report, model, task = self.report, self.model, self.task
        it = records(stream, limit)
        waiting: deque[tuple[Any, Any, Any]] = deque()
        read = work = 0.0
        while True:
            t0 = time.perf_counter()
            rec = next(it, None)
            t1 = time.perf_counter()
            read += t1 - t0
            if rec is None:
                break
            x, y = rec
            missing = _missing_one(y, task)
            report.n += 1
            report.n_unlabelled += missing and task != "clustering"
            if task == "classification":
                waiting.append((x, y, model.predict_proba_one(x)))
            elif task == "regression":
                waiting.append((x, y, model.predict_one(x)))
            elif task == "anomaly":
                score = model.score_one(x)
                model.learn_one(x)
                if not missing:
                    report.n_scored += 1
                    for m in self.metrics:
                        m.update(y, score)
            else:
                cluster = model.predict_one(x)
                model.learn_one(x)
                report.n_scored += 1
                if self.clustering:
                    row = _cluster_row_one(model, x)
                    centers = _centers(model)
                    for m in self.clustering:
                        m.update(row, cluster, centers)
            while len(waiting) > self.delay:
                self._learn_one(*waiting.popleft())
            if every is not None and report.n % every == 0:
                self._snapshot()
            t2 = time.perf_counter()
            work += t2 - t1
            report.seconds, report.read_seconds = work, read
            if progress is not None:
                progress(report.n, report)
        t0 = time.perf_counter()
        while waiting:
            self._learn_one(*waiting.popleft())
        self._final_snapshot()
        report.seconds, report.read_seconds = work + time.perf_counter() - t0, read

    def _learn_one(self, x: Mapping[Hashable, Any], y: Any, pred: Any) -> None:
        if _missing_one(y, self.task):
            return
        self.model.learn_one(x, y)
        self.report.n_scored += 1
        for m in self.metrics:
            m.update(y, pred)


__all__ = ["PrequentialReport", "prequential"]
