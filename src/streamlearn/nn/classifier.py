"""Online classification with any PyTorch module: :class:`TorchClassifier`.

The module maps an example (a record's features, or with ``window`` the
last ``window`` records) to one score per class; probabilities are the
softmax of the scores of the classes learned so far, and the loss is the
cross-entropy. Classes are learned as they come (class-incremental): the
module is built with one output for the first class, and each new class
adds an output whose weights and bias start at zero (its score starts at
0; the relative odds of the classes already known do not change). A module whose output width is fixed
(an instance, or a class without ``n_outputs``) may have more outputs than
classes (the extra scores are ignored); a class beyond its last output is a
:class:`~streamlearn.base.errors.SchemaError`.

Parameters
----------
module
    A module name (``"mlp"``, ``"lstm"``, ``"gru"``, ``"cnn1d"``, ``"transformer"``,
    or one added with :func:`streamlearn.nn.register_module`), a ``torch.nn.Module``
    class (built with ``n_features``, ``n_outputs`` and ``window`` when it takes them,
    plus ``module_params``) or an instance (copied; it cannot grow and cannot be saved).
module_params
    Keyword arguments of the module, e.g. ``{"hidden": 64}`` (``module__hidden=64`` in
    ``streamlearn.make`` and ``--param`` on the command line).
window
    ``None``: one record per example. An int ``w``: each example is the window of the
    last ``w`` learned records ending at the record (zeros before the stream starts).
key
    With ``window``, a column whose value (a category or a number) selects one window
    per key, e.g. one per host; the key column is not an input of the module and may be
    categorical (the other columns may not). Keep a numeric key away from scalers, which
    would change its values. Each key's window is kept (memory grows with the keys).
loss
    ``None`` or ``"cross_entropy"``, or a callable ``(scores, codes) -> loss``.
optimizer, lr, optimizer_params
    ``"adam"`` (default), ``"adamw"``, ``"sgd"``, ``"rmsprop"``, ``"adagrad"`` or a
    ``torch.optim`` class; its learning rate (``None``: the optimiser's rate for one record,
    1e-3 for Adam, 1e-2 for SGD and Adagrad, times ``sqrt(batch_size)``); its other arguments.
batch_size
    Records per update (the micro-batch, default 32); see :mod:`streamlearn.nn` for the exact
    semantics. 1 updates on every record (slowest, as deep-river).
epochs
    Optimiser steps per micro-batch.
replay_size, replay_batch
    A reservoir of past examples (0: off) and how many of them join each update
    (default: ``batch_size``).
lr_schedule, lr_schedule_params
    ``"constant"``, ``"exponential"`` (``gamma``), ``"step"`` (``gamma``, ``step_size``),
    ``"inverse_time"`` (``decay``), ``"cosine"`` (``period``, ``min_factor``) or
    ``"warmup"`` (``steps``): a factor of ``lr`` as a function of the update count.
clip_grad_norm
    Clip the gradient's global norm to this value.
device
    ``"cpu"`` (default), ``"auto"`` (CUDA when available), ``"cuda"``, ``"cuda:N"``, ``"mps"``.
dtype
    ``"float64"`` (default: predictions equal one-at-a-time ones to ~1e-15) or ``"float32"``.
n_threads
    torch's intra-op threads, set before each call (process-wide, not restored); ``None``
    leaves them as they are. The default, 1, suits small networks: their operations are too
    small to share, and on a busy machine extra threads wait for each other.
seed
    Seeds module initialisation, dropout and replay sampling; ``None`` draws one.
engine
    ``"auto"`` (default): with ``batch_size=1`` and a fully connected module (``"mlp"``,
    ``"autoencoder"``; SGD without momentum, Adam or AdamW; no replay, window or dropout; on
    the CPU), learn in a compiled per-record kernel, which gives the torch path's predictions
    and weights (to ~1e-13 in float64) 100-300 times faster; otherwise the torch path.
    ``"torch"``: always the torch path. ``"compiled"``: the kernel, or an error that says why
    it does not apply. See :mod:`streamlearn.nn`.

Examples
--------
>>> import pytest
>>> _ = pytest.importorskip("torch")
>>> import numpy as np
>>> from streamlearn.nn import TorchClassifier
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(2000, 2))
>>> y = np.where(X[:, 0] * X[:, 1] > 0, "same", "diff")
>>> model = TorchClassifier(module="mlp", module_params={"hidden": 16}, lr=0.01, batch_size=8, seed=1)
>>> pred = model.test_then_train_many(X, y)
>>> bool((pred[1000:] == y[1000:]).mean() > 0.9)
True
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import SchemaError
from streamlearn.base.learner import Classifier
from streamlearn.base.params import Rule
from streamlearn.base.registry import register
from streamlearn.nn._base import (
    COMPILED_RULES,
    ENGINE_RULES,
    MODULE_RULES,
    WINDOW_RULES,
    TorchLearner,
    loss_rule,
)


class _ClassifierEngine(TorchLearner, Classifier):
    """The classification hooks of the engine (shared by every torch classifier)."""

    _default_loss = "cross_entropy"
    _compiled_task = "classes"

    # -- hooks ---------------------------------------------------------------------
    def _first_outputs(self, T: np.ndarray, n_features: int) -> int:
        self.n_classes_ = int(T[0]) + 1 if len(T) else 1
        return self.n_classes_

    def _check_output(self, shape: tuple[int, ...]) -> None:
        name = type(self).__name__
        if len(shape) != 2 or shape[0] != 1:
            raise SchemaError(
                f"The module of {name} must return (batch, n_classes) scores; for one example it "
                f"returned shape {shape}. Add a head such as nn.Linear(..., n_outputs)."
            )
        if self._grows_out:
            if shape[1] != self.n_outputs_:
                raise SchemaError(
                    f"The module of {name} was asked for {self.n_outputs_} outputs (n_outputs) but "
                    f"returns {shape[1]}: its last layer must have n_outputs units."
                )
        else:
            self.n_outputs_ = shape[1]
            if shape[1] < self.n_classes_:
                raise SchemaError(
                    f"The module of {name} returns {shape[1]} scores but {self.n_classes_} classes "
                    "were seen; give it more outputs or let it take n_outputs."
                )

    def _break_rows(self, T: np.ndarray) -> np.ndarray:
        if not len(T):
            return np.empty(0, dtype=np.int64)
        prev = np.maximum.accumulate(np.concatenate([[self.n_classes_ - 1], T[:-1]]))
        return np.flatnonzero(prev < T)

    def _before_rows(self, T: np.ndarray) -> None:
        k = int(T.max()) + 1 if len(T) else 0
        if k <= self.n_classes_:
            return
        if k > self.n_outputs_:
            if not self._grows_out:
                raise SchemaError(
                    f"{type(self).__name__} met class #{k} ({self.classes_[k - 1]!r}) but its module "
                    f"has {self.n_outputs_} outputs and cannot grow (it was given as an instance or "
                    "as a class without an n_outputs argument)."
                )
            self._resize(self.n_features_, k)
        self.n_classes_ = k

    def _target_tensor(self, T: np.ndarray, hi: int) -> Any:
        return self._torch.from_numpy(np.ascontiguousarray(T, dtype=np.int64)).to(self._dev)

    def _compiled_targets(
        self, E: np.ndarray, T: np.ndarray, s: int, e: int
    ) -> tuple[np.ndarray | None, np.ndarray | None, int]:
        return None, T[s:e], self.n_classes_

    def _loss(self, out: Any, xb: Any, tb: Any) -> Any:
        k = self.n_classes_
        return self._loss_fn(out if out.shape[1] == k else out[:, :k], tb)

    def _pred_buffer(self, n: int) -> np.ndarray:
        return np.zeros((n, len(self.classes_)))

    def _pred_state(self) -> Any:
        return self.n_classes_

    def _probabilities(self, raw: Any, k: int) -> np.ndarray:
        scores = raw if raw.shape[1] == k else raw[:, :k]
        P = self._torch.softmax(scores, dim=1)
        return np.asarray(P.detach().to("cpu").double().numpy())

    def _decode(self, raw: Any, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any) -> None:
        out[i:j, :k_before] = self._probabilities(raw, k_before)

    def _decode_raw(
        self, raw: np.ndarray, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any
    ) -> None:
        z = raw[:, :k_before]  # softmax in the module's precision, as torch.softmax computes it
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out[i:j, :k_before] = e / e.sum(axis=1, keepdims=True)

    # -- Classifier hooks ------------------------------------------------------------
    def _learn(self, X: np.ndarray, codes: np.ndarray) -> None:
        self._run(None, X, codes)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        if not self._built:
            return np.zeros((len(X), 0))
        k = self.n_classes_
        if not len(X):
            return np.zeros((0, k))
        return self._probabilities(self._forward(self._pred_examples(X)), k)

    def _test_then_train(self, X_pred: np.ndarray, X_learn: np.ndarray, codes: np.ndarray) -> np.ndarray:
        out = self._run(X_pred, X_learn, codes)
        assert out is not None
        return out


@register()
class TorchClassifier(_ClassifierEngine):
    """Online classifier around any ``torch.nn.Module``; see the module docstring."""

    _param_rules: ClassVar[dict[str, Rule]] = {
        **ENGINE_RULES,
        **COMPILED_RULES,
        **MODULE_RULES,
        **WINDOW_RULES,
        "loss": loss_rule(("cross_entropy",)),
    }

    def __init__(
        self,
        module: Any = "mlp",
        module_params: dict[str, Any] | None = None,
        window: int | None = None,
        key: Any = None,
        loss: Any = None,
        optimizer: Any = "adam",
        lr: float | None = None,
        optimizer_params: dict[str, Any] | None = None,
        batch_size: int = 32,
        epochs: int = 1,
        replay_size: int = 0,
        replay_batch: int | None = None,
        lr_schedule: str | None = None,
        lr_schedule_params: dict[str, Any] | None = None,
        clip_grad_norm: float | None = None,
        device: str = "cpu",
        dtype: str = "float64",
        n_threads: int | None = 1,
        seed: int | None = None,
        engine: str = "auto",
    ):
        self._store(locals())

    @classmethod
    def _unit_test_params(cls) -> Any:
        from streamlearn.nn._torch import torch_available

        if not torch_available():
            return
        for p in cls._tiny():
            yield {**p, "module_params": {"hidden": 4, "n_layers": 1}}
        yield {"module": "gru", "module_params": {"hidden": 3}, "window": 3, "seed": 3, "batch_size": 4}
