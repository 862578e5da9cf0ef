"""A per-record readout beside a network that learns in micro-batches (two time scales).

A network updated once per micro-batch of ``batch_size`` records is fast
(one optimiser step per batch) but adapts slowly: on an autocorrelated
stream (prices, traffic) the weights are up to a batch behind the records
they score. The readout closes that gap. The scores of a record are

    scores = head(h) + (W + V) [h, x] + b + c

where ``h`` is the network's representation of the example (an LSTM's state
after the window), ``head`` the network's own linear layer and ``x`` the
record's features. The network (``head`` included) learns per micro-batch,
with the readout held fixed in its loss; the readout learns after *every*
record, from the gradient ``G = (p - onehot(y)) [h, x]^T`` of the
cross-entropy, in two parts:

- a tracking part ``(W, b)``, one normalised least-mean-squares step
  (Nagumo & Noda's normalised LMS, applied to the softmax gradient)
  ``W -= readout * G / (1 + |[h, x]|^2)``: the step does not depend on the
  scale or the width of the features and does not shrink, so it follows
  drift (one default, ``readout=0.3``, for 10 or 150 inputs);
- a slow part ``(V, c)``, one AdaGrad step per coordinate
  ``V -= readout_slow * G / sqrt(sum of G^2 so far)``: its steps shrink as
  evidence accumulates and stay large for rare inputs (a category seen a few
  times), so it converges where the stream is stationary (``readout_slow=0.1``).

Each record is still predicted before it is learned: with the network's
weights before its micro-batch and the readout's before its own step. The
readout starts at zero, so at first the scores are the network's.

References
----------
B. Widrow, M. E. Hoff (1960). Adaptive switching circuits. IRE WESCON (the LMS rule).
J. Nagumo, A. Noda (1967). A learning method for system identification. IEEE Trans.
Automatic Control 12(3) (the normalised step).
J. Duchi, E. Hazan, Y. Singer (2011). Adaptive subgradient methods for online learning and
stochastic optimization. JMLR 12 (AdaGrad).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from streamlearn.base.errors import InvalidParameterError
from streamlearn.base.params import NONE, Interval, Rule
from streamlearn.nn._base import _appended
from streamlearn.nn._readout_kernel import readout_run

#: ``readout``: the tracking part's step (None: no readout); ``readout_slow``: the slow part's rate.
READOUT_RULES: dict[str, Rule] = {
    "readout": NONE | Interval(float, 0, None, open_low=True),
    "readout_slow": Interval(float, 0, None),
}
#: The readout's learned arrays: (tracking weights, bias), (slow weights, bias), AdaGrad's sums.
_PARTS = ("readout_W_", "readout_b_", "readout_V_", "readout_c_", "readout_GV_", "readout_Gc_")
_MATRICES = ("readout_W_", "readout_V_", "readout_GV_")  # (classes, inputs); the others (classes,)

_NO_ROWS = np.zeros((1, 1))


class ReadoutClassifier:
    """Adds the per-record readout to a torch classifier whose module has ``embed``,
    ``embed_last`` and a linear ``head`` (as :class:`streamlearn.nn.modules.RNN`); a mixin placed
    before the classifier engine. ``readout=None`` leaves the engine as it is."""

    readout: float | None
    readout_slow: float
    readout_W_: np.ndarray
    readout_b_: np.ndarray
    readout_V_: np.ndarray
    readout_c_: np.ndarray
    n_outputs_: int
    n_features_: int
    n_classes_: int
    n_nonfinite_: int
    batch_size: int
    _torch: Any
    _build_row: bool

    def _reads_out(self) -> bool:
        return self.readout is not None

    # -- the module's outputs: scores of its head, then its representation --------------
    def _call(self, net: Any, x: Any) -> Any:
        if not self._reads_out():
            return super()._call(net, x)  # type: ignore[misc]
        if not (hasattr(net, "embed") and hasattr(net, "embed_last") and hasattr(net, "head")):
            raise InvalidParameterError(
                f"{type(self).__name__}(readout=...) needs a module with embed(), embed_last() and a "
                f"linear head; {type(net).__name__} lacks them. Set readout=None."
            )
        torch = self._torch
        ctx = self.__dict__.get("_ctx")
        if ctx is not None and ctx["other"]:
            # the predicted rows differ from the learned ones in their last record only
            m, n = ctx["m"], ctx["n"]
            h, hp = net.embed_last(x, self._tensor(ctx["Ep"]), m, m + n)  # type: ignore[attr-defined]
            with torch.no_grad():
                ctx["raw_p"] = torch.cat([net.head(hp), hp], 1)
        else:
            h = net.embed(x)
        return torch.cat([net.head(h), h.detach()], 1)

    def _last(self, E: Any) -> Any:
        """The record's own features in each example (the last row of a window)."""
        return E[:, -1] if E.ndim == 3 else E

    def _learn_examples(self, Xp: np.ndarray | None, Xl: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """As the engine's, but rows predicted apart from the learned ones are only their own
        features (their windows differ from the learned ones in the last record only)."""
        if not self._reads_out() or Xp is None or Xp is Xl:
            return super()._learn_examples(Xp, Xl)  # type: ignore[misc,no-any-return]
        _, El = super()._learn_examples(None, Xl)  # type: ignore[misc]
        return self._features(Xp, learning=False), El  # type: ignore[attr-defined]

    def _ensure_readout(self, net: Any) -> None:
        """Create the readout (zeros) or widen it to the module's outputs and the inputs."""
        k, m = self.n_outputs_, int(net.head.in_features) + self.n_features_
        for name in _PARTS:
            a = getattr(self, name, None)
            shape = (k, m) if name in _MATRICES else (k,)
            if a is None:
                setattr(self, name, np.zeros(shape))
            elif a.shape != shape or not a.flags.writeable:
                pad = [(0, want - have) for want, have in zip(shape, a.shape)]
                setattr(self, name, np.pad(np.asarray(a, dtype=np.float64), pad))

    def _readout_scores(self, raw: Any, E: Any) -> Any:
        """The readout's scores for a batch of module outputs (torch, readout fixed)."""
        torch = self._torch
        K = self.n_outputs_
        F = torch.cat([raw[:, K:], self._last(E)], 1)
        W = torch.from_numpy(self.readout_W_ + self.readout_V_).to(device=raw.device, dtype=raw.dtype)
        b = torch.from_numpy(self.readout_b_ + self.readout_c_).to(device=raw.device, dtype=raw.dtype)
        return torch.addmm(b, F, W.T)

    def _loss(self, out: Any, xb: Any, tb: Any) -> Any:
        if not self._reads_out():
            return super()._loss(out, xb, tb)  # type: ignore[misc]
        ctx = self.__dict__.pop("_ctx", None)
        if ctx is not None:  # the batch's new records: predict each, then the readout learns it
            m, n = ctx["m"], ctx["n"]
            raw = out.detach()[m : m + n]
            self._readout_rows(raw, ctx.get("raw_p"), ctx)
        scores = out[:, : self.n_outputs_] + self._readout_scores(out.detach(), xb)
        return super()._loss(scores, xb, tb)  # type: ignore[misc]

    def _readout_rows(self, raw_l: Any, raw_p: Any, ctx: dict[str, Any]) -> None:
        """Run the compiled loop over rows whose module outputs are ``raw_l`` (learned) and
        ``raw_p`` (predicted; None: the same rows)."""
        K = self.n_outputs_

        def split(raw: Any, E: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            a = raw.to("cpu").double().numpy()
            return np.ascontiguousarray(a[:, :K]), np.concatenate([a[:, K:], self._last(E)], 1)

        Sl, Fl = split(raw_l, ctx["El"])
        same = raw_p is None
        Sp, Fp = (Sl, Fl) if same else split(raw_p, ctx["Ep"])  # Ep: the predicted records
        P = ctx["out"]
        W, b, V, c, GV, Gc = (getattr(self, name) for name in _PARTS)
        bad = readout_run(
            Sp,
            Fp,
            Sl,
            Fl,
            np.ascontiguousarray(ctx["T"], dtype=np.int64),
            ctx["k0"],
            W,
            b,
            V,
            c,
            GV,
            Gc,
            float(self.readout),  # type: ignore[arg-type]
            float(self.readout_slow),
            P is not None,
            ctx["skip_first"],
            same and ctx["Ep"] is ctx["El"],
            _NO_ROWS if P is None else P,
        )
        if bad:
            self.n_nonfinite_ += int(bad)
            warnings.warn(
                f"{type(self).__name__}: non-finite readout scores at {bad} record(s); their readout "
                f"updates were skipped ({self.n_nonfinite_} so far, see n_nonfinite_). Scale the inputs.",
                RuntimeWarning,
                stacklevel=6,
            )

    # -- the engine's loop with the readout ----------------------------------------------
    def _segments(self, Ep: np.ndarray | None, El: np.ndarray, T: np.ndarray) -> np.ndarray | None:
        """:meth:`TorchLearner._segments` with the readout: rows in order, up to the end of each
        micro-batch; a full micro-batch is one update of the module, whose forward pass (with the
        weights before the update) also gives the new rows' predictions and readout steps."""
        if not self._reads_out():
            return super()._segments(Ep, El, T)  # type: ignore[misc,no-any-return]
        n = len(El)
        out: np.ndarray | None = self._pred_buffer(n) if Ep is not None else None  # type: ignore[attr-defined]
        same = Ep is El
        pend_X = getattr(self, "pending_X_", None)
        pend_y = getattr(self, "pending_y_", None)
        i = 0
        while i < n:
            m = 0 if pend_X is None else len(pend_X)
            j = min(n, i + self.batch_size - m)
            k0 = self.n_classes_
            self._before_rows(T[i:j])  # type: ignore[attr-defined]  # new classes grow the module now
            net = self._live()  # type: ignore[attr-defined]
            self._ensure_readout(net)
            ctx: dict[str, Any] = {
                "m": m,
                "n": j - i,
                "El": El[i:j],
                "Ep": El[i:j] if same or Ep is None else Ep[i:j],
                "T": T[i:j],
                "out": None if out is None else out[i:j],
                "k0": k0,
                "skip_first": self._build_row and i == 0,
                "other": out is not None and not same,  # predicted rows to score apart
            }
            full = m + (j - i) >= self.batch_size
            # a full micro-batch's training forward pass gives the predictions, unless training
            # mode differs from evaluation mode (dropout): then they come from their own pass
            fused = full and self._mode_free  # type: ignore[attr-defined]
            self._ctx = ctx
            try:
                if not fused:
                    ctx["m"] = 0
                    raw = self._forward(El[i:j])  # type: ignore[attr-defined]
                    self._readout_rows(raw, ctx.get("raw_p"), ctx)
                    del self._ctx
                if full:
                    Eb = El[i:j] if not m else _appended(pend_X, El[i:j])
                    Tb = T[i:j] if not m else _appended(pend_y, T[i:j])
                    self._step(Eb, Tb, j, want_out=False)  # type: ignore[attr-defined]
            finally:
                self.__dict__.pop("_ctx", None)
            if full:
                pend_X = pend_y = None
            else:
                pend_X, pend_y = _appended(pend_X, El[i:j]), _appended(pend_y, T[i:j])
            i = j
        self._keep_pending(pend_X, pend_y)  # type: ignore[attr-defined]
        self._end()  # type: ignore[attr-defined]
        return out

    def _proba(self, X: np.ndarray) -> np.ndarray:
        if not self._reads_out() or getattr(self, "n_features_", None) is None or not len(X):
            return super()._proba(X)  # type: ignore[misc,no-any-return]
        E = self._pred_examples(X)  # type: ignore[attr-defined]
        raw = self._forward(E)  # type: ignore[attr-defined]
        self._ensure_readout(self._live())  # type: ignore[attr-defined]
        scores = raw[:, : self.n_outputs_] + self._readout_scores(raw, self._tensor(E))  # type: ignore[attr-defined]
        return self._probabilities(scores, self.n_classes_)  # type: ignore[attr-defined,no-any-return]
