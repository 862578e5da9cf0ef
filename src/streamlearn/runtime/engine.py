"""The model step: predict now, learn when the label comes, score the earlier prediction.

:class:`Engine` takes parsed batches and drives the model, the metrics, the
label store and the drift detector. Each record of a batch is one of:

* **complete** (features and label): test-then-train - predicted with the
  model as it was before the record, then learned
  (``test_then_train_many``: one compiled loop, identical to record by record);
* **features only**: predicted at once; with a key, its row and prediction
  wait in the :class:`~streamlearn.runtime.join.LabelJoin` for the label;
  without a key it is counted as ``unlabelled``;
* **label only** (key and label): joined to its waiting row, which is then
  learned, and the prediction made *before* the label arrived is scored. A
  label whose row is not there (yet) waits in the store as an early label;
  when its features arrive the record is complete.

Order within a micro-batch (``exact_order=False``, the default): first every
features-only record is predicted in one call, with the model as it was
at the start of the batch; then the complete records are test-then-trained
in one compiled loop, in stream order; then the joined labels are learned,
in the order they arrived. A prediction is therefore always made before
its label is learned, and the batch is handed to the model in three calls.
Within a batch, a features-only record does not see what the records
before it in the same batch taught the model; with ``batch_size=1`` this
is exactly record-at-a-time processing. With ``exact_order=True`` the batch
is cut into runs of records of the same kind, processed in stream order,
which equals record-at-a-time processing whatever the batch size, at the
cost of one model call per run (slow when kinds alternate).

Unsupervised models (anomaly detectors, clusterers) learn every record with
features at once; labels, when they come, only feed the metrics.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from streamlearn.base.learner import DriftDetector, Learner
from streamlearn.base.schema import Schema
from streamlearn.metrics.base import Metric
from streamlearn.runtime.join import LabelJoin
from streamlearn.runtime.observe import Stats, log
from streamlearn.runtime.parse import Parsed

SUPERVISED = ("classification", "regression")
TASKS = ("classification", "regression", "anomaly", "clustering")
_NOW, _PREDICT, _JOIN, _WAIT = 0, 1, 2, -1


class Engine:
    """Drives one model over parsed batches (see the module docstring)."""

    def __init__(
        self,
        model: Learner,
        metrics: Sequence[Metric],
        join: LabelJoin,
        stats: Stats,
        *,
        keyed: bool,
        key_name: str | None = None,
        drift: DriftDetector | None = None,
        output_proba: bool = True,
        output_classes: bool = False,
        exact_order: bool = False,
        feature_schema: Any = None,
    ) -> None:
        self.model: Any = model
        self.task = model.task
        self.metrics = list(metrics)
        self.join = join
        self.stats = stats
        self.keyed = keyed
        self.key_name = key_name
        self.drift = drift
        self.output_proba = output_proba
        self.output_classes = output_classes
        self.supervised = self.task in SUPERVISED
        self.exact_order = exact_order
        self._label_type: pa.DataType | None = None
        #: Returns the schema of the feature rows in the label store (the features parser's).
        self.feature_schema = feature_schema or (lambda: Schema())

    # -- public -------------------------------------------------------------------------
    def process(self, parsed: Parsed, role: str = "features") -> pa.RecordBatch | None:
        """Predict, learn and score a parsed batch; the predictions to emit (None if none)."""
        n = len(parsed)
        if n == 0:
            return None
        if self._label_type is None and parsed.has_label.any():
            self._label_type = _arrow(parsed.labels[parsed.has_label][:64]).type
        if role == "labels":
            action = np.full(n, _JOIN, dtype=np.int8)
        else:
            hf, hl = parsed.has_features, parsed.has_label
            action = np.where(hf & hl, _NOW, np.where(hf, _PREDICT, _JOIN)).astype(np.int8)
        y = parsed.labels
        store = np.zeros(n, dtype=bool)
        if self.keyed and (action != _NOW).any():
            y = y.copy()
            self._resolve(parsed, action, y, store)
        elif not self.keyed:
            action[action == _JOIN] = _WAIT  # the parser sends these to the dead letters
        outs: list[tuple[np.ndarray, dict[str, Any]]] = []
        if self.exact_order:
            groups = [(np.arange(a, b), kind) for a, b, kind in _runs(action)]
        else:
            groups = [(np.flatnonzero(action == kind), kind) for kind in (_PREDICT, _NOW, _JOIN)]
        for rows, kind in groups:
            if not len(rows):
                continue
            if kind == _NOW:
                outs.append((rows, self._now(parsed.X[rows], y[rows], parsed.schema)))
            elif kind == _PREDICT:
                outs.append((rows, self._predict(parsed, rows, store[rows])))
            elif kind == _JOIN:
                self._learn_joined(parsed, rows, y)
        if not outs:
            return None
        if len(outs) > 1 and not self.exact_order:
            outs = _in_order(outs)
        return self._output(parsed, outs)

    # -- resolving keys (sequential, per record, only on the delayed-label path) --------------
    def _resolve(self, parsed: Parsed, action: np.ndarray, y: np.ndarray, store: np.ndarray) -> None:
        keys = parsed.keys
        assert keys is not None
        join = self.join
        pending: set[Hashable] = set()
        for i in np.flatnonzero(action != _NOW).tolist():
            k = keys[i]
            if action[i] == _PREDICT:
                if k is None:
                    continue
                early = join.pop_label(k)
                if early is not None:
                    action[i] = _NOW
                    y[i] = early[0]
                    self.stats.add("early_labels")
                    continue
                store[i] = True
                pending.add(k)
            else:
                if k in pending or k in join:
                    pending.discard(k)
                else:
                    join.add_label(k, y[i], float(parsed.times[i]))
                    action[i] = _WAIT

    # -- the three kinds of run ---------------------------------------------------------------
    def _now(self, X: np.ndarray, y: np.ndarray, schema: Schema) -> dict[str, Any]:
        model, task = self.model, self.task
        n = len(X)
        self.stats.add("predicted", n)
        self.stats.add("learned", n)
        if task == "classification":
            P = model.test_then_train_many(X, y, schema=schema, return_proba=True)
            classes = list(model.classes_)
            for m in self.metrics:
                m.update_many(y, proba=P, classes=classes)
            out = self._classes_out(P, classes)
            if self.drift is not None:
                self._drift_errors(out["prediction"], y)
            return out
        if task == "regression":
            yt = _floats(y)
            pred = model.test_then_train_many(X, yt, schema=schema)
            for m in self.metrics:
                m.update_many(yt, pred)
            if self.drift is not None:
                self._drift(np.abs(pred - yt))
            return {"prediction": pred}
        values = model.test_then_train_many(X, schema=schema)
        if task == "anomaly":
            for m in self.metrics:
                m.update_many(y, values)
            return {"score": values}
        return {"cluster": values}

    def _predict(self, parsed: Parsed, rows: np.ndarray, store: np.ndarray) -> dict[str, Any]:
        model, task = self.model, self.task
        X = parsed.X[rows]
        n = len(X)
        self.stats.add("predicted", n)
        self.stats.add("unlabelled", int(n - store.sum()))
        if task == "classification":
            P = model.predict_proba_many(X, schema=parsed.schema)
            out = self._classes_out(P, list(model.classes_))
        elif task == "regression":
            pred = model.predict_many(X, schema=parsed.schema)
            P = pred[:, None]
            out = {"prediction": pred}
        else:  # unsupervised: learn now; a later label only feeds the metrics
            values = model.test_then_train_many(X, schema=parsed.schema)
            self.stats.add("learned", n)
            P = np.asarray(values, dtype=np.float64)[:, None]
            out = {"score": values} if task == "anomaly" else {"cluster": values}
        if store.any():
            assert parsed.keys is not None
            keys = [parsed.keys[i] for i in rows[store].tolist()]
            self.join.add(keys, X[store], P[store], parsed.times[rows[store]])
        return out

    def _learn_joined(self, parsed: Parsed, rows: np.ndarray, y: np.ndarray) -> None:
        assert parsed.keys is not None
        keys = [parsed.keys[i] for i in rows.tolist()]
        X, P, _, found = self.join.pop(keys)
        if not found.all():  # evicted meanwhile: wait as early labels
            for i in rows[~found].tolist():
                self.join.add_label(parsed.keys[i], y[i], float(parsed.times[i]))
        if not found.any():
            return
        labels = y[rows[found]]
        n = len(labels)
        self.stats.add("joined", n)
        schema = self.feature_schema()  # stored rows come from the features stream
        width = schema.width
        if X.shape[1] < width:
            X = np.hstack([X, np.full((n, width - X.shape[1]), np.nan)])
        task, model = self.task, self.model
        if task == "classification":
            model.learn_many(X, labels, schema=schema)
            self.stats.add("learned", n)
            classes = list(model.classes_)
            k = len(classes)
            Pk = np.zeros((n, k))
            Pk[:, : min(k, P.shape[1])] = P[:, :k]
            for m in self.metrics:
                m.update_many(labels, proba=Pk, classes=classes)
            if self.drift is not None:
                pred = _labels_of(Pk, classes)
                self._drift_errors(pred, labels)
        elif task == "regression":
            yt = _floats(labels)
            model.learn_many(X, yt, schema=schema)
            self.stats.add("learned", n)
            for m in self.metrics:
                m.update_many(yt, P[:, 0])
            if self.drift is not None:
                self._drift(np.abs(P[:, 0] - yt))
        elif task == "anomaly":
            for m in self.metrics:
                m.update_many(labels, P[:, 0])

    # -- outputs ------------------------------------------------------------------------------
    def _classes_out(self, P: np.ndarray, classes: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"prediction": _labels_of(P, classes)}
        if self.output_proba:
            out["proba"] = P.max(axis=1) if P.shape[1] else np.zeros(len(P))
        if self.output_classes:
            out["_P"] = P
        return out

    def _output(self, parsed: Parsed, outs: list[tuple[np.ndarray, dict[str, Any]]]) -> pa.RecordBatch:
        rows = np.concatenate([r for r, _ in outs])
        cols: dict[str, Any] = {}
        if self.keyed and parsed.keys is not None:
            cols["key"] = _arrow([parsed.keys[i] for i in rows.tolist()])
        else:
            cols["offset"] = pa.array(parsed.offsets[rows])
        names = [k for k in outs[0][1] if k != "_P"]
        for name in names:
            parts = [o[name] for _, o in outs]
            values = np.concatenate(parts) if len(parts) > 1 else parts[0]
            col = _arrow(values)
            if pa.types.is_null(col.type) and name == "prediction" and self._label_type is not None:
                col = pa.nulls(len(col), self._label_type)  # typed like the labels, for columnar sinks
            cols[name] = col
        if self.output_classes and self.task == "classification":
            classes = list(self.model.classes_)
            for j, c in enumerate(classes):
                col = []
                for _, o in outs:
                    P = o["_P"]
                    col.append(P[:, j] if j < P.shape[1] else np.zeros(len(P)))
                cols[f"p_{c}"] = pa.array(np.concatenate(col))
        return pa.RecordBatch.from_pydict(cols)

    # -- drift ----------------------------------------------------------------------------------
    def _drift_errors(self, pred: np.ndarray, truth: np.ndarray) -> None:
        wrong = np.fromiter((p != t for p, t in zip(pred.tolist(), truth.tolist())), dtype=np.float64)
        self._drift(wrong)

    def _drift(self, values: np.ndarray) -> None:
        assert self.drift is not None
        hits = self.drift.update_many(np.asarray(values, dtype=np.float64))
        if len(hits):
            base = self.stats.counters["learned"] - len(values)
            self.stats.add("drift_alarms", len(hits))
            self.stats.last_drift = int(base + int(hits[-1]) + 1)
            log("drift", alarms=len(hits), at_learned=self.stats.last_drift)

    # -- metric values --------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for m in self.metrics:
            v = m.get()
            out[m.name] = v.tolist() if isinstance(v, np.ndarray) else v
        return out


def _runs(action: np.ndarray) -> list[tuple[int, int, int]]:
    """Maximal runs ``[a, b)`` of one action (runs of records that wait are left out)."""
    n = len(action)
    cuts = np.flatnonzero(action[1:] != action[:-1]) + 1
    bounds = [0, *cuts.tolist(), n]
    return [(a, b, int(action[a])) for a, b in itertools.pairwise(bounds) if action[a] != _WAIT]


def _in_order(outs: list[tuple[np.ndarray, dict[str, Any]]]) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """Outputs of several groups merged into one, in row order."""
    rows = np.concatenate([r for r, _ in outs])
    order = np.argsort(rows, kind="stable")
    names = [k for k in outs[0][1] if all(k in o for _, o in outs)]
    merged: dict[str, Any] = {}
    for name in names:
        if name == "_P":
            k = max(o["_P"].shape[1] for _, o in outs)
            P = np.zeros((len(rows), k))
            i = 0
            for r, o in outs:
                P[i : i + len(r), : o["_P"].shape[1]] = o["_P"]
                i += len(r)
            merged[name] = P[order]
            continue
        parts = [np.asarray(o[name]) for _, o in outs]
        if any(p.dtype == object for p in parts):
            parts = [p.astype(object) for p in parts]
        merged[name] = np.concatenate(parts)[order]
    return [(rows[order], merged)]


def _labels_of(P: np.ndarray, classes: list[Any]) -> np.ndarray:
    if P.shape[1] == 0:
        return np.full(len(P), None, dtype=object)
    codes = P.argmax(axis=1)
    codes[P.max(axis=1) <= 0] = -1
    table = np.empty(len(classes) + 1, dtype=object)
    table[:-1] = classes
    table[-1] = None
    return table[codes]  # type: ignore[no-any-return]


def _floats(y: np.ndarray) -> np.ndarray:
    if y.dtype.kind == "f":
        return y
    return np.array([np.nan if v is None else float(v) for v in y.tolist()], dtype=np.float64)


def _arrow(values: Any) -> pa.Array:
    """Values (an array or a list) as an Arrow array; mixed label types become text."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return pa.array(values)
    seq = values.tolist() if isinstance(values, np.ndarray) else list(values)
    try:
        return pa.array(seq)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array([None if v is None else str(v) for v in seq], pa.string())
