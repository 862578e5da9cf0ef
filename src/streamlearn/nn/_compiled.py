"""The compiled engine of the torch learners: exact per-record updates of fully connected networks.

With ``batch_size=1`` every record is one optimiser step, which in PyTorch
costs a few hundred microseconds of per-call overhead however small the
network. For the built-in fully connected modules (:class:`~streamlearn.nn.modules.MLP`
and :class:`~streamlearn.nn.modules.Autoencoder`) the learners run the whole
test-then-train loop in one compiled kernel instead
(:func:`streamlearn.nn._mlp_kernel.learn_records`), with the semantics of the
torch path: each record is predicted with the weights before it, then learned
by one SGD, Adam or AdamW step (``epochs`` steps), with the same learning-rate
schedule, gradient clipping and non-finite guard.

The state stays in torch. Before each run of the kernel the module's
parameters and the optimiser's state (Adam: ``step``, ``exp_avg``,
``exp_avg_sq``, created as ``torch.optim.Adam`` creates them on its first
step) are read from the tensors into one flat array each, and written back
after it, so saving, loading, growing the input or output layer, flushing and
switching to ``engine="torch"`` (or back) all see ordinary torch state, and a
later torch step continues exactly. The update counters advance as in the
torch path.

Eligibility (``engine="auto"`` uses the kernel when all hold; ``"compiled"``
raises an error that names the first one that does not): a learner with a
compiled task (classifier, regressor, anomaly detector), ``batch_size=1``, no
replay, no window, no input noise, the module ``"mlp"`` or ``"autoencoder"``
(Linear layers with ReLU, Tanh, Sigmoid, LeakyReLU, ELU, GELU or no activation;
no dropout), on the CPU, a built-in loss (cross-entropy; MSE, L1 or Huber) and
SGD without momentum, Adam or AdamW (no AMSGrad, no ``maximize``) with one
parameter group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from streamlearn.nn import _mlp_kernel as K

COMPILED_MODULES = ("mlp", "autoencoder")
COMPILED_OPTIMIZERS = ("sgd", "adam", "adamw")
_SCHEDULES = {
    None: K.CONSTANT,
    "constant": K.CONSTANT,
    "exponential": K.EXPONENTIAL,
    "step": K.STEP,
    "inverse_time": K.INVERSE_TIME,
    "cosine": K.COSINE,
    "warmup": K.WARMUP,
}
_SCHEDULE_KEYS = {
    "exponential": ("gamma",),
    "step": ("gamma", "step_size"),
    "inverse_time": ("decay",),
    "cosine": ("period", "min_factor"),
    "warmup": ("steps",),
}
_LOSSES = {"cross_entropy": K.CROSS_ENTROPY, "mse": K.MSE, "l1": K.L1, "huber": K.HUBER}


@dataclass
class Plan:
    """What the kernel needs of a built module and its optimiser (rebuilt after growth or a load).

    It holds NumPy views of the tensors (shared memory, no copy of the state): both engines
    update the tensors in place, and the plan is rebuilt whenever the module or the optimiser
    is replaced (after growth or a load). The optimiser's hyper-parameters are read on every
    run.
    """

    params: list[Any]  # the torch parameters, in the optimiser's order
    views: list[np.ndarray]  # flat views of them
    m_views: list[np.ndarray]  # flat views of Adam's exp_avg (empty for SGD)
    v_views: list[np.ndarray]  # and exp_avg_sq
    step_views: list[np.ndarray]  # 0-d views of Adam's step tensors
    offs: np.ndarray  # slice of each tensor in the flat array
    dims: np.ndarray  # layer widths: inputs, hidden..., outputs
    acts: np.ndarray  # activation code after each linear layer
    aprm: np.ndarray  # its parameter (LeakyReLU slope, ELU alpha)
    opt: int
    group: dict[str, Any]  # its parameter group (its lr follows the schedule, as in the torch path)
    step_f32: bool
    dtype: Any


def static_reason(learner: Any) -> str | None:
    """Why the learner's parameters rule the compiled path out (None: they do not)."""
    task = getattr(learner, "_compiled_task", None)
    if task is None:
        return f"{type(learner).__name__} has no compiled path"
    if learner.batch_size != 1:
        return f"batch_size is {learner.batch_size} (the compiled path learns one record per update)"
    if learner.replay_size:
        return "replay_size > 0 (replay mixes past examples into each update)"
    if getattr(learner, "window", None) is not None:
        return "window is set (the compiled path reads one record per example)"
    if getattr(learner, "noise", 0):
        return "noise > 0 (a denoising autoencoder draws noise in torch)"
    spec, params = learner._module_spec()
    if not isinstance(spec, str) or spec not in COMPILED_MODULES:
        return f"the module is {spec!r}, not one of the built-in {' or '.join(map(repr, COMPILED_MODULES))}"
    if params.get("dropout", 0):
        return "the module uses dropout"
    opt = learner.optimizer
    if isinstance(opt, str) and opt not in COMPILED_OPTIMIZERS:
        return f"the optimizer is {opt!r} (the compiled path runs {', '.join(COMPILED_OPTIMIZERS)})"
    if not isinstance(opt, (str, type)):
        return "the optimizer is not a name or a torch.optim class"
    loss = learner.loss if learner.loss is not None else learner._default_loss
    if not isinstance(loss, str):
        return "the loss is a callable (the compiled path differentiates the built-in losses only)"
    if learner.device not in ("cpu", "auto"):
        return f"device is {learner.device!r} (the compiled path runs on the CPU)"
    return None


def _activation_code(torch: Any, mod: Any) -> tuple[int, float] | None:
    nn = torch.nn
    kind = type(mod)
    if kind is nn.ReLU:
        return K.RELU, 0.0
    if kind is nn.Tanh:
        return K.TANH, 0.0
    if kind is nn.Sigmoid:
        return K.SIGMOID, 0.0
    if kind is nn.LeakyReLU:
        return K.LEAKY_RELU, float(mod.negative_slope)
    if kind is nn.ELU:
        return K.ELU, float(mod.alpha)
    if kind is nn.GELU and mod.approximate == "none":
        return K.GELU, 0.0
    return None


def build_plan(learner: Any) -> Plan | str:
    """The kernel's view of the learner's live module and optimiser, or why there is none."""
    torch = learner._torch
    from streamlearn.nn import modules

    net, opt = learner._net, learner._opt
    if learner._dev.type != "cpu":
        return f"the module is on {learner._dev.type!r} (the compiled path runs on the CPU)"
    if type(net) is modules.MLP:
        seq = list(net.net)
    elif type(net) is modules.Autoencoder:
        seq = list(net.encoder) + list(net.decoder)
    else:
        return f"the module is a {type(net).__name__}, not the built-in MLP or Autoencoder"
    linears: list[Any] = []
    acts: list[tuple[int, float]] = []
    for mod in seq:
        if type(mod) is torch.nn.Linear and mod.bias is not None:
            if linears and mod.in_features != linears[-1].out_features:
                return "its linear layers do not chain"
            linears.append(mod)
            acts.append((K.IDENTITY, 0.0))
            continue
        if type(mod) is torch.nn.Identity or (type(mod) is torch.nn.Dropout and mod.p == 0):
            continue
        code = _activation_code(torch, mod)
        if code is None or not linears or acts[-1][0] != K.IDENTITY:
            return f"its module has a {type(mod).__name__} layer the compiled path does not run"
        acts[-1] = code
    if not linears:
        return "its module has no linear layer"
    expected = [t for lin in linears for t in (lin.weight, lin.bias)]
    if len(opt.param_groups) != 1:
        return "the optimizer has several parameter groups"
    group = opt.param_groups[0]
    got = list(group["params"])
    if len(got) != len(expected) or any(a is not b for a, b in zip(got, expected)):
        return "the optimizer's parameters are not the module's layers in order"
    for p in expected:
        if p.dtype != learner._dt or not p.is_contiguous() or p.device.type != "cpu":
            return "the module's parameters are not contiguous CPU tensors of the learner's dtype"
    kind = type(opt)
    for key in ("maximize", "differentiable"):
        if group.get(key):
            return f"the optimizer has {key}=True"
    if not isinstance(group["lr"], (int, float)):
        return "the optimizer's learning rate is a tensor"
    if not isinstance(group.get("weight_decay", 0.0), (int, float)):
        return "the optimizer's weight decay is a tensor"
    step_dtypes: set[Any] = set()
    m_views: list[np.ndarray] = []
    v_views: list[np.ndarray] = []
    step_views: list[np.ndarray] = []
    if kind is torch.optim.SGD:
        if group.get("momentum", 0) != 0:
            return "SGD has momentum (the compiled path runs plain SGD)"
        opt_code = K.SGD
    elif kind in (torch.optim.Adam, torch.optim.AdamW):
        if group.get("amsgrad"):
            return "Adam has amsgrad=True"
        if group.get("capturable"):
            return "Adam has capturable=True"
        beta1, beta2 = group["betas"]
        if not all(isinstance(b, (int, float)) for b in (beta1, beta2, group["eps"])):
            return "Adam's betas or eps are tensors"
        decoupled = kind is torch.optim.AdamW or bool(group.get("decoupled_weight_decay", False))
        opt_code = K.ADAMW if decoupled else K.ADAM
        for p in expected:
            st = opt.state[p]
            if not st:  # created as torch.optim.Adam does on its first step
                fused = bool(group.get("fused"))
                dtype = torch.float32 if fused else torch.get_default_dtype()
                if dtype not in (torch.float32, torch.float64):
                    dtype = torch.float32
                st["step"] = torch.zeros((), dtype=dtype, device=p.device)
                st["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                st["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            m, v, step = st.get("exp_avg"), st.get("exp_avg_sq"), st.get("step")
            if m is None or v is None or step is None or set(st) - {"step", "exp_avg", "exp_avg_sq"}:
                return "Adam's state has an unexpected form"
            if not (m.is_contiguous() and v.is_contiguous()) or m.dtype != p.dtype or v.dtype != p.dtype:
                return "Adam's state tensors are not contiguous tensors of the parameters' dtype"
            if step.dim() != 0 or step.dtype not in (torch.float32, torch.float64):
                return "Adam's step is not a floating-point scalar tensor"
            step_dtypes.add(step.dtype)
            m_views.append(m.detach().numpy().reshape(-1))
            v_views.append(v.detach().numpy().reshape(-1))
            step_views.append(step.detach().numpy())
        if len(step_dtypes) > 1:
            return "Adam's step tensors have different dtypes"
    else:
        return f"the optimizer is {kind.__name__} (the compiled path runs SGD, Adam and AdamW)"
    offs = np.zeros(len(expected) + 1, dtype=np.int64)
    offs[1:] = np.cumsum([p.numel() for p in expected])
    dims = np.array([linears[0].in_features] + [lin.out_features for lin in linears], dtype=np.int64)
    return Plan(
        params=expected,
        views=[p.detach().numpy().reshape(-1) for p in expected],
        m_views=m_views,
        v_views=v_views,
        step_views=step_views,
        offs=offs,
        dims=dims,
        acts=np.array([a for a, _ in acts], dtype=np.int64),
        aprm=np.array([p for _, p in acts], dtype=np.float64),
        opt=opt_code,
        group=group,
        step_f32=torch.float32 in step_dtypes,
        dtype=np.dtype(np.float32 if learner._dt == torch.float32 else np.float64),
    )


def loss_code(learner: Any) -> int | None:
    loss = learner.loss if learner.loss is not None else learner._default_loss
    return _LOSSES.get(loss) if isinstance(loss, str) else None


def run(
    learner: Any,
    plan: Plan,
    Xp: np.ndarray | None,
    Xl: np.ndarray,
    Y: np.ndarray | None,
    codes: np.ndarray | None,
    k: int,
) -> tuple[np.ndarray, int, int]:
    """Test-then-train rows ``Xl`` (predicting ``Xp`` first; ``Xp is Xl`` when they are the same)
    with the kernel; returns (raw outputs of the predictions, updates made, updates skipped)."""
    dt = plan.dtype
    same = Xp is Xl
    Xl_c = np.ascontiguousarray(Xl, dtype=dt)
    Xp_c = Xl_c if same or Xp is None else np.ascontiguousarray(Xp, dtype=dt)
    n = len(Xl_c)
    n_out = int(plan.dims[-1])
    loss = loss_code(learner)
    assert loss is not None
    Yc = np.ascontiguousarray(Y, dtype=dt) if Y is not None else np.empty((0, n_out), dtype=dt)
    cc = np.ascontiguousarray(codes, dtype=np.int64) if codes is not None else np.empty(0, dtype=np.int64)
    theta = np.concatenate(plan.views)  # the kernel works on one flat copy, written back below
    if plan.m_views:
        m, v = np.concatenate(plan.m_views), np.concatenate(plan.v_views)
    else:
        m = v = np.empty(0, dtype=dt)
    steps = np.array([float(a) for a in plan.step_views], dtype=np.float64)
    kind = learner.lr_schedule
    sp = np.zeros(2)
    if kind in _SCHEDULE_KEYS:
        from streamlearn.nn._base import SCHEDULES

        p = {**SCHEDULES[kind], **(learner.lr_schedule_params or {})}
        for i, key in enumerate(_SCHEDULE_KEYS[kind]):
            sp[i] = float(p[key])
    group = plan.group  # read on every run: a change of its values takes effect as in torch
    hp = np.zeros(K.HP_SIZE)
    hp[K.HP_LR] = learner._lr() if kind is not None else float(group["lr"])
    hp[K.HP_WD] = float(group.get("weight_decay", 0.0))
    hp[K.HP_CLIP] = float(learner.clip_grad_norm) if learner.clip_grad_norm is not None else 0.0
    if plan.opt != K.SGD:
        hp[K.HP_BETA1], hp[K.HP_BETA2] = (float(b) for b in group["betas"])
        hp[K.HP_EPS] = float(group["eps"])
    raw = np.zeros((n, n_out), dtype=dt)
    done, skipped, last_lr = K.learn_records(
        Xp_c,
        Xl_c,
        same or Xp is None,
        Xp is not None,
        Yc,
        cc,
        loss,
        int(k),
        theta,
        m,
        v,
        steps,
        plan.offs,
        plan.dims,
        plan.acts,
        plan.aprm,
        plan.opt,
        hp,
        plan.step_f32,
        learner.clip_grad_norm is not None,
        _SCHEDULES[kind],
        sp,
        int(learner.n_steps_),
        int(learner.epochs),
        raw,
    )
    offs = plan.offs
    for i, view in enumerate(plan.views):
        view[...] = theta[offs[i] : offs[i + 1]]
    for i, step in enumerate(plan.step_views):
        plan.m_views[i][...] = m[offs[i] : offs[i + 1]]
        plan.v_views[i][...] = v[offs[i] : offs[i + 1]]
        step[...] = steps[i]
    if done and kind is not None:
        group["lr"] = float(last_lr)
    return raw, int(done), int(skipped)
