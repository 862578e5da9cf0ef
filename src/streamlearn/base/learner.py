"""The learner contract.

Every learner stores its constructor arguments under their own names (the
scikit-learn rule), checks them against ``_param_rules``, and builds learned
state lazily on first data. Learned state lives in public attributes whose
names end in ``_`` (NumPy arrays, plain scalars, lists, dicts, a
:class:`~streamlearn.base.schema.Schema`); persistence and ``digest`` walk
exactly those. Private attributes (leading ``_``) are caches that must be
rebuildable from the state.

Records are dicts (``*_one``); batches are 2-D arrays described by a Schema
(``*_many``). Each learner aligns input to its own growing ``schema_``, so
columns may come in any order, new ones may appear and old ones may go
missing.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.params import Rule, validate
from streamlearn.base.schema import CAT, Schema, as_matrix


class Learner:
    """Base of every streamlearn learner and transformer."""

    #: ``{parameter: Rule}`` checked by :meth:`_validate_params`.
    _param_rules: ClassVar[dict[str, Rule]] = {}
    #: The task: classification, regression, clustering, anomaly, transform.
    task: ClassVar[str] = "none"
    #: Whether ``learn_many`` equals a loop of ``learn_one`` (per-record learners).
    learns_per_record: ClassVar[bool] = True
    #: Whether the learner accepts categorical columns (else encode them first).
    accepts_categorical: ClassVar[bool] = False
    #: Whether the learner works best on standardised numeric inputs (the CLI adds a scaler).
    needs_scaling: ClassVar[bool] = False
    registry_name: ClassVar[str]

    def _validate_params(self) -> None:
        """Raise ``InvalidParameterError`` for any argument that breaks its rule."""
        validate(type(self).__name__, self.get_params(), self._param_rules)

    # -- parameters ----------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as stored."""
        return {name: getattr(self, name) for name in self._param_names()}

    def clone(self, **overrides: Any) -> Learner:
        """A fresh, unfitted copy with the same parameters (and overrides)."""
        params = {k: _clone_value(v) for k, v in self.get_params().items()}
        for k in overrides:
            if k not in params:
                from streamlearn.base.params import unknown_parameter_error

                raise unknown_parameter_error(type(self).__name__, k, params)
        params.update(overrides)
        return type(self)(**params)

    @classmethod
    def _unit_test_params(cls) -> Iterable[dict[str, Any]]:
        """Parameter sets the check suite builds this learner with."""
        yield {}

    def __repr__(self) -> str:
        defaults = {k: p.default for k, p in inspect.signature(type(self).__init__).parameters.items()}
        shown = []
        for k, v in self.get_params().items():
            d = defaults.get(k, inspect.Parameter.empty)
            same = d is not inspect.Parameter.empty and type(d) is type(v) and _eq(d, v)
            if not same:
                shown.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __or__(self, other: Learner) -> Learner:
        from streamlearn.compose.pipeline import Pipeline

        return Pipeline.chain(self, other)

    # -- state ---------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        """Learned state: public attributes ending in ``_``."""
        return {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}

    def _set_state(self, state: Mapping[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        self._after_load()

    def _after_load(self) -> None:
        """Rebuild private caches after state was restored (hook)."""

    @property
    def is_fitted(self) -> bool:
        return getattr(self, "schema_", None) is not None

    # -- input alignment -----------------------------------------------------
    def _row(self, x: Mapping[Hashable, Any]) -> np.ndarray:
        """A record as a 1-row batch in this learner's layout."""
        schema = self._input_schema()
        row = schema.row(x)
        self._on_width(schema)
        return row[None, :]

    def _rows(self, X: Any, schema: Schema | None) -> np.ndarray:
        """A batch in this learner's layout (a copy: the input is never mutated)."""
        X, schema = as_matrix(X, schema)
        own = self._input_schema()
        out = own.align(X, schema)
        self._on_width(own)
        return out

    def _input_schema(self) -> Schema:
        schema = getattr(self, "schema_", None)
        if schema is None:
            schema = self.schema_ = Schema()
        return schema

    def _on_width(self, schema: Schema) -> None:
        """Called after input alignment: grow state to the schema's width."""
        if not self.accepts_categorical and CAT in schema.kinds:
            bad = schema.categorical_names
            raise SchemaError(
                f"{type(self).__name__} needs numeric features but {bad!r} "
                f"{'is' if len(bad) == 1 else 'are'} categorical. Encode them first, e.g. "
                f"OneHotEncoder() | {type(self).__name__}()."
            )
        self._grow(schema.width)

    def _grow(self, width: int) -> None:
        """Resize learned arrays to ``width`` input columns (hook)."""


def _eq(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return a is b


def _clone_value(v: Any) -> Any:
    if isinstance(v, Learner):
        return v.clone()
    if isinstance(v, (list, tuple)):
        return type(v)(_clone_value(e) for e in v)
    if isinstance(v, dict):
        return {k: _clone_value(e) for k, e in v.items()}
    return copy.deepcopy(v)


def _check_len(X: np.ndarray, y: np.ndarray) -> None:
    if len(y) != len(X):
        raise SchemaError(f"X has {len(X)} rows but y has {len(y)} labels; they must match.")


def _as_targets(y: Any) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise SchemaError(f"y must be 1-D (one label per row). Got shape {y.shape}.")
    return y


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and v != v)


class Classifier(Learner):
    """Predicts a class; learns from ``(x, y)``. Labels may be any hashable scalar.

    Subclasses implement the array hooks ``_learn(X, codes)`` and
    ``_proba(X) -> (n, k)``, and override ``_test_then_train`` with a
    compiled loop. Classes are coded ``0, 1, ...`` in order of first
    appearance (``classes_`` holds the labels); a new class mid-stream is
    learned, not an error. A learner grows its arrays when ``_learn`` meets a
    code it has not seen, and ``_proba`` covers the ``k`` classes it has
    learned so far (``k`` may be 0 or less than ``len(classes_)``: the
    public methods pad with zeros).
    """

    task = "classification"

    # hooks ------------------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        raise NotImplementedError

    def _proba(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Probabilities of row ``X_pred[i]`` before learning ``X_learn[i]``, for each i.

        Standalone both arrays are the same; in a pipeline ``X_pred`` went
        through the transformers as they were before the row. This default
        loops in Python; learners override it with a compiled loop.
        """
        out = np.zeros((len(X_pred), len(self.classes_)))
        for i in range(len(X_pred)):
            p = self._proba(X_pred[i : i + 1])
            out[i, : p.shape[1]] = p[0]
            self._learn(X_learn[i : i + 1], codes[i : i + 1])
        return out

    # labels -----------------------------------------------------------------
    @property
    def classes_(self) -> list[Any]:
        return self.__dict__.setdefault("labels_", [])

    def _codes(self, y: Any) -> np.ndarray:
        """Integer codes of labels (new classes appended in order of appearance)."""
        y = _as_targets(y)
        labels = self.classes_
        if len(y) == 1:  # one record: skip the sort
            v = y[0].item() if isinstance(y[0], np.generic) else y[0]
            if v in labels:
                return np.array([labels.index(v)], dtype=np.int64)
        index = {v: i for i, v in enumerate(labels)}
        if y.dtype.kind == "O" and labels:  # strings etc.: one dict pass when every label is known
            try:
                return np.fromiter(map(index.__getitem__, y.tolist()), np.int64, len(y))
            except (KeyError, TypeError):
                pass  # a new class (or an odd value): the general path below
        try:
            uniq, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        except TypeError:  # labels of mixed types cannot be sorted: code them one by one
            uniq, first, inverse = np.array(y, dtype=object), np.arange(len(y)), np.arange(len(y))
        table = np.empty(len(uniq), dtype=np.int64)
        values = uniq.tolist()
        for u in np.argsort(first, kind="stable").tolist():
            v = values[u]
            c = index.get(v)
            if c is None:
                if _is_missing(v):
                    raise SchemaError(
                        f"Row {int(first[u])} has a missing label; learning needs a label for every row "
                        "(drop or hold such rows until the label arrives)."
                    )
                if not isinstance(v, (str, int, float, bool)):
                    raise SchemaError(f"Labels must be str, int, float or bool. Got {type(v).__name__}.")
                c = index[v] = len(labels)
                labels.append(v)
            table[u] = c
        return table[inverse.reshape(-1)]

    def _labels(self, codes: np.ndarray) -> np.ndarray:
        """Codes back to labels; code -1 (nothing learned yet) becomes None."""
        labels = self.classes_
        if not labels or (codes < 0).any():
            table = np.array([*labels, None], dtype=object)
            return table[codes]
        return np.asarray(labels)[codes]

    @staticmethod
    def _argmax(P: np.ndarray) -> np.ndarray:
        if P.shape[1] == 0:
            return np.full(len(P), -1, dtype=np.int64)
        codes = P.argmax(axis=1)
        codes[P.max(axis=1) <= 0] = -1
        return codes

    def _safe_proba(self, X: np.ndarray) -> np.ndarray:
        """``_proba`` padded with zeros to one column per known class."""
        P = self._proba(X)
        k = len(self.classes_)
        if P.shape[1] == k:
            return P
        out = np.zeros((len(X), k))
        out[:, : P.shape[1]] = P
        return out

    # public API -------------------------------------------------------------
    def learn_one(self, x: Mapping[Hashable, Any], y: Any) -> Classifier:
        """Learn one record and its label."""
        X = self._row(x)
        self._learn(X, self._codes([y]))
        return self

    def predict_proba_one(self, x: Mapping[Hashable, Any]) -> dict[Any, float]:
        """``{label: probability}`` for one record (empty before any learning)."""
        P = self._safe_proba(self._row(x))
        return {c: float(p) for c, p in zip(self.classes_, P[0])}

    def predict_one(self, x: Mapping[Hashable, Any]) -> Any:
        """The most probable label, or ``None`` before any learning."""
        code = int(self._argmax(self._safe_proba(self._row(x)))[0])
        return None if code < 0 else self.classes_[code]

    def learn_many(self, X: Any, y: Any, schema: Schema | None = None) -> Classifier:
        """Learn a batch (rows in order)."""
        X = self._rows(X, schema)
        y = _as_targets(y)
        _check_len(X, y)
        if len(X):
            self._learn(X, self._codes(y))
        return self

    def predict_proba_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        """``(n, n_classes)`` probabilities; columns follow ``classes_``."""
        return self._safe_proba(self._rows(X, schema))

    def predict_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        """The most probable label of each row."""
        return self._labels(self._argmax(self.predict_proba_many(X, schema)))

    def test_then_train_many(
        self, X: Any, y: Any, schema: Schema | None = None, return_proba: bool = False
    ) -> np.ndarray:
        """Predict each row with the state before it, then learn it.

        Identical to a loop of ``predict_one``/``learn_one``, at batch speed.
        Returns the labels, or with ``return_proba`` the ``(n, n_classes)``
        probabilities (columns follow ``classes_`` after the batch; a class
        not yet seen at a row has probability 0 there).
        """
        X = self._rows(X, schema)
        y = _as_targets(y)
        _check_len(X, y)
        codes = self._codes(y)
        P = self._test_then_train(X, X, codes) if len(X) else np.zeros((0, len(self.classes_)))
        return P if return_proba else self._labels(self._argmax(P))


class Regressor(Learner):
    """Predicts a number; learns from ``(x, y)``.

    Hooks: ``_learn(X, y)``, ``_predict(X)``, ``_test_then_train(X, y)``.
    """

    task = "regression"

    def _learn(self, X: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Prediction for ``X_pred[i]`` before learning ``(X_learn[i], y[i])`` (slow default)."""
        out = np.empty(len(X_pred))
        for i in range(len(X_pred)):
            out[i] = self._predict(X_pred[i : i + 1])[0]
            self._learn(X_learn[i : i + 1], y[i : i + 1])
        return out

    @staticmethod
    def _targets(y: Any) -> np.ndarray:
        y = _as_targets(y)
        try:
            out = y.astype(np.float64)
        except (TypeError, ValueError):
            raise SchemaError("Regression targets must be numbers.") from None
        if not np.isfinite(out).all():
            raise SchemaError("Regression targets must be finite; drop rows whose target is NaN or inf.")
        return out

    def learn_one(self, x: Mapping[Hashable, Any], y: float) -> Regressor:
        self._learn(self._row(x), self._targets([y]))
        return self

    def predict_one(self, x: Mapping[Hashable, Any]) -> float:
        return float(self._predict(self._row(x))[0])

    def learn_many(self, X: Any, y: Any, schema: Schema | None = None) -> Regressor:
        X = self._rows(X, schema)
        y = self._targets(y)
        _check_len(X, y)
        if len(X):
            self._learn(X, y)
        return self

    def predict_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        return self._predict(self._rows(X, schema))

    def test_then_train_many(self, X: Any, y: Any, schema: Schema | None = None) -> np.ndarray:
        """Predict each row with the state before it, then learn it."""
        X = self._rows(X, schema)
        y = self._targets(y)
        _check_len(X, y)
        return self._test_then_train(X, X, y) if len(X) else np.empty(0)


class _Unsupervised(Learner):
    """Shared plumbing of learners that learn from ``x`` alone."""

    def _learn(self, X: np.ndarray) -> None:
        raise NotImplementedError

    def _output(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray) -> np.ndarray:
        """Output for ``X_pred[i]`` before learning ``X_learn[i]`` (slow default)."""
        outs = []
        for i in range(len(X_pred)):
            outs.append(self._output(X_pred[i : i + 1]))
            self._learn(X_learn[i : i + 1])
        return np.concatenate(outs) if outs else self._output(X_pred)

    def learn_one(self, x: Mapping[Hashable, Any]) -> _Unsupervised:
        self._learn(self._row(x))
        return self

    def learn_many(self, X: Any, schema: Schema | None = None) -> _Unsupervised:
        X = self._rows(X, schema)
        if len(X):
            self._learn(X)
        return self

    def test_then_train_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        """Output for each row with the state before it, then learn it."""
        X = self._rows(X, schema)
        return self._test_then_train(X, X) if len(X) else self._output(X)


class Clusterer(_Unsupervised):
    """Assigns records to clusters; ``predict`` returns a cluster index (-1 before any learning)."""

    task = "clustering"

    def predict_one(self, x: Mapping[Hashable, Any]) -> int:
        return int(self._output(self._row(x))[0])

    def predict_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        return self._output(self._rows(X, schema))


class AnomalyDetector(_Unsupervised):
    """Scores records; a higher score means more anomalous."""

    task = "anomaly"

    def score_one(self, x: Mapping[Hashable, Any]) -> float:
        return float(self._output(self._row(x))[0])

    def score_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        return self._output(self._rows(X, schema))


class Transformer(Learner):
    """Turns records into records (scaling, encoding, ...).

    Hooks: ``_learn(X)``, ``_transform(X) -> X'`` in the layout of
    ``output_schema()``, and ``_prequential(X_pred, X_learn)``: transform
    ``X_pred`` row by row with the state *before* each row and ``X_learn``
    with the state *after* learning each row of ``X_learn`` (as a pipeline
    does one record at a time). Unsupervised transformers learn in
    ``learn_*`` only; ``transform_*`` never changes state.
    """

    task = "transform"
    accepts_categorical = True

    def _learn(self, X: np.ndarray) -> None:
        raise NotImplementedError

    def _transform(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def output_schema(self) -> Schema:
        """The schema of what ``transform_many`` returns (same as input by default)."""
        return self._input_schema()

    def _prequential(self, X_pred: np.ndarray, X_learn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pred, learn = [], []
        for i in range(len(X_learn)):
            pred.append(self._transform(X_pred[i : i + 1]))
            self._learn(X_learn[i : i + 1])
            learn.append(self._transform(X_learn[i : i + 1]))
        width = self.output_schema().width
        return _stack(pred, width), _stack(learn, width)

    def learn_one(self, x: Mapping[Hashable, Any]) -> Transformer:
        self._learn(self._row(x))
        return self

    def transform_one(self, x: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        return self.output_schema().record(self._transform(self._row(x))[0])

    def learn_many(self, X: Any, schema: Schema | None = None) -> Transformer:
        X = self._rows(X, schema)
        if len(X):
            self._learn(X)
        return self

    def transform_many(self, X: Any, schema: Schema | None = None) -> tuple[np.ndarray, Schema]:
        """The transformed batch and the schema describing it."""
        out = self._transform(self._rows(X, schema))
        return out, self.output_schema()


def _stack(rows: list[np.ndarray], width: int) -> np.ndarray:
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        out[i, : r.shape[1]] = r[0]
    return out


class DriftDetector(Learner):
    """Watches a stream of numbers (errors, losses, values) and flags change.

    ``update(value)`` returns whether a drift was detected at this value;
    ``update_many(values)`` returns the positions of the detected drifts.
    """

    task = "drift"

    def update(self, value: float) -> bool:
        return bool(len(self.update_many(np.array([value], dtype=np.float64))))

    def update_many(self, values: Any) -> np.ndarray:
        raise NotImplementedError


class Forecaster(Learner):
    """Forecasts the next values of a series (one or several, as columns).

    ``learn_one(y)`` takes the next observation: a number, or a dict
    ``{series: value}`` for several series; ``forecast(horizon)`` returns the
    next ``horizon`` values (a list of numbers, or of dicts). Batches:
    ``learn_many(Y)`` and ``test_then_train_many(Y, horizon)`` with ``Y`` of
    shape ``(n,)`` or ``(n, k)``; the latter returns, for each row ``t``, the
    ``horizon`` values forecast *before* row ``t`` was learned (shape
    ``(n, horizon)`` or ``(n, horizon, k)``), identical to a loop of
    ``forecast``/``learn_one``. Row ``t``'s forecast step ``j`` is scored
    against ``Y[t + j]``.

    Hooks on float arrays ``(n, k)``: ``_learn(Y)``, ``_forecast(horizon) ->
    (horizon, k)`` (NaN before anything was learned) and optionally a compiled
    ``_test_then_train(Y, horizon) -> (n, horizon, k)``. NaN in ``Y`` means a
    missing observation; each forecaster documents what it does with it.
    """

    task = "forecasting"

    @property
    def is_fitted(self) -> bool:
        return getattr(self, "n_series_", None) is not None

    def _learn(self, Y: np.ndarray) -> None:
        raise NotImplementedError

    def _forecast(self, horizon: int) -> np.ndarray:
        raise NotImplementedError

    def _test_then_train(self, Y: np.ndarray, horizon: int) -> np.ndarray:
        out = np.empty((len(Y), horizon, Y.shape[1]))
        for t in range(len(Y)):
            out[t] = self._forecast(horizon)
            self._learn(Y[t : t + 1])
        return out

    def _series(self, Y: Any) -> tuple[np.ndarray, bool]:
        """``Y`` as a float ``(n, k)`` array, and whether the input was 1-D."""
        Y = np.asarray(Y, dtype=np.float64) if not isinstance(Y, np.ndarray) else Y
        if Y.ndim not in (1, 2):
            raise SchemaError(f"A series batch must be 1-D (one series) or 2-D (n, series). Got {Y.shape}.")
        if Y.dtype.kind not in "fiub":
            raise SchemaError(f"Series values must be numbers. Got dtype {Y.dtype}.")
        flat = Y.ndim == 1
        Y = np.array(Y[:, None] if flat else Y, dtype=np.float64)
        Y[np.isinf(Y)] = np.nan
        k = getattr(self, "n_series_", None)
        if k is None:
            self.n_series_ = Y.shape[1]
        elif Y.shape[1] != k:
            raise SchemaError(f"{type(self).__name__} forecasts {k} series; got a batch of {Y.shape[1]}.")
        return Y, flat

    def _observation(self, y: Any) -> np.ndarray:
        if isinstance(y, Mapping):
            names = self.__dict__.setdefault("series_names_", list(y))
            if set(y) != set(names):
                raise SchemaError(f"Expected values for the series {names}; got {list(y)}.")
            row = [y[n] for n in names]
        else:
            row = [y]
        try:
            values = [np.nan if v is None else float(v) for v in row]
        except (TypeError, ValueError):
            raise SchemaError(f"Series values must be numbers. Got {y!r}.") from None
        return self._series(np.array([values]))[0]

    def learn_one(self, y: Any) -> Forecaster:
        self._learn(self._observation(y))
        return self

    def forecast(self, horizon: int = 1) -> list[Any]:
        """The next ``horizon`` values (dicts when learning from dicts)."""
        if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
            raise SchemaError(f"horizon must be a positive int. Got {horizon!r}.")
        k = getattr(self, "n_series_", 1)
        F = self._forecast(horizon) if getattr(self, "n_series_", None) else np.full((horizon, k), np.nan)
        names = getattr(self, "series_names_", None)
        if names:
            return [dict(zip(names, map(float, row))) for row in F]
        return [float(v) for v in F[:, 0]] if k == 1 else F.tolist()

    def learn_many(self, Y: Any) -> Forecaster:
        Y, _ = self._series(Y)
        if len(Y):
            self._learn(Y)
        return self

    def test_then_train_many(self, Y: Any, horizon: int = 1) -> np.ndarray:
        """Forecasts made before each row was learned, then the row is learned."""
        if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
            raise SchemaError(f"horizon must be a positive int. Got {horizon!r}.")
        Y, flat = self._series(Y)
        out = self._test_then_train(Y, horizon) if len(Y) else np.empty((0, horizon, Y.shape[1]))
        return out[:, :, 0] if flat else out
