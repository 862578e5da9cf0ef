"""The optimisers against plain-Python references of their update rules (exact equality)."""

import math

import numpy as np
import pytest

from streamlearn.base.errors import InvalidParameterError
from streamlearn.optim import SGD, Adam, FTRLProximal, make_optimizer


def ref_sgd(w, g, lr):
    return [wi - lr * gi for wi, gi in zip(w, g, strict=True)]


def ref_adam(w, m, v, g, t, lr, b1, b2, eps):
    """Kingma & Ba with the bias correction folded into the step size (River's form)."""
    scale = lr * math.sqrt(1.0 - b2 ** float(t)) / (1.0 - b1 ** float(t))
    out_w, out_m, out_v = [], [], []
    for wi, mi, vi, gi in zip(w, m, v, g, strict=True):
        mi = b1 * mi + (1.0 - b1) * gi
        vi = b2 * vi + (1.0 - b2) * gi * gi
        out_w.append(wi - scale * mi / (math.sqrt(vi) + eps))
        out_m.append(mi)
        out_v.append(vi)
    return out_w, out_m, out_v


def ref_ftrl(w, z, n, g, alpha, beta, l1, l2):
    """McMahan et al. (2013), algorithm 1, per coordinate."""
    out = ([], [], [])
    for wi, zi, ni, gi in zip(w, z, n, g, strict=True):
        sigma = (math.sqrt(ni + gi * gi) - math.sqrt(ni)) / alpha
        zi = zi + gi - sigma * wi
        ni = ni + gi * gi
        if abs(zi) <= l1:
            wi = 0.0
        else:
            wi = -(zi - math.copysign(l1, zi)) / ((beta + math.sqrt(ni)) / alpha + l2)
        for lst, val in zip(out, (wi, zi, ni), strict=True):
            lst.append(val)
    return out


@pytest.fixture
def grads():
    return np.random.default_rng(0).normal(size=(12, 5)) * 3


def test_sgd_matches_reference(grads):
    opt = SGD(lr=0.05)
    w, state = np.zeros(5), opt.init_state((5,))
    ref = [0.0] * 5
    for g in grads:
        opt.step(w, g, state)
        ref = ref_sgd(ref, g.tolist(), 0.05)
    assert w.tolist() == ref
    assert state.shape == (0, 5)


def test_adam_matches_reference(grads):
    opt = Adam(lr=0.1, beta1=0.8, beta2=0.99, eps=1e-6)
    w, state = np.zeros(5), opt.init_state((5,))
    rw, rm, rv = [0.0] * 5, [0.0] * 5, [0.0] * 5
    t = 0
    for g in grads:
        t = opt.step(w, g, state, t)
        rw, rm, rv = ref_adam(rw, rm, rv, g.tolist(), t, 0.1, 0.8, 0.99, 1e-6)
    assert t == len(grads)
    assert w.tolist() == rw
    assert state[0].tolist() == rm and state[1].tolist() == rv


@pytest.mark.parametrize("l1", [0.0, 2.0])
def test_ftrl_matches_reference(grads, l1):
    opt = FTRLProximal(alpha=0.3, beta=0.5, l1=l1, l2=0.7)
    w, state = np.zeros(5), opt.init_state((5,))
    rw, rz, rn = [0.0] * 5, [0.0] * 5, [0.0] * 5
    for g in grads:
        opt.step(w, g, state)
        rw, rz, rn = ref_ftrl(rw, rz, rn, g.tolist(), 0.3, 0.5, l1, 0.7)
    assert w.tolist() == rw
    assert state[0].tolist() == rz and state[1].tolist() == rn


def test_ftrl_l1_gives_exact_zeros():
    opt = FTRLProximal(alpha=0.1, l1=5.0, l2=0.0)
    w, state = np.zeros(3), opt.init_state((3,))
    for _ in range(20):
        opt.step(w, np.array([1.0, 0.01, -1.0]), state)  # the middle gradient never leaves |z| <= l1
    assert w[1] == 0.0 and w[0] < 0.0 < w[2]


def test_nan_gradient_leaves_weight_and_state_alone():
    opt = Adam()
    w, state = np.ones(3), opt.init_state((3,))
    opt.step(w, np.array([1.0, np.nan, 1.0]), state)
    assert w[1] == 1.0 and state[0, 1] == 0.0 and state[1, 1] == 0.0
    assert w[0] != 1.0


def test_step_on_matrix_updates_in_place():
    opt = SGD(lr=1.0)
    W = np.zeros((2, 2))
    opt.step(W, np.array([[1.0, 2.0], [3.0, 4.0]]), opt.init_state(W.shape))
    assert W.tolist() == [[-1.0, -2.0], [-3.0, -4.0]]
    with pytest.raises(ValueError, match="C-contiguous float64"):
        opt.step(np.zeros(3, dtype=np.float32), np.ones(3), opt.init_state((3,)))


def test_bad_hyper_parameters():
    with pytest.raises(InvalidParameterError) as e:
        Adam(beta1=1.0)
    assert str(e.value) == "The 'beta1' parameter of Adam must be a number >= 0 and < 1. Got 1.0."
    with pytest.raises(InvalidParameterError, match="'lr' parameter of SGD must be a number > 0"):
        SGD(lr=0)
    with pytest.raises(InvalidParameterError, match="'l1' parameter of FTRLProximal"):
        FTRLProximal(l1=-1.0)


def test_make_optimizer_defaults_and_errors():
    assert make_optimizer("sgd", None, 0.0, 0.0, None) == SGD(0.01)
    assert make_optimizer("adam", None, 0.0, 0.0, {"eps": 1e-6}) == Adam(lr=0.1, eps=1e-6)
    assert make_optimizer("ftrl", 0.2, 1.0, 2.0, {"beta": 0.5}) == FTRLProximal(0.2, 0.5, 1.0, 2.0)
    assert make_optimizer("ftrl", None, 0.0, 0.0, None).alpha == 0.05
    with pytest.raises(InvalidParameterError, match="'optimizer' parameter of M must be one of"):
        make_optimizer("rmsprop", None, 0.0, 0.0, None, owner="M")
    with pytest.raises(InvalidParameterError, match="unknown setting 'beta' for optimizer 'adam'"):
        make_optimizer("adam", None, 0.0, 0.0, {"beta": 1.0})
    with pytest.raises(InvalidParameterError, match="Allowed settings: \\(none\\)"):
        make_optimizer("sgd", None, 0.0, 0.0, {"momentum": 0.9})
