"""A classifier wrapper that watches its own errors and retrains when they drift."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from streamlearn.base.learner import Classifier, DriftDetector
from streamlearn.base.params import InstanceOf, OneOf
from streamlearn.base.registry import register
from streamlearn.drift._base import DRIFT, INCREASE, WARNING, BaseDriftDetector

#: Rows per inner test-then-train call: small after a drift (little work is wasted past the
#: next drift), doubling while no drift comes.
_MIN_CHUNK = 512
_MAX_CHUNK = 1 << 16


@njit(cache=True)
def _errors(P, codes):  # pragma: no cover - compiled
    """1.0 where the most probable class (the first of the ties; none when every probability is
    0) is not the label, as ``Classifier._argmax`` decides, else 0.0."""
    out = np.empty(P.shape[0])
    for i in range(P.shape[0]):
        best = -1
        top = 0.0
        for j in range(P.shape[1]):
            if P[i, j] > top:
                top = P[i, j]
                best = j
        out[i] = 0.0 if best == codes[i] else 1.0
    return out


@register()
class DriftRetrainClassifier(Classifier):
    """Test-then-train a classifier, feed its 0/1 errors to a drift detector, retrain on drift.

    For each record the wrapper (1) predicts it with the current model,
    (2) feeds the error (1 when the prediction is wrong, also when the model
    cannot predict yet, else 0) to the detector, (3) on a **drift** replaces
    the model and (4) lets the (possibly new) model learn the record. With

    * ``mode="reset"`` the model is replaced by a fresh clone of ``model``;
    * ``mode="replace"`` a *background* model is started, fresh, at the
      first warning (the detector's ``warning_detected``) and learns every
      record from there; at a drift it replaces the model (a fresh clone
      when no warning preceded the drift). When the warning clears without a
      drift the background model is dropped, as Gama et al. (2004) drop the
      examples buffered in the warning zone. With a detector that never
      warns (ADWIN, PageHinkley, KSWIN) both modes are the same.

    Only a drift at which the error rate **rose** replaces the model. Two-sided
    detectors (ADWIN, ``PageHinkley(mode="both")``, two-sided HDDM, KSWIN)
    also signal falls, for example while a new model gets better; those are
    passed over (the detector still adapts to them), as MOA's ADWIN change
    detector does. A detector that is not one of streamlearn's compiled
    ones is called one value at a time and each of its drifts counts as a rise.

    ``learn_one``/``learn_many`` run steps 1-4 (learning includes watching
    the errors); ``predict_*`` use the current model. ``model`` and
    ``detector`` are templates: the wrapper trains clones (``model_``,
    ``detector_``, ``background_``) and never changes them.

    Batches are exact and fast: the wrapped model runs its own compiled
    test-then-train over the rows up to the next drift, the detector its
    compiled loop over their errors; the batch is split only at drift
    points. ``test_then_train_many`` equals predicting and learning one
    record at a time. (Behind transformers in a pipeline, the errors come
    from the rows as learned and the outputs from the rows as predicted,
    as one record at a time: the model then runs twice over each chunk.)
    Missing values and new features are handled as the wrapped model
    handles them.

    Parameters
    ----------
    model
        The classifier to watch and retrain.
    detector
        A drift detector fed the 0/1 errors (error-rate detectors: DDM, EDDM,
        HDDM_A, HDDM_W; ADWIN works on any stream).
    mode
        ``"reset"`` or ``"replace"`` (see above).

    Attributes
    ----------
    model_, detector_, background_
        The current model, the detector and the background model (or ``None``).
    n_drifts_
        Models replaced (drifts at which the error rate rose).

    Examples
    --------
    The labels flip at record 1,000; the wrapped model recovers:

    >>> import numpy as np
    >>> from streamlearn.drift import DDM, DriftRetrainClassifier
    >>> from streamlearn.naive_bayes import GaussianNB
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 2))
    >>> y = (X[:, 0] > 0) ^ (np.arange(2000) >= 1000)
    >>> model = DriftRetrainClassifier(GaussianNB(), DDM())
    >>> pred = model.test_then_train_many(X, y)
    >>> model.n_drifts_
    1
    >>> round(float((pred[1500:] == y[1500:]).mean()), 2)
    0.99
    >>> plain = GaussianNB().test_then_train_many(X, y)
    >>> round(float((plain[1500:] == y[1500:]).mean()), 2)
    0.05

    References
    ----------
    Gama, J., Medas, P., Castillo, G., Rodrigues, P. (2004). Learning with
    drift detection. SBIA 2004, LNCS 3171, 286-295.
    River, ``drift.DriftRetrainingClassifier`` (https://riverml.xyz).
    """

    _param_rules = {  # noqa: RUF012
        "model": InstanceOf(Classifier, description="a streamlearn classifier"),
        "detector": InstanceOf(DriftDetector, description="a streamlearn drift detector"),
        "mode": OneOf("reset", "replace"),
    }
    model_: Classifier
    detector_: DriftDetector
    background_: Classifier | None

    def __init__(self, model: Classifier, detector: DriftDetector, mode: str = "reset"):
        self.model = model
        self.detector = detector
        self.mode = mode
        self._validate_params()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        from streamlearn.drift.adwin import ADWIN
        from streamlearn.drift.ddm import DDM
        from streamlearn.naive_bayes import GaussianNB

        yield {"model": GaussianNB(), "detector": ADWIN()}
        # sensitive detectors: they drift several times on the suite's small data set
        sensitive = DDM(min_instances=5, warning_level=0.5, drift_level=1.0)
        yield {"model": GaussianNB(), "detector": sensitive}
        yield {"model": GaussianNB(), "detector": sensitive, "mode": "replace"}

    # -- what the wrapper is -------------------------------------------------------
    @property
    def accepts_categorical(self) -> bool:  # type: ignore[override]
        return self.model.accepts_categorical

    @property
    def needs_scaling(self) -> bool:  # type: ignore[override]
        return self.model.needs_scaling

    @property
    def learns_per_record(self) -> bool:  # type: ignore[override]
        return self.model.learns_per_record

    def _ensure(self) -> None:
        if "model_" not in self.__dict__:
            self.model_ = self.model.clone()  # type: ignore[assignment]
            self.detector_ = self.detector.clone()  # type: ignore[assignment]
            self.background_ = None
            self.n_drifts_ = 0

    # -- the wrapped models ----------------------------------------------------------
    def _columns(self, model: Classifier, P: np.ndarray) -> np.ndarray:
        """``P`` (columns follow ``model.classes_``, which are our codes) in our class order."""
        k = len(self.classes_)
        cols = np.asarray(model.classes_, dtype=np.int64)
        if P.shape[1] == k and np.array_equal(cols, np.arange(k)):
            return P  # the model met the classes in our order
        out = np.zeros((len(P), k))
        if len(cols):
            out[:, cols] = P[:, : len(cols)]
        return out

    def _inner_codes(self, model: Classifier, codes: np.ndarray) -> np.ndarray:
        """The model's codes for our codes (its labels are our codes, met in its own order)."""
        labels = model.classes_
        k = len(self.classes_)
        if len(labels) != k:  # the model has not met every class yet: let it code them
            return model._codes(codes)
        order = np.asarray(labels, dtype=np.int64)
        if np.array_equal(order, np.arange(k)):
            return codes
        table = np.empty(k, dtype=np.int64)
        table[order] = np.arange(k)
        return table[codes]

    def _inner_ttt(
        self, model: Classifier, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray
    ) -> np.ndarray:
        A_learn = model._rows(X_learn, self.schema_)
        A_pred = A_learn if X_pred is X_learn else model._rows(X_pred, self.schema_)
        P = model._test_then_train(A_pred, A_learn, self._inner_codes(model, codes))
        return self._columns(model, P)

    def _inner_learn(self, model: Classifier, X: np.ndarray, codes: np.ndarray) -> None:
        if len(X):
            model._learn(model._rows(X, self.schema_), self._inner_codes(model, codes))

    def _watch(self, errors: np.ndarray) -> np.ndarray:
        """Detector flags of the errors, up to and including the first drift that raised the
        error rate (drifts at which it fell are passed over)."""
        det = self.detector_
        n = len(errors)
        flags = np.zeros(n, dtype=np.int8)
        if isinstance(det, BaseDriftDetector):  # errors are 0/1 floats: no checks needed
            i = 0
            while i < n:
                i += det._run(errors[i:], flags[i:], True)
                if flags[i - 1] & INCREASE:
                    break
            return flags[:i]
        for i, e in enumerate(errors.tolist()):  # another DriftDetector: one value at a time
            if det.update(e):  # no direction known: every drift counts as a rise
                flags[i] = DRIFT | INCREASE
                return flags[: i + 1]
            flags[i] = WARNING if getattr(det, "warning_detected", False) else 0
        return flags

    def _grow_background(self, X: np.ndarray, codes: np.ndarray, warn: np.ndarray) -> None:
        """Rows ``X`` were not drifts; ``warn`` says which were warnings. Start, feed or drop the
        background model as one row at a time would."""
        if not len(warn):
            return
        calm = np.flatnonzero(~warn)
        if len(calm):  # the warning cleared at the last calm row: restart after it
            self.background_ = None
            start = int(calm[-1]) + 1
        else:
            start = 0
        if start < len(warn):
            if self.background_ is None:
                self.background_ = self.model.clone()  # type: ignore[assignment]
            self._inner_learn(self.background_, X[start:], codes[start:])  # type: ignore[arg-type]

    # -- the loop --------------------------------------------------------------------
    def _run(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Probabilities of each ``X_pred`` row before learning ``X_learn`` row (see the class docs)."""
        self._ensure()
        n = len(X_learn)
        out = np.zeros((n, len(self.classes_)))
        same = X_pred is X_learn
        i, chunk = 0, _MIN_CHUNK
        while i < n:
            j = min(n, i + chunk)
            Xl, c = X_learn[i:j], codes[i:j]
            model = self.model_
            if same:
                P = P_err = self._inner_ttt(model, Xl, Xl, c)
            else:  # in a pipeline: errors come from the rows as learned, outputs from the rows as seen
                P = self._inner_ttt(copy.deepcopy(model), X_pred[i:j], Xl, c)
                P_err = self._inner_ttt(model, Xl, Xl, c)
            errors = _errors(np.ascontiguousarray(P_err), np.ascontiguousarray(c, dtype=np.int64))
            flags = self._watch(errors)
            m = len(flags)
            out[i : i + m] = P[:m]
            drift = m > 0 and bool(flags[m - 1] & INCREASE)
            calm_rows = m - 1 if drift else m
            if self.mode == "replace":
                self._grow_background(Xl[:calm_rows], c[:calm_rows], (flags[:calm_rows] & WARNING) > 0)
            if drift:
                d = i + m - 1
                new = self.background_ if self.background_ is not None else self.model.clone()
                self.model_, self.background_ = new, None  # type: ignore[assignment]
                self.n_drifts_ += 1
                self._inner_learn(self.model_, X_learn[d : d + 1], codes[d : d + 1])
                i, chunk = d + 1, _MIN_CHUNK
            else:
                i, chunk = j, min(2 * chunk, _MAX_CHUNK)
        return out

    # -- Classifier hooks ----------------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        self._run(X, X, codes)

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return self._run(X_pred, X_learn, codes)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        model = self.__dict__.get("model_")
        if model is None:
            return np.zeros((len(X), 0))
        return self._columns(model, model._safe_proba(model._rows(X, self.schema_)))
