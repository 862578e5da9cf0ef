"""Examples of the torch learners: a record's features, or the window of records ending at it.

Missing values (NaN) become 0; with ``key`` the key column is not an input
and each key value has its own window. Histories (``history_``, or
``histories_`` per key) hold the last ``window - 1`` learned records, zeros
before the stream starts; they move on when records are learned, never when
records are predicted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamlearn.base.errors import SchemaError


def _pad_last(a: np.ndarray, extra: int) -> np.ndarray:
    """``a`` with ``extra`` zero columns appended on its last axis."""
    pad = [(0, 0)] * (a.ndim - 1) + [(0, extra)]
    return np.pad(a, pad)


class Examples:
    """Turns aligned rows into the module's examples (a mixin of :class:`TorchLearner`)."""

    schema_: Any
    n_features_: int
    n_imputed_: int
    history_: np.ndarray
    histories_: dict[Any, np.ndarray]

    @property
    def _built(self) -> bool:
        return getattr(self, "n_features_", None) is not None

    def _window(self) -> int | None:
        return getattr(self, "window", None)

    def _key_index(self) -> int | None:
        key = getattr(self, "key", None)
        schema = getattr(self, "schema_", None)
        if key is None or schema is None or key not in schema:
            return None
        return int(schema.index(key))

    def _features(self, X: np.ndarray, learning: bool) -> np.ndarray:
        """Input columns for the module: NaN (missing) becomes 0, the key column is left out."""
        kj = self._key_index()
        F = np.delete(X, kj, axis=1) if kj is not None else X
        if self._built and F.shape[1] > self.n_features_:  # a module that cannot grow
            extra = F[:, self.n_features_ :]
            if learning and not np.isnan(extra).all():
                raise SchemaError(
                    f"{type(self).__name__} was built for {self.n_features_} input columns and "
                    f"{F.shape[1] - self.n_features_} more appeared; its module cannot grow (it was given "
                    "as an instance or as a class without an n_features argument). Pass a module name or "
                    "a class taking n_features, or keep the input columns fixed."
                )
            F = F[:, : self.n_features_]
        nan = np.isnan(F)
        if nan.any():
            if F is X:
                F = F.copy()
            if learning and self._built:
                self.n_imputed_ += int(nan.sum())
            F[nan] = 0.0
        return np.ascontiguousarray(F)

    def _keys(self, X: np.ndarray) -> list[Any] | None:
        kj = self._key_index()
        if getattr(self, "key", None) is None:
            return None
        if kj is None:
            return [None] * len(X)
        return [None if v != v else float(v) for v in X[:, kj].tolist()]

    def _pred_examples(self, X: np.ndarray) -> np.ndarray:
        """Examples to predict ``X`` with the current history (which stays as it is)."""
        F = self._features(X, learning=False)
        w = self._window()
        if w is None:
            return F
        E = np.empty((len(F), w, F.shape[1]))
        E[:, -1] = F
        keys = self._keys(X)
        if keys is None:
            E[:, :-1] = self._history(None, F.shape[1])
        else:
            for i, k in enumerate(keys):
                E[i, :-1] = self._history(k, F.shape[1])
        return E

    def _history(self, key: Any, width: int) -> np.ndarray:
        w = self._window() or 1
        if key is None and getattr(self, "key", None) is None:
            h = getattr(self, "history_", None)
        else:
            h = getattr(self, "histories_", {}).get(key)
        if h is None:
            return np.zeros((w - 1, width))
        return h[:, :width] if h.shape[1] >= width else _pad_last(h, width - h.shape[1])

    def _learn_examples(self, Xp: np.ndarray | None, Xl: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """Examples of the learned rows ``Xl`` (and, if given, of the predicted rows ``Xp``, each
        with the history as it is before its row is learned); the history moves on by ``Xl``."""
        Fl = self._features(Xl, learning=True)
        same = Xp is Xl
        Fp = Fl if same or Xp is None else self._features(Xp, learning=False)
        w = self._window()
        if w is None:
            return Fp if Xp is not None else None, Fl
        keys = self._keys(Xl)
        width = Fl.shape[1]
        El = np.empty((len(Fl), w, width))
        if keys is None:
            S = np.concatenate([self._history(None, width), Fl])
            El[:] = np.lib.stride_tricks.sliding_window_view(S, (w, width))[:, 0]
            self.history_ = S[len(S) - (w - 1) :].copy()
        else:
            hist = self.__dict__.setdefault("histories_", {})
            groups: dict[Any, list[int]] = {}
            for i, k in enumerate(keys):
                groups.setdefault(k, []).append(i)
            for k, rows in groups.items():
                S = np.concatenate([self._history(k, width), Fl[rows]])
                El[rows] = np.lib.stride_tricks.sliding_window_view(S, (w, width))[:, 0]
                hist[k] = S[len(S) - (w - 1) :].copy()
        if Xp is None:
            return None, El
        if same:
            return El, El
        Ep = El.copy()
        Ep[:, -1] = Fp
        return Ep, El
