"""The optimiser base: hyper-parameters, per-weight state, and a compiled step.

An optimiser object is only a description (its hyper-parameters); the state
it needs per weight lives in an array owned by the learner (shape
``(n_slots, k, d)`` for a ``(k, d)`` weight matrix), so a learner's
save/load carries it and the compiled loops of the learners update it in
place (see :mod:`streamlearn.optim.kernels`).
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import Rule, validate
from streamlearn.optim import kernels


class Optimizer:
    """Base of the online optimisers (SGD, Adam, FTRL-Proximal)."""

    #: Name used by the learners' ``optimizer`` parameter.
    name: ClassVar[str]
    #: Kernel code (:data:`kernels.SGD`, :data:`kernels.ADAM`, :data:`kernels.FTRL`).
    kind: ClassVar[int]
    #: Number of state arrays kept per weight.
    n_slots: ClassVar[int] = 0
    _param_rules: ClassVar[dict[str, Rule]] = {}

    def _validate_params(self) -> None:
        validate(type(self).__name__, self.get_params(), self._param_rules)

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as stored."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.get_params() == other.get_params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.get_params().items())))

    def hyper(self) -> np.ndarray:
        """The hyper-parameters as the kernels read them (float64 vector of 4)."""
        raise NotImplementedError

    def init_state(self, shape: tuple[int, ...]) -> np.ndarray:
        """Zeroed per-weight state for a weight array of ``shape``."""
        return np.zeros((self.n_slots, *shape))

    def step(self, w: np.ndarray, g: np.ndarray, state: np.ndarray, t: int = 0) -> int:
        """Update ``w`` in place with gradient ``g``; ``state`` from :meth:`init_state`.

        ``t`` counts the steps taken so far (Adam's bias correction); the new
        count is returned. ``w`` must be a C-contiguous float64 array (1-D or
        2-D); NaN gradients leave their weight (and its state) untouched.
        """
        for a in (w, state):
            if a.dtype != np.float64 or not a.flags.c_contiguous:
                raise ValueError("step() updates w and state in place: pass C-contiguous float64 arrays.")
        W = w.reshape(1, -1) if w.ndim == 1 else w
        G = np.asarray(g, dtype=np.float64).reshape(W.shape)
        S = state.reshape(self.n_slots, *W.shape)
        return int(kernels.step_vector(self.kind, self.hyper(), W, G, S, int(t)))
