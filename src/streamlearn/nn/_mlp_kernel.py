"""The compiled per-record learning loop of fully connected networks (see :mod:`streamlearn.nn._compiled`).

One call of :func:`learn_records` runs exact test-then-train over rows, one
optimiser update per record, on a stack of linear layers with element-wise
activations: for each row, the forward pass of the weights before the row
(the prediction), the loss, a non-finite guard, back-propagation, optional
gradient clipping and one SGD or Adam step. It mirrors what PyTorch computes
for ``batch_size=1``:

* a linear layer is ``W x + b`` (``W`` of shape ``(out, in)``, row-major, as
  ``torch.nn.Linear`` stores it); activations and their derivatives follow
  ``torch.nn.ReLU``, ``Tanh``, ``Sigmoid``, ``LeakyReLU``, ``ELU`` and ``GELU``
  (ReLU, Tanh and Sigmoid differentiate through their output, the others
  through their input, as PyTorch's backward formulas do);
* cross-entropy of the softmax of the first ``k`` scores (the gradient of the
  other scores is 0), or the mean over the outputs of an element-wise squared,
  absolute or Huber (delta 1) error;
* ``torch.nn.utils.clip_grad_norm_``: the 2-norm of the per-tensor 2-norms,
  a factor ``min(1, max_norm / (norm + 1e-6))``; a non-finite norm skips the
  update;
* SGD without momentum (``p - (g + wd p) lr``) and Adam as PyTorch's fused CPU
  kernel computes it: the step count is incremented first, bias corrections
  ``1 - beta ** step`` in double precision, ``m += (1 - beta1) (g - m)``,
  ``v = beta2 v + (1 - beta2) g g``, ``p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)``
  (the division by ``sqrt(bc2)`` is a multiplication by its inverse here: one
  division less per weight, a difference of one rounding);
  weight decay is added to the gradient (Adam) or multiplies the weights by
  ``1 - lr wd`` (AdamW); scalars are rounded to the weights' precision;
* the learning-rate schedules of :meth:`TorchLearner._lr_factor`, as functions
  of the update count.

The parameters live in one flat array in the order of the optimiser (the
weight then the bias of each layer); ``offs`` gives each tensor's slice.
Everything runs in the precision of the parameters (float32 or float64), with IEEE division
(``error_model="numpy"``: no Python zero-division checks, so the update loops vectorise).
Matrix-vector products may reassociate their sums (as BLAS does), so results
equal PyTorch's to the rounding of those sums (about 1e-13 relative after
hundreds of updates in float64), not bit for bit; the kernel itself is
deterministic, so two runs (or a batch and the same rows one at a time) agree
bit for bit.

References: D. E. Rumelhart, G. E. Hinton, R. J. Williams (1986), learning
representations by back-propagating errors, Nature 323; D. P. Kingma, J. Ba
(2015), Adam: a method for stochastic optimization, ICLR; I. Loshchilov,
F. Hutter (2019), decoupled weight decay regularization, ICLR (AdamW).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# activation codes (after each linear layer)
IDENTITY, RELU, TANH, SIGMOID, LEAKY_RELU, ELU, GELU = 0, 1, 2, 3, 4, 5, 6
# loss codes
CROSS_ENTROPY, MSE, L1, HUBER = 0, 1, 2, 3
# optimiser codes
SGD, ADAM, ADAMW = 0, 1, 2
# learning-rate schedule codes (the order of streamlearn.nn._base.SCHEDULES)
CONSTANT, EXPONENTIAL, STEP, INVERSE_TIME, COSINE, WARMUP = 0, 1, 2, 3, 4, 5
# slots of the double-precision hyper-parameter vector
HP_LR, HP_BETA1, HP_BETA2, HP_EPS, HP_WD, HP_CLIP = 0, 1, 2, 3, 4, 5
HP_SIZE = 6

_FAST = {"reassoc", "contract"}  # sums of products only: no change of NaN / inf semantics


@njit(cache=True, error_model="numpy")
def lr_factor(kind: int, sp: np.ndarray, t: int) -> float:
    """The schedule's factor at update ``t``, computed as :meth:`TorchLearner._lr_factor` does."""
    if kind == EXPONENTIAL:
        return sp[0] ** float(t)
    if kind == STEP:
        return sp[0] ** float(t // max(int(sp[1]), 1))
    if kind == INVERSE_TIME:
        return 1.0 / (1.0 + sp[0] * t)
    if kind == COSINE:
        period = max(int(sp[0]), 1)
        lo = sp[1]
        return lo + (1.0 - lo) * 0.5 * (1.0 + math.cos(math.pi * (t % period) / period))
    if kind == WARMUP:
        return min(1.0, (t + 1) / max(int(sp[0]), 1))
    return 1.0


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _linear(W: np.ndarray, b: np.ndarray, x: np.ndarray, z: np.ndarray) -> None:
    """``z = W x + b``."""
    zero = W.dtype.type(0.0)
    nout, nin = W.shape
    for j in range(nout):
        acc = zero
        for c in range(nin):
            acc += W[j, c] * x[c]
        z[j] = acc + b[j]


@njit(cache=True, error_model="numpy")
def _activate(kind: int, prm: float, z: np.ndarray, a: np.ndarray) -> None:
    """``a = f(z)`` for the activation ``kind``."""
    dt = a.dtype.type
    one, zero = dt(1.0), dt(0.0)
    if kind == IDENTITY:
        for c in range(len(z)):
            a[c] = z[c]
    elif kind == RELU:
        for c in range(len(z)):
            a[c] = zero if z[c] <= zero else z[c]  # NaN stays NaN, as in torch
    elif kind == TANH:
        for c in range(len(z)):
            a[c] = math.tanh(z[c])
    elif kind == SIGMOID:
        for c in range(len(z)):
            a[c] = one / (one + math.exp(-z[c]))
    elif kind == LEAKY_RELU:
        slope = dt(prm)
        for c in range(len(z)):
            a[c] = z[c] if z[c] > zero else z[c] * slope
    elif kind == ELU:
        alpha = dt(prm)
        for c in range(len(z)):
            a[c] = (math.exp(z[c]) - one) * alpha if z[c] <= zero else z[c]
    else:  # GELU (exact, with erf)
        half, r2 = dt(0.5), dt(1.0 / math.sqrt(2.0))
        for c in range(len(z)):
            a[c] = z[c] * half * (one + math.erf(z[c] * r2))


@njit(cache=True, error_model="numpy")
def _derive(kind: int, prm: float, z: np.ndarray, a: np.ndarray, d: np.ndarray) -> None:
    """``d *= f'``: the activation's derivative, from its input ``z`` or output ``a`` as torch takes it."""
    dt = d.dtype.type
    one, zero = dt(1.0), dt(0.0)
    if kind == IDENTITY:
        return
    if kind == RELU:  # torch: output <= 0 ? 0 : grad
        for c in range(len(d)):
            if a[c] <= zero:
                d[c] = zero
    elif kind == TANH:
        for c in range(len(d)):
            d[c] = d[c] * (one - a[c] * a[c])
    elif kind == SIGMOID:
        for c in range(len(d)):
            d[c] = d[c] * (one - a[c]) * a[c]
    elif kind == LEAKY_RELU:  # torch: input > 0 ? grad : grad * slope
        slope = dt(prm)
        for c in range(len(d)):
            if not z[c] > zero:
                d[c] = d[c] * slope
    elif kind == ELU:  # torch: input <= 0 ? grad * alpha * exp(input) : grad
        alpha = dt(prm)
        for c in range(len(d)):
            if z[c] <= zero:
                d[c] = d[c] * alpha * math.exp(z[c])
    else:  # GELU: grad * (cdf + input * pdf)
        half, r2 = dt(0.5), dt(1.0 / math.sqrt(2.0))
        k = dt(2.0 / math.sqrt(math.pi) / math.sqrt(2.0) * 0.5)
        for c in range(len(d)):
            cdf = half * (one + math.erf(z[c] * r2))
            pdf = math.exp(-half * z[c] * z[c]) * k
            d[c] = d[c] * (cdf + z[c] * pdf)


@njit(cache=True, error_model="numpy")
def _layer(
    theta: np.ndarray, offs: np.ndarray, dims: np.ndarray, layer: int
) -> tuple[np.ndarray, np.ndarray]:
    """Views of layer ``layer``'s weight (out, in) and bias in the flat array ``theta``."""
    nin, nout = dims[layer], dims[layer + 1]
    lo, mid, hi = offs[2 * layer], offs[2 * layer + 1], offs[2 * layer + 2]
    return theta[lo:mid].reshape((nout, nin)), theta[mid:hi]


@njit(cache=True, error_model="numpy")
def _forward(theta: np.ndarray, offs: np.ndarray, dims: np.ndarray, aoff: np.ndarray, acts: np.ndarray,
             aprm: np.ndarray, x: np.ndarray, Z: np.ndarray, A: np.ndarray) -> None:  # fmt: skip
    """Layer inputs and outputs for one example ``x``: ``A[aoff[l]:aoff[l+1]]`` enters layer ``l``
    (``Z`` holds the same before the activation)."""
    for c in range(dims[0]):
        A[c] = x[c]
        Z[c] = x[c]
    for layer in range(len(dims) - 1):
        W, b = _layer(theta, offs, dims, layer)
        lo, hi = aoff[layer + 1], aoff[layer + 2]
        _linear(W, b, A[aoff[layer] : lo], Z[lo:hi])
        _activate(acts[layer], aprm[layer], Z[lo:hi], A[lo:hi])


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _back_linear(W: np.ndarray, GW: np.ndarray, Gb: np.ndarray, x: np.ndarray, d: np.ndarray,
                 din: np.ndarray, want_in: bool) -> None:  # fmt: skip
    """Gradients of ``W x + b`` from ``d`` (d loss / d output): ``GW``, ``Gb`` and ``din = W^T d``."""
    nout, nin = W.shape
    for j in range(nout):
        dj = d[j]
        for c in range(nin):
            GW[j, c] = dj * x[c]
        Gb[j] = dj
    if want_in:
        zero = W.dtype.type(0.0)
        for c in range(nin):
            din[c] = zero
        for j in range(nout):
            dj = d[j]
            for c in range(nin):
                din[c] += W[j, c] * dj


@njit(cache=True, error_model="numpy")
def _loss_delta(loss: int, out: np.ndarray, k: int, code: int, y: np.ndarray, d: np.ndarray) -> bool:
    """d loss / d outputs into ``d``; False when the loss is not finite."""
    dt = d.dtype.type
    zero, one = dt(0.0), dt(1.0)
    nout = len(out)
    if loss == CROSS_ENTROPY:
        mx = out[0]
        for j in range(1, k):
            if out[j] > mx:
                mx = out[j]
        s = zero
        for j in range(k):
            s += math.exp(out[j] - mx)
        lse = math.log(s)
        value = -(out[code] - mx - lse)
        if not math.isfinite(value):
            return False
        for j in range(k):
            d[j] = math.exp(out[j] - mx - lse)
        d[code] -= one
        for j in range(k, nout):
            d[j] = zero
        return True
    inv = one / dt(nout)
    total = zero
    two, half = dt(2.0), dt(0.5)
    for j in range(nout):
        r = out[j] - y[j]
        if loss == MSE:
            total += r * r
            d[j] = two * r * inv
        elif loss == L1:
            total += abs(r)
            d[j] = (one if r > zero else (-one if r < zero else zero)) * inv
        else:  # Huber, delta 1
            a = abs(r)
            if a < one:
                total += half * r * r
            else:
                total += a - half
            d[j] = (-one if r < -one else (one if r > one else r)) * inv
    return math.isfinite(total)


@njit(cache=True, error_model="numpy")
def _clip(G: np.ndarray, offs: np.ndarray, max_norm: float) -> bool:
    """Scale ``G`` as ``clip_grad_norm_`` does; False when the norm is not finite."""
    dt = G.dtype.type
    total = dt(0.0)
    for p in range(len(offs) - 1):
        s = dt(0.0)
        for i in range(offs[p], offs[p + 1]):
            s += G[i] * G[i]
        norm = math.sqrt(s)
        total += norm * norm
    total = math.sqrt(total)
    if not math.isfinite(total):
        return False
    coef = dt(max_norm) / (total + dt(1e-6))
    if coef > dt(1.0):
        coef = dt(1.0)
    for i in range(len(G)):
        G[i] = G[i] * coef
    return True


@njit(cache=True, error_model="numpy")
def _sgd(theta: np.ndarray, G: np.ndarray, lr: float, wd: float) -> None:
    dt = theta.dtype.type
    rate, decay = dt(lr), dt(wd)
    if wd != 0.0:
        for i in range(len(theta)):
            theta[i] = theta[i] - (G[i] + theta[i] * decay) * rate
    else:
        for i in range(len(theta)):
            theta[i] = theta[i] - G[i] * rate


@njit(cache=True, error_model="numpy")
def _adam_tensor(theta: np.ndarray, G: np.ndarray, m: np.ndarray, v: np.ndarray, w1: float, b2: float,
                 w2: float, e: float, size: float, root: float, mode: int, wd: float) -> None:  # fmt: skip
    """One Adam step of one tensor (slices starting at 0, so that the loops vectorise)."""
    if mode == 1:  # weight decay added to the gradient (Adam)
        for i in range(len(theta)):
            g = G[i] + theta[i] * wd
            mi = m[i] + w1 * (g - m[i])
            vi = v[i] * b2 + w2 * g * g
            m[i] = mi
            v[i] = vi
            theta[i] = theta[i] - size * mi / (math.sqrt(vi) * root + e)
    else:  # mode 2: decoupled weight decay (AdamW) shrinks the weights first; mode 0: none
        if mode == 2:
            for i in range(len(theta)):
                theta[i] = theta[i] * wd
        for i in range(len(theta)):
            g = G[i]
            mi = m[i] + w1 * (g - m[i])
            vi = v[i] * b2 + w2 * g * g
            m[i] = mi
            v[i] = vi
            theta[i] = theta[i] - size * mi / (math.sqrt(vi) * root + e)


@njit(cache=True, error_model="numpy")
def _adam(theta: np.ndarray, G: np.ndarray, m: np.ndarray, v: np.ndarray, steps: np.ndarray,
          offs: np.ndarray, lr: float, hp: np.ndarray, decoupled: bool, step_f32: bool) -> None:  # fmt: skip
    dt = theta.dtype.type
    beta1, beta2, eps, wd = hp[HP_BETA1], hp[HP_BETA2], hp[HP_EPS], hp[HP_WD]
    w1, b2, w2, e = dt(1.0 - beta1), dt(beta2), dt(1.0 - beta2), dt(eps)
    mode = 0 if wd == 0.0 else (2 if decoupled else 1)
    decay = dt(1.0 - lr * wd) if decoupled else dt(wd)
    last = -1.0
    size = dt(0.0)
    root = dt(1.0)
    for p in range(len(offs) - 1):
        s = steps[p] + 1.0
        if step_f32:
            s = float(np.float32(s))
        steps[p] = s
        if s != last:  # bias corrections (the same for every tensor, in practice)
            size = dt(lr / (1.0 - beta1**s))
            root = dt(1.0 / math.sqrt(1.0 - beta2**s))
            last = s
        lo, hi = offs[p], offs[p + 1]
        _adam_tensor(theta[lo:hi], G[lo:hi], m[lo:hi], v[lo:hi], w1, b2, w2, e, size, root, mode, decay)


@njit(cache=True, error_model="numpy")
def learn_records(
    Xp: np.ndarray,
    Xl: np.ndarray,
    same: bool,
    predict: bool,
    Y: np.ndarray,
    codes: np.ndarray,
    loss: int,
    k: int,
    theta: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    steps: np.ndarray,
    offs: np.ndarray,
    dims: np.ndarray,
    acts: np.ndarray,
    aprm: np.ndarray,
    opt: int,
    hp: np.ndarray,
    step_f32: bool,
    clip: bool,
    sched: int,
    sp: np.ndarray,
    t0: int,
    epochs: int,
    raw: np.ndarray,
) -> tuple[int, int, float]:
    """Test-then-train rows ``Xl`` one update per record (``epochs`` steps each).

    ``Xp`` are the rows to predict (``same``: they are ``Xl``); with
    ``predict`` the outputs of the weights before row ``i`` go to ``raw[i]``.
    Targets: class ``codes`` (cross-entropy over the first ``k`` outputs) or
    rows ``Y``. ``t0`` is the update count so far (for the schedule ``sched``
    with parameters ``sp``). Returns (updates made, updates skipped for a
    non-finite loss or gradient norm, the learning rate of the last update).
    """
    n = Xl.shape[0]
    n_layers = len(dims) - 1
    nout = dims[n_layers]
    aoff = np.zeros(n_layers + 2, dtype=np.int64)
    for layer in range(n_layers + 1):
        aoff[layer + 1] = aoff[layer] + dims[layer]
    widest = 0
    for layer in range(n_layers + 1):
        widest = max(widest, dims[layer])
    dt = theta.dtype
    Z = np.empty(aoff[n_layers + 1], dtype=dt)
    A = np.empty(aoff[n_layers + 1], dtype=dt)
    D = np.empty(widest, dtype=dt)
    Din = np.empty(widest, dtype=dt)
    G = np.empty_like(theta)
    y = np.empty(0, dtype=dt)
    out_lo = aoff[n_layers]
    out = A[out_lo : out_lo + nout]
    t = t0
    skipped = 0
    last_lr = math.nan
    base_lr = hp[HP_LR]
    for i in range(n):
        if predict and not same:
            _forward(theta, offs, dims, aoff, acts, aprm, Xp[i], Z, A)
            raw[i, :] = out
        if loss != CROSS_ENTROPY:
            y = Y[i]
        for epoch in range(epochs):
            _forward(theta, offs, dims, aoff, acts, aprm, Xl[i], Z, A)
            if epoch == 0 and predict and same:
                raw[i, :] = out
            if not _loss_delta(loss, out, k, codes[i] if loss == CROSS_ENTROPY else 0, y, D[:nout]):
                skipped += 1
                break
            _derive(acts[n_layers - 1], aprm[n_layers - 1], Z[out_lo:], out, D[:nout])
            for layer in range(n_layers - 1, -1, -1):
                nin = dims[layer]
                lo, hi = aoff[layer], aoff[layer + 1]
                W, _ = _layer(theta, offs, dims, layer)
                GW, Gb = _layer(G, offs, dims, layer)
                _back_linear(W, GW, Gb, A[lo:hi], D[: dims[layer + 1]], Din[:nin], layer > 0)
                if layer > 0:
                    D[:nin] = Din[:nin]
                    _derive(acts[layer - 1], aprm[layer - 1], Z[lo:hi], A[lo:hi], D[:nin])
            if clip and not _clip(G, offs, hp[HP_CLIP]):
                skipped += 1
                break
            lr = base_lr * lr_factor(sched, sp, t) if sched != CONSTANT else base_lr
            if opt == SGD:
                _sgd(theta, G, lr, hp[HP_WD])
            else:
                _adam(theta, G, m, v, steps, offs, lr, hp, opt == ADAMW, step_f32)
            last_lr = lr
            t += 1
    return t - t0, skipped, last_lr
