"""Pipelines: transformers followed by one final learner, built with ``|``.

A pipeline behaves like its final step (a classifier pipeline is used as a
classifier). Learning a record runs each transformer's ``learn`` and then its
``transform`` (with the updated state) before the next step; predicting only
transforms, as in River. ``test_then_train_many`` keeps those semantics for a
whole batch: each row is predicted through every step as it was before that
row, then learned.

>>> from streamlearn.preprocessing import StandardScaler
>>> from streamlearn.linear_model import LogisticRegression
>>> model = StandardScaler() | LogisticRegression()
>>> for x, y in [({"a": 1.0}, True), ({"a": -1.0}, False)] * 20:
...     _ = model.learn_one(x, y)
>>> model.predict_one({"a": 2.0})
True
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np

from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.learner import (
    Classifier,
    Learner,
    Regressor,
    Transformer,
    _as_targets,
    _check_len,
)
from streamlearn.base.registry import register
from streamlearn.base.schema import Schema, as_matrix


@register()
class Pipeline(Learner):
    """Transformers, then a final learner (or only transformers).

    Parameters
    ----------
    steps
        A list of learners; all but the last must be transformers.
    """

    def __init__(self, steps: list[Learner]):
        self.steps = steps
        self._validate_params()

    def _validate_params(self) -> None:
        if not isinstance(self.steps, list) or not self.steps:
            raise InvalidParameterError(
                f"The 'steps' parameter of Pipeline must be a non-empty list of learners. Got {self.steps!r}."
            )
        for i, s in enumerate(self.steps):
            if not isinstance(s, Learner):
                raise InvalidParameterError(f"Pipeline step {i} is not a streamlearn learner: {s!r}.")
            if i < len(self.steps) - 1 and not isinstance(s, Transformer):
                raise InvalidParameterError(
                    f"Pipeline step {i} ({type(s).__name__}) is not a transformer; only the last "
                    "step may be a classifier, regressor, clusterer or detector."
                )

    @classmethod
    def chain(cls, *parts: Learner) -> Pipeline:
        steps: list[Learner] = []
        for p in parts:
            steps.extend(p.steps if isinstance(p, Pipeline) else [p])
        return cls(steps)

    @classmethod
    def _unit_test_params(cls) -> Iterable[dict[str, Any]]:
        from streamlearn.linear_model import LogisticRegression
        from streamlearn.preprocessing import OneHotEncoder, StandardScaler

        yield {"steps": [StandardScaler(), OneHotEncoder(), LogisticRegression()]}

    def __repr__(self) -> str:
        return " | ".join(repr(s) for s in self.steps)

    # -- what the pipeline is ---------------------------------------------------
    @property
    def final(self) -> Learner:
        return self.steps[-1]

    @property
    def transformers(self) -> list[Transformer]:
        steps = self.steps if isinstance(self.final, Transformer) else self.steps[:-1]
        return steps  # type: ignore[return-value]

    @property
    def task(self) -> str:  # type: ignore[override]
        return self.final.task

    @property
    def learns_per_record(self) -> bool:  # type: ignore[override]
        return all(s.learns_per_record for s in self.steps)

    @property
    def accepts_categorical(self) -> bool:  # type: ignore[override]
        return self.steps[0].accepts_categorical

    @property
    def is_fitted(self) -> bool:
        return self.steps[0].is_fitted

    @property
    def classes_(self) -> list[Any]:
        return self.final.classes_  # type: ignore[attr-defined,no-any-return]

    def _need(self, kind: type, what: str) -> Any:
        if not isinstance(self.final, kind):
            raise TypeError(f"This pipeline ends in {type(self.final).__name__}, which cannot {what}.")
        return self.final

    def _state(self) -> dict[str, Any]:
        return {}

    # -- data flow -------------------------------------------------------------
    def _record(self, x: Mapping[Hashable, Any]) -> tuple[np.ndarray, Schema]:
        first = self.steps[0]
        return first._row(x), first._input_schema()

    def _learn_forward(self, X: np.ndarray, schema: Schema | None) -> tuple[np.ndarray, Schema | None]:
        """Learn each transformer row by row; each row leaves a step transformed by the
        state that just learned it (as ``learn_one`` in a loop would)."""
        for t in self.transformers:
            A = t._rows(X, schema)
            X, schema = t._prequential(A, A)[1], t.output_schema()
        return X, schema

    def _forward(self, X: np.ndarray, schema: Schema | None) -> tuple[np.ndarray, Schema | None]:
        for t in self.transformers:
            X, schema = t._transform(t._rows(X, schema)), t.output_schema()
        return X, schema

    def _prequential_forward(
        self, X: np.ndarray, schema: Schema | None
    ) -> tuple[np.ndarray, np.ndarray, Schema | None]:
        X_pred = X_learn = X
        for t in self.transformers:
            A_learn = t._rows(X_learn, schema)  # aligns first: the schema grows once
            A_pred = t._rows(X_pred, schema)
            X_pred, X_learn = t._prequential(A_pred, A_learn)
            schema = t.output_schema()
        return X_pred, X_learn, schema

    def _final_rows(self, X: np.ndarray, schema: Schema | None) -> np.ndarray:
        return self.final._rows(X, schema)

    # -- learning ----------------------------------------------------------------
    def learn_one(self, x: Mapping[Hashable, Any], y: Any = None) -> Pipeline:
        X, schema = self._record(x)
        return self._learn(X, schema, None if y is None else [y])

    def learn_many(self, X: Any, y: Any = None, schema: Schema | None = None) -> Pipeline:
        X, schema = as_matrix(X, schema)
        return self._learn(X, schema, y)

    def _learn(self, X: np.ndarray, schema: Schema | None, y: Any) -> Pipeline:
        if y is not None:
            _check_len(X, _as_targets(y))
        X, schema = self._learn_forward(X, schema)
        final = self.final
        if isinstance(final, Transformer):
            return self
        A = self._final_rows(X, schema)
        if isinstance(final, Classifier):
            if y is None:
                raise SchemaError("A classifier pipeline needs labels to learn: pass y.")
            codes = final._codes(y)
            if len(A):
                final._learn(A, codes)
        elif isinstance(final, Regressor):
            if y is None:
                raise SchemaError("A regressor pipeline needs targets to learn: pass y.")
            targets = final._targets(y)
            if len(A):
                final._learn(A, targets)
        elif len(A):
            final._learn(A)  # type: ignore[attr-defined]
        return self

    # -- predicting --------------------------------------------------------------
    def _final_input(self, X: Any, schema: Schema | None) -> np.ndarray:
        X, schema = as_matrix(X, schema)
        X, schema = self._forward(X, schema)
        return self._final_rows(X, schema)

    def _final_input_one(self, x: Mapping[Hashable, Any]) -> np.ndarray:
        X, schema = self._forward(*self._record(x))
        return self._final_rows(X, schema)

    def predict_proba_one(self, x: Mapping[Hashable, Any]) -> dict[Any, float]:
        final = self._need(Classifier, "predict probabilities")
        P = final._safe_proba(self._final_input_one(x))
        return {c: float(p) for c, p in zip(final.classes_, P[0])}

    def predict_one(self, x: Mapping[Hashable, Any]) -> Any:
        out = self.predict_many(*self._forward(*self._record(x)), _forwarded=True)[0]
        return out.item() if isinstance(out, np.generic) else out

    def predict_proba_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        final = self._need(Classifier, "predict probabilities")
        return final._safe_proba(self._final_input(X, schema))  # type: ignore[no-any-return]

    def predict_many(self, X: Any, schema: Schema | None = None, _forwarded: bool = False) -> np.ndarray:
        if _forwarded:
            A = self._final_rows(X, schema)
        else:
            A = self._final_input(X, schema)
        final = self.final
        if isinstance(final, Classifier):
            return final._labels(final._argmax(final._safe_proba(A)))
        if isinstance(final, Transformer):
            raise TypeError("This pipeline ends in a transformer: use transform_many.")
        if isinstance(final, Regressor):
            return final._predict(A)
        return final._output(A)  # type: ignore[attr-defined,no-any-return]

    def score_one(self, x: Mapping[Hashable, Any]) -> float:
        self._need(_anomaly_type(), "score")
        return float(self.final._output(self._final_input_one(x))[0])  # type: ignore[attr-defined]

    def score_many(self, X: Any, schema: Schema | None = None) -> np.ndarray:
        self._need(_anomaly_type(), "score")
        return self.final._output(self._final_input(X, schema))  # type: ignore[attr-defined,no-any-return]

    def transform_one(self, x: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        X, schema = self._forward(*self._record(x))
        assert schema is not None
        return schema.record(X[0])

    def transform_many(self, X: Any, schema: Schema | None = None) -> tuple[np.ndarray, Schema | None]:
        X, schema = as_matrix(X, schema)
        return self._forward(X, schema)

    def test_then_train_many(
        self, X: Any, y: Any = None, schema: Schema | None = None, return_proba: bool = False
    ) -> np.ndarray:
        """Predict each row through the whole pipeline as it was before the row, then learn it."""
        X, schema = as_matrix(X, schema)
        final = self.final
        if y is not None:
            _check_len(X, _as_targets(y))
        X_pred, X_learn, schema = self._prequential_forward(X, schema)
        A_learn = self._final_rows(X_learn, schema)
        A_pred = self._final_rows(X_pred, schema)
        if isinstance(final, Classifier):
            if y is None:
                raise SchemaError("A classifier pipeline needs labels: pass y.")
            codes = final._codes(y)
            P = final._test_then_train(A_pred, A_learn, codes)
            return P if return_proba else final._labels(final._argmax(P))
        if isinstance(final, Regressor):
            if y is None:
                raise SchemaError("A regressor pipeline needs targets: pass y.")
            return final._test_then_train(A_pred, A_learn, final._targets(y))
        if isinstance(final, Transformer):
            raise TypeError("This pipeline ends in a transformer; use learn_many and transform_many.")
        return final._test_then_train(A_pred, A_learn)  # type: ignore[attr-defined,no-any-return]


def _anomaly_type() -> type:
    from streamlearn.base.learner import AnomalyDetector

    return AnomalyDetector
