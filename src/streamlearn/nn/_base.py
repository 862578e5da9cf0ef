"""The engine shared by every torch learner: lazy build, micro-batches, growth, state.

See the package docstring of :mod:`streamlearn.nn` for the semantics. In
short: each learned record becomes an *example* (its features, or the
window of records ending at it) that waits in ``pending_X_`` until
``batch_size`` examples are there; then one optimiser update (``epochs``
steps) learns them, with replayed examples if ``replay_size > 0``. A record
is predicted with the weights as they are before it is learned, so a batch
and the same records one at a time give the same predictions and the same
weights, whatever the batch boundaries.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.errors import InvalidParameterError, SchemaError
from streamlearn.base.learner import Learner
from streamlearn.base.params import NONE, SEED, InstanceOf, Interval, OneOf, Rule, Satisfies
from streamlearn.base.schema import CAT
from streamlearn.nn import _compiled, _registry
from streamlearn.nn._examples import Examples, _pad_last
from streamlearn.nn._torch import (
    quiet_rng,
    require_torch,
    resolve_device,
    rng_scope,
    use_threads,
    valid_device,
)

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")
#: ``engine``: "auto" runs the compiled per-record path when it applies (see ``_compiled``).
ENGINES = ("auto", "torch", "compiled")
#: Learning rates for one record per update; ``lr=None`` scales them by sqrt(batch_size).
BASE_LR = {"adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2, "sgd": 1e-2}
SCHEDULES: dict[str, dict[str, float]] = {
    "constant": {},
    "exponential": {"gamma": 0.999},
    "step": {"gamma": 0.5, "step_size": 1000},
    "inverse_time": {"decay": 1e-3},
    "cosine": {"period": 1000, "min_factor": 0.0},
    "warmup": {"steps": 100},
}


def _str_dict(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) for k in v)


def _is_module(v: Any) -> bool:
    """A registered name, a class, or something that looks like a ``torch.nn.Module`` instance."""
    if isinstance(v, str):
        return _registry.is_known(v)
    if isinstance(v, type):
        return True
    return callable(v) and hasattr(v, "parameters") and hasattr(v, "state_dict")


MODULE_RULE = Satisfies(
    _is_module,
    "a module name (" + ", ".join(_registry.module_names()) + "), a torch.nn.Module class or instance",
)
STR_DICT = NONE | Satisfies(_str_dict, "a dict with str keys")


def loss_rule(names: tuple[str, ...]) -> Rule:
    return NONE | OneOf(*names) | Satisfies(callable, "a callable (prediction, target) -> loss")


ENGINE_RULES: dict[str, Rule] = {
    "optimizer": OneOf(*OPTIMIZERS) | Satisfies(lambda v: isinstance(v, type), "a torch optimizer class"),
    "lr": NONE | Interval(float, 0, None, open_low=True),
    "optimizer_params": STR_DICT,
    "batch_size": Interval(int, 1, None),
    "epochs": Interval(int, 1, None),
    "replay_size": Interval(int, 0, None),
    "replay_batch": NONE | Interval(int, 1, None),
    "lr_schedule": NONE | OneOf(*SCHEDULES),
    "lr_schedule_params": STR_DICT,
    "clip_grad_norm": NONE | Interval(float, 0, None, open_low=True),
    "device": Satisfies(valid_device, "'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"),
    "dtype": OneOf("float32", "float64"),
    "n_threads": NONE | Interval(int, 1, None),
    "seed": SEED,
}
#: The ``engine`` parameter of the learners that have a compiled path (see ``_compiled``).
COMPILED_RULES: dict[str, Rule] = {"engine": OneOf(*ENGINES)}
#: Rules of the generic learners' module and input arguments.
MODULE_RULES: dict[str, Rule] = {"module": MODULE_RULE, "module_params": STR_DICT}
WINDOW_RULES: dict[str, Rule] = {
    "window": NONE | Interval(int, 1, None),
    "key": NONE | InstanceOf(str, int, description="a column name (str or int)"),
}


class TorchLearner(Examples, Learner):
    """Base of the torch learners; see :mod:`streamlearn.nn` for the semantics.

    Subclasses set the task hooks: ``_first_outputs`` (outputs to build),
    ``_check_output`` (shape of a dry-run output), ``_loss`` and
    ``_decode`` (raw outputs to predictions), and may override
    ``_break_rows``/``_before_rows`` (classifiers grow their output layer),
    ``_begin`` (running statistics) and ``_input_tensor``/``_target_tensor``.
    """

    needs_scaling = True
    learns_per_record = True  # micro-batches wait in a buffer: any batching gives the same model
    accepts_categorical = False
    #: Whether the training forward pass may double as the test-then-train prediction.
    _task_fuses: ClassVar[bool] = True
    _default_loss: ClassVar[str] = "mse"
    #: The task of the compiled per-record path (None: the learner has none).
    _compiled_task: ClassVar[str | None] = None

    # live objects (caches rebuilt from the state after a load)
    _net: Any
    _opt: Any
    _torch: Any
    _plan: _compiled.Plan | str | None  # the compiled path's view of the module (or why there is none)
    # learned state that exists only at times (exported weights after a load, windows per key)
    module_state_: dict[str, Any]
    optimizer_state_: dict[str, Any]
    torch_rng_: np.ndarray
    histories_: dict[Any, np.ndarray]

    # parameters every subclass declares (see the __init__ of each learner)
    loss: Any
    optimizer: Any
    lr: float | None
    optimizer_params: dict[str, Any] | None
    batch_size: int
    epochs: int
    replay_size: int
    replay_batch: int | None
    lr_schedule: str | None
    lr_schedule_params: dict[str, Any] | None
    clip_grad_norm: float | None
    device: str
    dtype: str
    n_threads: int | None
    seed: int | None
    engine: str  # the learners with a compiled path declare it; the others run torch

    # -- parameters -------------------------------------------------------------
    def _store(self, params: dict[str, Any]) -> None:
        """Store each constructor argument under its own name, then check them."""
        for k, v in params.items():
            if k not in ("self", "__class__"):
                setattr(self, k, v)
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        name = type(self).__name__
        if self.lr_schedule_params and self.lr_schedule is None:
            raise InvalidParameterError(
                f"The 'lr_schedule_params' parameter of {name} needs an lr_schedule; "
                f"choose one of {', '.join(SCHEDULES)}."
            )
        if self.lr_schedule is not None:
            unknown = set(self.lr_schedule_params or {}) - set(SCHEDULES[self.lr_schedule])
            if unknown:
                raise InvalidParameterError(
                    f"The 'lr_schedule_params' parameter of {name} has unknown keys {sorted(unknown)} "
                    f"for the {self.lr_schedule!r} schedule; it takes {sorted(SCHEDULES[self.lr_schedule])}."
                )
        module, _ = self._module_spec()
        window = self._window()
        if isinstance(module, str) and _registry.is_windowed(module) and window is None:
            raise InvalidParameterError(
                f"The module {module!r} of {name} reads windows of records: set window (e.g. window=16)."
            )
        if getattr(self, "key", None) is not None and window is None:
            raise InvalidParameterError(f"The 'key' parameter of {name} needs a window (e.g. window=16).")
        if getattr(self, "engine", "torch") == "compiled":
            reason = _compiled.static_reason(self)
            if reason is not None:
                raise self._engine_error(reason)

    def _engine_error(self, reason: str) -> InvalidParameterError:
        return InvalidParameterError(
            f"{type(self).__name__} cannot run engine='compiled': {reason}. Use engine='auto' (compiled "
            "when possible, else torch) or engine='torch'."
        )

    def _module_spec(self) -> tuple[Any, dict[str, Any]]:
        """The module (name, class or instance) and its keyword arguments."""
        return getattr(self, "module", "mlp"), dict(getattr(self, "module_params", None) or {})

    # -- lazily built objects ---------------------------------------------------
    @property
    def torch_module(self) -> Any:
        """The live ``torch.nn.Module`` being trained (``None`` before the first learned record)."""
        return self._live() if self._built else None

    def _live(self) -> Any:
        """The module, rebuilt from the saved state after a load."""
        net = getattr(self, "_net", None)
        if net is None:
            self._restore()
            net = self._net
        return net

    def _after_load(self) -> None:
        self._net = None
        self._opt = None
        self._plan = None

    def _setup_torch(self) -> Any:
        torch = require_torch()
        self._torch = torch
        self._dev = resolve_device(self.device)
        self._dt = torch.float64 if self.dtype == "float64" else torch.float32
        use_threads(self.n_threads)
        return torch

    def _construct(self, n_features: int, n_outputs: int) -> Any:
        """A fresh module of the given widths (random init from the active generator)."""
        spec, params = self._module_spec()
        name = type(self).__name__
        if not isinstance(spec, (str, type)):  # an instance: a copy is trained, the argument stays as given
            self._grows_in = self._grows_out = False
            net = copy.deepcopy(spec)
        else:
            cls, fixed = _registry.resolve(spec) if isinstance(spec, str) else (spec, {})
            kwargs = {**fixed, **params}
            try:
                sig = inspect.signature(cls)
                takes_any = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
                takes = set(sig.parameters) if not takes_any else None
            except (TypeError, ValueError):
                takes = set()
            sizes = {"n_features": n_features, "n_outputs": n_outputs, "window": self._window()}
            for k, v in sizes.items():
                if v is not None and (takes is None or k in takes):
                    kwargs[k] = v
            self._grows_in = takes is None or "n_features" in takes
            self._grows_out = takes is None or "n_outputs" in takes
            try:
                net = cls(**kwargs)
            except (TypeError, ValueError) as e:
                raise InvalidParameterError(
                    f"{name} could not build its module {getattr(cls, '__name__', cls)!r} with {kwargs}: {e}"
                ) from None
        if not isinstance(net, self._torch.nn.Module):
            raise InvalidParameterError(
                f"The 'module' parameter of {name} must give a torch.nn.Module; got {type(net).__name__}."
            )
        net = net.to(device=self._dev, dtype=self._dt)
        net.train()
        return net

    def _lr(self) -> float:
        """``lr``, or with ``lr=None`` the optimiser's base rate times sqrt(batch_size) (the
        square-root scaling rule for adaptive optimisers: Malladi et al., NeurIPS 2022)."""
        if self.lr is not None:
            return float(self.lr)
        base = BASE_LR.get(self.optimizer, 1e-3) if isinstance(self.optimizer, str) else 1e-3
        return base * math.sqrt(self.batch_size)

    def _make_optimizer(self, net: Any) -> Any:
        torch = self._torch
        opt = self.optimizer
        if isinstance(opt, str):
            opt = {
                "adam": torch.optim.Adam,
                "adamw": torch.optim.AdamW,
                "sgd": torch.optim.SGD,
                "rmsprop": torch.optim.RMSprop,
                "adagrad": torch.optim.Adagrad,
            }[opt]
        kwargs = dict(self.optimizer_params or {})
        params = list(net.parameters())
        fusable = opt in (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD, torch.optim.Adagrad)
        if fusable and not ({"fused", "foreach", "capturable", "differentiable"} & set(kwargs)):
            try:  # one fused kernel for all parameters: several times faster for small networks
                return opt(params, lr=self._lr(), fused=True, **kwargs)
            except (RuntimeError, ValueError, TypeError):
                pass
        try:
            return opt(params, lr=self._lr(), **kwargs)
        except (TypeError, ValueError) as e:
            raise InvalidParameterError(
                f"{type(self).__name__} could not build its optimizer {getattr(opt, '__name__', opt)!r} "
                f"with {kwargs}: {e}"
            ) from None

    def _make_loss(self) -> Callable[..., Any]:
        loss = self.loss if self.loss is not None else self._default_loss
        torch = self._torch
        if isinstance(loss, str):
            return {  # type: ignore[no-any-return]
                "mse": torch.nn.MSELoss(reduction="none"),
                "l1": torch.nn.L1Loss(reduction="none"),
                "huber": torch.nn.HuberLoss(reduction="none"),
                "cross_entropy": torch.nn.CrossEntropyLoss(),
            }[loss]
        if isinstance(loss, type):
            try:
                return loss(reduction="none")  # type: ignore[no-any-return]
            except TypeError:
                return loss()  # type: ignore[no-any-return]
        return loss  # type: ignore[no-any-return]

    def _flags(self, net: Any) -> None:
        """Cache what the module allows: fused prediction, skipping mode switches."""
        self._params = [p for g in self._opt.param_groups for p in g["params"]]
        det = bool(getattr(net, "deterministic_train", False))
        self._mode_free = det
        self._fuses = det and self._task_fuses and self._noise_free()
        self._stochastic = not det or not self._noise_free()
        self._loss_fn = self._make_loss()
        self._plan = None  # the compiled path's view, built when first used

    def _noise_free(self) -> bool:
        return True

    def _build(self, n_features: int, n_outputs: int) -> None:
        """Build module and optimiser on the first learned record."""
        torch = self._setup_torch()
        seed = self.seed if self.seed is not None else int(np.random.SeedSequence().entropy % 2**63)  # type: ignore[operator]
        self.rng_ = np.random.default_rng(seed)
        gen = torch.Generator()
        gen.manual_seed(int(self.rng_.integers(2**63)))
        self.n_features_ = n_features
        self.n_outputs_ = n_outputs
        self.n_steps_ = 0
        self.n_nonfinite_ = 0
        self.n_imputed_ = 0
        with rng_scope(gen.get_state()) as box:
            net = self._construct(n_features, n_outputs)
        self._rng_state = box[0]
        self._dry_run(net)
        self._net, self._opt = net, self._make_optimizer(net)
        self._flags(net)

    def _dry_run(self, net: Any) -> None:
        """Check the module's output for one example against the task."""
        torch = self._torch
        shape = self._example_shape()
        x = torch.zeros((1, *shape), dtype=self._dt, device=self._dev)
        was = net.training
        net.eval()
        try:
            with torch.no_grad():
                out = net(x)
        except Exception as e:  # torch raises RuntimeError / ValueError with its own words
            raise InvalidParameterError(
                f"The module of {type(self).__name__} cannot read an example of shape {tuple(x.shape)} "
                f"({self._describe_input()}): {e}. Give a module that takes n_features (and window), "
                "or one built for this input."
            ) from None
        finally:
            net.train(was)
        if not torch.is_tensor(out):
            raise InvalidParameterError(
                f"The module of {type(self).__name__} must return a tensor; it returned {type(out).__name__}."
            )
        self._check_output(tuple(out.shape))

    def _describe_input(self) -> str:
        w = self._window()
        f = self.n_features_
        return f"{f} features" if w is None else f"windows of {w} records of {f} features"

    def _example_shape(self) -> tuple[int, ...]:
        w = self._window()
        return (self.n_features_,) if w is None else (w, self.n_features_)

    # -- state ---------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        state = super()._state()
        net = getattr(self, "_net", None)
        if net is not None:
            state.update(self._export())
        return state

    def _export(self) -> dict[str, Any]:
        """Module, optimiser and generator state as NumPy arrays (keys sorted, so that a
        loaded model digests the same). A 0-d tensor (an optimiser's step count) is kept as
        a 1-element array under ``"<name>:scalar"`` (saved files store arrays of >= 1 dim)."""
        torch = self._torch

        def entries(d: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for k in sorted(d):
                v = d[k]
                if torch.is_tensor(v):
                    a = v.detach().cpu().numpy().copy()
                    if a.ndim == 0:
                        out[f"{k}:scalar"] = a.reshape(1)
                        continue
                    v = a
                out[k] = v
            return out

        opt_state = self._opt.state_dict()["state"]
        return {
            "module_state_": entries(self._net.state_dict()),
            "optimizer_state_": {str(i): entries(opt_state[i]) for i in sorted(opt_state, key=str)},
            "torch_rng_": self._rng_state.numpy().copy(),
        }

    def _restore(self) -> None:
        """Rebuild module, optimiser and generator from the exported state (after a load)."""
        if not self._built:
            raise RuntimeError("nothing to restore")  # pragma: no cover - guarded by callers
        torch = self._setup_torch()
        with quiet_rng():
            net = self._construct(self.n_features_, self.n_outputs_)
        sd = {k: torch.from_numpy(np.array(v)) for k, v in self.module_state_.items()}
        net.load_state_dict(sd)
        opt = self._make_optimizer(net)
        state: dict[int, dict[str, Any]] = {}
        for i, entries in self.optimizer_state_.items():
            st = state[int(i)] = {}
            for k, v in entries.items():
                if k.endswith(":scalar"):
                    st[k[: -len(":scalar")]] = torch.from_numpy(np.array(v)).reshape(())
                else:
                    st[k] = torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v
        opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})
        self._rng_state = torch.from_numpy(np.array(self.torch_rng_, dtype=np.uint8))
        for k in ("module_state_", "optimizer_state_", "torch_rng_"):
            self.__dict__.pop(k, None)
        self._net, self._opt = net, opt
        self._flags(net)

    # -- growth ----------------------------------------------------------------------
    def _resize(self, n_features: int, n_outputs: int) -> None:
        """Widen the module to ``n_features`` inputs and ``n_outputs`` outputs.

        A module of the new widths is built (without drawing from any
        generator), each old tensor is copied into the leading block of the
        new one and the rest is zero, so the function of the old inputs is
        unchanged; the optimiser state is widened the same way.
        """
        torch = self._torch
        net = self._live()
        old = {k: v.detach() for k, v in net.state_dict().items()}
        old_opt = self._opt.state_dict()["state"]
        with quiet_rng():
            new = self._construct(n_features, n_outputs)
        target = new.state_dict()
        fitted = {}
        for k, v in target.items():
            fitted[k] = _pad(torch, old[k], tuple(v.shape)) if k in old else v
        new.load_state_dict(fitted)
        opt = self._make_optimizer(new)
        params = list(new.parameters())
        state = {}
        for i, s in old_opt.items():
            shape = tuple(params[i].shape)
            state[i] = {
                k: _pad(torch, v, shape)
                if torch.is_tensor(v) and v.dim() > 0 and tuple(v.shape) != shape
                else v
                for k, v in s.items()
            }
        opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})
        self._net, self._opt = new, opt
        self._flags(new)
        if n_features > self.n_features_:
            extra = n_features - self.n_features_
            for name in ("pending_X_", "replay_X_", "history_"):
                a = getattr(self, name, None)
                if a is not None:
                    setattr(self, name, _pad_last(a, extra))
            if getattr(self, "histories_", None):
                self.histories_ = {k: _pad_last(v, extra) for k, v in self.histories_.items()}
        self.n_features_, self.n_outputs_ = n_features, n_outputs

    def _n_inputs(self, width: int) -> int:
        """Module inputs for a schema of ``width`` columns (the key column is not an input)."""
        return width - (1 if self._key_index() is not None else 0)

    def _grow(self, width: int) -> None:
        if not self._built:
            return
        n = self._n_inputs(width)
        if n > self.n_features_:
            self._live()
            if self._grows_in:
                self._resize(n, self._outputs_for(n))

    def _on_width(self, schema: Any) -> None:
        key = self._key_index()
        if not self.accepts_categorical and CAT in schema.kinds:
            bad = [n for j, (n, k) in enumerate(zip(schema.names, schema.kinds)) if k == CAT and j != key]
            if bad:
                raise SchemaError(
                    f"{type(self).__name__} needs numeric features but {bad!r} "
                    f"{'is' if len(bad) == 1 else 'are'} categorical. Encode them first, e.g. "
                    f"OneHotEncoder() | {type(self).__name__}()."
                )
        self._grow(schema.width)

    # -- the engine -------------------------------------------------------------------
    def _tensor(self, a: np.ndarray) -> Any:
        # copy=True: torch-owned, aligned memory keeps BLAS results reproducible
        return self._torch.from_numpy(a).to(device=self._dev, dtype=self._dt, copy=True)

    def _forward(self, E: Any) -> Any:
        """Raw module outputs for examples ``E`` (an array or a tensor; evaluation mode, no gradient)."""
        net = self._live()
        torch = self._torch
        use_threads(self.n_threads)
        x = self._tensor(E) if isinstance(E, np.ndarray) else E
        if self._mode_free:
            with torch.no_grad():
                return self._call(net, x)
        net.eval()
        try:
            with torch.no_grad():
                return self._call(net, x)
        finally:
            net.train()

    def _call(self, net: Any, x: Any) -> Any:
        """The module's raw outputs for the engine (tasks may add what their loss needs)."""
        return net(x)

    def _lr_factor(self, t: int) -> float:
        kind = self.lr_schedule
        if kind is None or kind == "constant":
            return 1.0
        p = {**SCHEDULES[kind], **(self.lr_schedule_params or {})}
        if kind == "exponential":
            return float(p["gamma"] ** t)
        if kind == "step":
            return float(p["gamma"] ** (t // max(int(p["step_size"]), 1)))
        if kind == "inverse_time":
            return 1.0 / (1.0 + p["decay"] * t)
        if kind == "cosine":
            period = max(int(p["period"]), 1)
            lo = p["min_factor"]
            return lo + (1.0 - lo) * 0.5 * (1.0 + math.cos(math.pi * (t % period) / period))
        return min(1.0, (t + 1) / max(int(p["steps"]), 1))  # warmup

    def _replay_sample(self, n_new: int) -> np.ndarray | None:
        filled = 0 if getattr(self, "replay_X_", None) is None else len(self.replay_X_)
        if not self.replay_size or filled == 0:
            return None
        r = min(self.replay_batch or self.batch_size, filled)
        return np.sort(self.rng_.choice(filled, size=r, replace=False))

    def _replay_add(self, E: np.ndarray, T: np.ndarray) -> None:
        """Reservoir sampling (Vitter's algorithm R): every example seen so far is kept with equal chance."""
        cap = self.replay_size
        if getattr(self, "replay_X_", None) is None:
            self.replay_X_ = np.empty((0, *E.shape[1:]))
            self.replay_y_ = np.empty((0, *T.shape[1:]), dtype=T.dtype)
            self.replay_seen_ = 0
        seen = self.replay_seen_
        n = len(E)
        ranks = seen + np.arange(n)  # examples seen before each new one
        room = max(cap - len(self.replay_X_), 0)
        fill = min(room, n)
        if fill:
            self.replay_X_ = np.concatenate([self.replay_X_, E[:fill]])
            self.replay_y_ = np.concatenate([self.replay_y_, T[:fill]])
        if fill < n:
            slots = self.rng_.integers(0, ranks[fill:] + 1)
            idx = np.flatnonzero(slots < cap)
            # when two new examples draw one slot, the later one stays (as one at a time)
            _, last = np.unique(slots[idx][::-1], return_index=True)
            idx = idx[::-1][last]
            self.replay_X_[slots[idx]] = E[fill:][idx]
            self.replay_y_[slots[idx]] = T[fill:][idx]
        self.replay_seen_ = seen + n

    def _step(self, E: np.ndarray, T: np.ndarray, hi: int, want_out: bool) -> Any:
        """One update on the micro-batch ``(E, T)`` (``epochs`` optimiser steps).

        ``hi`` is the row (of the current call) after which the micro-batch
        was complete (tasks with running statistics read them there).
        Returns the first forward pass's outputs for ``E`` when ``want_out``.
        """
        torch = self._torch
        net, opt = self._net, self._opt
        params = self._params
        idx = self._replay_sample(len(E))
        if idx is not None:
            E_all = np.concatenate([E, self.replay_X_[idx]])
            T_all = np.concatenate([T, self.replay_y_[idx]])
        else:
            E_all, T_all = E, T
        xb = self._input_tensor(E_all, hi)
        tb = self._target_tensor(T_all, hi)
        first = None
        ok = True
        scope = rng_scope(self._rng_state) if self._stochastic else None
        box = scope.__enter__() if scope is not None else None
        try:
            for epoch in range(self.epochs):
                xin = self._corrupt(xb)
                out = self._call(net, xin)
                if epoch == 0 and want_out:
                    first = out.detach()[: len(E)]
                loss = self._loss(out, xb, tb)
                if not math.isfinite(loss.item()):
                    ok = self._skip("loss")
                    break
                for p in params:  # cheaper than opt.zero_grad(set_to_none=True) for small modules
                    p.grad = None
                loss.backward()
                if self.clip_grad_norm is not None:
                    norm = torch.nn.utils.clip_grad_norm_(params, self.clip_grad_norm)
                    if not math.isfinite(norm.item()):
                        for p in params:
                            p.grad = None
                        ok = self._skip("gradient norm")
                        break
                if self.lr_schedule is not None:
                    lr = self._lr() * self._lr_factor(self.n_steps_)
                    for g in opt.param_groups:
                        g["lr"] = lr
                opt.step()
                self.n_steps_ += 1
        finally:
            if scope is not None:
                scope.__exit__(None, None, None)
                self._rng_state = box[0]  # type: ignore[index]
        if ok and self.replay_size:
            self._replay_add(E, T)
        return first

    def _corrupt(self, xb: Any) -> Any:
        return xb

    def _skip(self, what: str) -> bool:
        self.n_nonfinite_ += 1
        warnings.warn(
            f"{type(self).__name__}: non-finite {what} at update {self.n_steps_}; the update was skipped "
            f"({self.n_nonfinite_} so far, see n_nonfinite_). Lower lr, set clip_grad_norm, or scale inputs.",
            RuntimeWarning,
            stacklevel=4,
        )
        return False

    def _run(self, Xp: np.ndarray | None, Xl: np.ndarray, T: np.ndarray) -> np.ndarray | None:
        """Learn rows ``Xl`` with targets ``T`` in order; with ``Xp``, predict each row of
        ``Xp`` first with the state before its row is learned (exact test-then-train).

        Rows are processed in *segments*: runs of rows over which the
        predictions cannot change, ending where the micro-batch fills (an
        update), where the module is built, or where the output layer grows.
        """
        self._ready(self._n_inputs(Xl.shape[1]), T)
        self._begin(T)
        Ep, El = self._learn_examples(Xp, Xl)
        return self._segments(Ep, El, T)

    def _ready(self, n_inputs: int, T: np.ndarray) -> None:
        """Build the module on the first learned row (``_build_row`` tells that it was built now)."""
        use_threads(self.n_threads)
        if not self._built:
            self._build(n_inputs, self._first_outputs(T, n_inputs))
            self._build_row = True  # the first row was predicted before the module existed
        else:
            self._build_row = False
            self._live()

    def _segments(self, Ep: np.ndarray | None, El: np.ndarray, T: np.ndarray) -> np.ndarray | None:
        """Learn examples ``El`` (targets ``T``) in order, predicting ``Ep`` first when given."""
        n = len(El)
        plan = self._compiled_plan() if n else None
        if plan is not None:
            return self._compiled_segments(plan, Ep, El, T)
        fused = Ep is El and self._fuses
        out: np.ndarray | None = self._pred_buffer(n) if Ep is not None else None
        breaks = self._break_rows(T)
        b = 0
        B = self.batch_size
        pend_X = getattr(self, "pending_X_", None)
        pend_y = getattr(self, "pending_y_", None)
        i = 0
        while i < n:
            m = 0 if pend_X is None else len(pend_X)
            j = min(n, i + B - m)
            while b < len(breaks) and breaks[b] < i:
                b += 1
            if b < len(breaks) and breaks[b] < j:
                j = breaks[b] + 1
            if self._build_row and i == 0:
                j = 1
            full = m + (j - i) >= B
            k_before = self._pred_state()
            unbuilt = self._build_row and i == 0  # predicted before the module existed: empty answer
            predict = out is not None and not unbuilt
            if predict and not (fused and full):
                assert Ep is not None and out is not None
                self._decode(self._forward(Ep[i:j]), Ep[i:j], out, i, j, k_before)
            self._before_rows(T[i:j])
            if full:
                if m:
                    Eb = np.concatenate([pend_X, El[i:j]])  # type: ignore[list-item]
                    Tb = np.concatenate([pend_y, T[i:j]])  # type: ignore[list-item]
                else:
                    Eb, Tb = El[i:j], T[i:j]
                res = self._step(Eb, Tb, j, want_out=predict and fused)
                if predict and fused:
                    assert out is not None
                    raw = res[m:] if res is not None else self._forward(El[i:j])
                    self._decode(raw, El[i:j], out, i, j, k_before)
                pend_X = pend_y = None
            else:
                pend_X, pend_y = _appended(pend_X, El[i:j]), _appended(pend_y, T[i:j])
            i = j
        self._keep_pending(pend_X, pend_y)
        self._end()
        return out

    def _keep_pending(self, pend_X: np.ndarray | None, pend_y: np.ndarray | None) -> None:
        """Store the examples waiting for a full micro-batch (none: forget the buffer)."""
        if pend_X is None:
            self.__dict__.pop("pending_X_", None)
            self.__dict__.pop("pending_y_", None)
        else:
            self.pending_X_, self.pending_y_ = pend_X, pend_y

    # -- the compiled per-record path ---------------------------------------------------
    def _compiled_plan(self) -> _compiled.Plan | None:
        """The compiled path's plan when it runs this learner now (``engine`` and eligibility),
        else None; with ``engine="compiled"`` an ineligible learner is an error."""
        engine = getattr(self, "engine", "torch")
        if engine == "torch":
            return None
        reason = _compiled.static_reason(self)
        if reason is None and getattr(self, "pending_X_", None) is not None:
            reason = "examples wait in the micro-batch buffer (flush() first)"
        plan: _compiled.Plan | None = None
        if reason is None:
            built = getattr(self, "_plan", None)
            if built is None:
                built = self._plan = _compiled.build_plan(self)
            if isinstance(built, str):
                reason = built
            else:
                plan = built
        if reason is not None and engine == "compiled":
            raise self._engine_error(reason)
        return plan

    def _compiled_segments(
        self, plan: _compiled.Plan, Ep: np.ndarray | None, El: np.ndarray, T: np.ndarray
    ) -> np.ndarray | None:
        """:meth:`_segments` with ``batch_size=1`` in the compiled kernel: one run per stretch of
        rows between the rows that grow the output layer (a new class), which is grown here
        after the row was predicted and before it is learned, as in the torch path."""
        n = len(El)
        out: np.ndarray | None = self._pred_buffer(n) if Ep is not None else None
        same = Ep is El
        breaks = {int(b) for b in self._break_rows(T)}
        bounds = sorted({0, n} | {b for b in breaks if 0 < b < n})
        skipped = 0
        for s, e in itertools.pairwise(bounds):
            k_before = self._pred_state()
            if s in breaks:
                self._before_rows(T[s : s + 1])
                grown = self._compiled_plan()
                if grown is None:  # pragma: no cover - growth keeps the module's structure
                    raise RuntimeError(f"{type(self).__name__}: the grown module left the compiled path")
                plan = grown
            Xl = El[s:e]
            Xp = Xl if same else (None if Ep is None else Ep[s:e])
            Y, codes, k = self._compiled_targets(Xl, T, s, e)
            raw, done, bad = _compiled.run(self, plan, Xp, Xl, Y, codes, k)
            self.n_steps_ += done
            skipped += bad
            if out is not None and Xp is not None:
                lo = 1 if (self._build_row and s == 0) else 0  # built at row 0: not predicted
                if s in breaks:  # predicted with the classes before it grew the output layer
                    self._decode_raw(raw[:1], Xp[:1], out, s, s + 1, k_before)
                    lo = 1
                if lo < e - s:
                    self._decode_raw(raw[lo:], Xp[lo:], out, s + lo, e, self._pred_state())
        if skipped:
            self.n_nonfinite_ += skipped
            warnings.warn(
                f"{type(self).__name__}: non-finite loss (or gradient norm) at {skipped} update(s) of this "
                f"call; they were skipped ({self.n_nonfinite_} so far, see n_nonfinite_). Lower lr, set "
                "clip_grad_norm, or scale inputs.",
                RuntimeWarning,
                stacklevel=5,
            )
        self._end()
        return out

    def _decode_raw(
        self, raw: np.ndarray, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any
    ) -> None:
        """:meth:`_decode` of the compiled path's raw outputs (a NumPy array in the module's dtype);
        the tasks decode them in NumPy, which keeps torch's threads out of the compiled path."""
        self._decode(self._torch.from_numpy(raw), E, out, i, j, k_before)

    def _compiled_targets(
        self, E: np.ndarray, T: np.ndarray, s: int, e: int
    ) -> tuple[np.ndarray | None, np.ndarray | None, int]:
        """Targets of rows ``s:e`` for the kernel: (target rows, class codes, classes)."""
        raise NotImplementedError

    def flush(self) -> TorchLearner:
        """Learn the examples waiting for a full micro-batch now (a smaller update)."""
        pend = getattr(self, "pending_X_", None)
        targets = getattr(self, "pending_y_", None)
        if pend is not None and targets is not None and len(pend):
            self._live()
            use_threads(self.n_threads)
            self._begin(np.empty((0, *targets.shape[1:]), dtype=targets.dtype))
            self._step(pend, targets, 0, want_out=False)
            self._end()
            del self.pending_X_, self.pending_y_
        return self

    # -- task hooks -----------------------------------------------------------------
    def _first_outputs(self, T: np.ndarray, n_features: int) -> int:
        raise NotImplementedError

    def _outputs_for(self, n_features: int) -> int:
        """Output width once the input is ``n_features`` wide (autoencoders follow the input)."""
        return int(self.n_outputs_)

    def _check_output(self, shape: tuple[int, ...]) -> None:
        raise NotImplementedError

    def _input_tensor(self, E: np.ndarray, hi: int) -> Any:
        return self._tensor(E)

    def _target_tensor(self, T: np.ndarray, hi: int) -> Any:
        return self._tensor(T)

    def _loss(self, out: Any, xb: Any, tb: Any) -> Any:
        raise NotImplementedError

    def _pred_buffer(self, n: int) -> np.ndarray:
        return np.zeros(n)

    def _pred_state(self) -> Any:
        return None

    def _decode(self, raw: Any, E: np.ndarray, out: np.ndarray, i: int, j: int, k_before: Any) -> None:
        raise NotImplementedError

    def _break_rows(self, T: np.ndarray) -> np.ndarray:
        return np.empty(0, dtype=np.int64)

    def _before_rows(self, T: np.ndarray) -> None:
        """Called before rows are learned (after they were predicted)."""

    def _begin(self, T: np.ndarray) -> None:
        """Called once per learning call, before any row (running statistics)."""

    def _end(self) -> None:
        """Called once per learning call, after the last row."""

    @classmethod
    def _tiny(cls) -> Iterable[dict[str, Any]]:
        """Small, fast parameter sets for the check suite (subclasses add their module's)."""
        yield {"seed": 1, "batch_size": 1}  # engine="auto": the compiled path
        yield {"seed": 4, "batch_size": 1, "optimizer": "sgd", "lr": 0.05, "engine": "torch"}
        yield {
            "seed": 2,
            "batch_size": 8,
            "optimizer": "sgd",
            "lr": 0.01,
            "replay_size": 16,
            "lr_schedule": "exponential",
            "clip_grad_norm": 1.0,
        }


def _appended(buffer: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """``rows`` after the buffer's (a copy of ``rows`` when there is no buffer)."""
    return rows.copy() if buffer is None else np.concatenate([buffer, rows])


def _pad(torch: Any, old: Any, shape: tuple[int, ...]) -> Any:
    if tuple(old.shape) == shape:
        return old
    if len(shape) != old.dim() or any(o > s for o, s in zip(old.shape, shape)):
        raise SchemaError(f"Cannot widen a tensor of shape {tuple(old.shape)} to {shape}.")
    new = torch.zeros(shape, dtype=old.dtype, device=old.device)
    new[tuple(slice(0, s) for s in old.shape)] = old
    return new
