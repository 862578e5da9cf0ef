"""Plain-Python references of the linear learners' update rules, written from the
formulas (River's semantics, McMahan et al. 2013, Kingma & Ba 2015, Crammer et al. 2006).

They use Python floats and lists, in the same order of operations as the
compiled kernels, so results can be compared exactly.
"""

from __future__ import annotations

import math


def dot(w, x, b):
    s = 0.0
    for wj, xj in zip(w, x, strict=True):
        if xj == xj:
            s += wj * xj
    return s + b


def sigmoid(f):
    if f >= 0.0:
        return 1.0 / (1.0 + math.exp(-f))
    e = math.exp(f)
    return e / (1.0 + e)


def clip(g, c):
    return c if g > c else (-c if g < -c else g)


def soft(w, thr):
    return w - thr if w > thr else (w + thr if w < -thr else 0.0)


def softmax(W, b, x, n):
    s = [dot(W[k], x, b[k]) for k in range(n)]
    m = max(s)
    e = [math.exp(v - m) for v in s]
    total = 0.0
    for v in e:
        total += v
    return [v / total for v in e]


class RefOptimizer:
    """One optimiser acting on lists; ``a``/``c`` are the two state slots (m/v or z/n)."""

    def __init__(self, name, lr=None, l1=0.0, l2=0.0, beta1=0.9, beta2=0.999, eps=1e-8, beta=1.0):
        self.name = name
        self.lr = {"sgd": 0.01, "adam": 0.1, "ftrl": 0.05}[name] if lr is None else lr
        self.l1, self.l2 = l1, l2
        self.b1, self.b2, self.eps, self.beta = beta1, beta2, eps, beta

    def scale(self, t):
        if self.name == "adam":
            return self.lr * math.sqrt(1.0 - self.b2 ** float(t)) / (1.0 - self.b1 ** float(t))
        return self.lr

    def step_row(self, w, a, c, x, lg, scale):
        for j, xj in enumerate(x):
            if xj != xj:
                continue
            g = lg * xj
            if self.name == "ftrl":
                n_new = c[j] + g * g
                sigma = (math.sqrt(n_new) - math.sqrt(c[j])) / self.lr
                a[j] = a[j] + g - sigma * w[j]
                c[j] = n_new
                w[j] = self.ftrl_weight(a[j], c[j])
                continue
            if self.l2 != 0.0:
                g += self.l2 * w[j]
            if self.name == "sgd":
                wj = w[j] - self.lr * g
            else:
                a[j] = self.b1 * a[j] + (1.0 - self.b1) * g
                c[j] = self.b2 * c[j] + (1.0 - self.b2) * g * g
                wj = w[j] - scale * a[j] / (math.sqrt(c[j]) + self.eps)
            if self.l1 != 0.0:
                wj = soft(wj, self.lr * self.l1)
            w[j] = wj

    def ftrl_weight(self, z, n):
        if abs(z) <= self.l1:
            return 0.0
        return -(z - math.copysign(self.l1, z)) / ((self.beta + math.sqrt(n)) / self.lr + self.l2)


class RefGLM:
    """Logistic (binary -> softmax) or linear regression with an optimiser."""

    def __init__(self, d, opt, loss="log", intercept_init=0.0, intercept_lr=0.01, clip_gradient=1e12):
        self.opt, self.loss = opt, loss
        self.ilr, self.clip = intercept_lr, clip_gradient
        self.W = [[0.0] * d]
        self.b = [intercept_init]
        self.A = [[0.0] * d]
        self.C = [[0.0] * d]
        self.t = 0
        self.n_seen = 0

    def proba(self, x):
        n = self.n_seen
        if n == 0:
            return []
        if n == 1:
            return [1.0]
        if n == 2:
            p = sigmoid(dot(self.W[0], x, self.b[0]))
            return [1.0 - p, p]
        return softmax(self.W, self.b, x, n)

    def predict(self, x):
        return dot(self.W[0], x, self.b[0])

    def _split(self):
        d = len(self.W[0])
        w, z = self.W[0], self.A[0]
        self.W = [[-0.5 * v for v in w], [0.5 * v for v in w]]
        self.b = [-0.5 * self.b[0], 0.5 * self.b[0]]
        if self.opt.name == "adam":
            self.A = [[-v for v in z], list(z)]
            self.C = [list(self.C[0]), list(self.C[0])]
        elif self.opt.name == "ftrl":
            l1 = self.opt.l1
            z1 = [
                0.5 * (v - math.copysign(l1, v)) + math.copysign(l1, v) if abs(v) > l1 else 0.5 * v for v in z
            ]
            self.A = [[-v for v in z1], z1]
            self.C = [list(self.C[0]), list(self.C[0])]
        else:
            self.A = [[0.0] * d, [0.0] * d]
            self.C = [[0.0] * d, [0.0] * d]

    def learn(self, x, y):
        self.t += 1
        scale = self.opt.scale(self.t)
        if self.loss == "squared":
            g = clip(2.0 * (dot(self.W[0], x, self.b[0]) - y), self.clip)
            self.b[0] -= self.ilr * g
            self.opt.step_row(self.W[0], self.A[0], self.C[0], x, g, scale)
            return
        c = y
        if c >= self.n_seen:
            if self.n_seen <= 2 and c >= 2:
                self._split()
            self.n_seen = c + 1
            d = len(self.W[0])
            while self.n_seen > 2 and len(self.W) < self.n_seen:
                self.W.append([0.0] * d)
                self.A.append([0.0] * d)
                self.C.append([0.0] * d)
                self.b.append(0.0)
        if self.n_seen <= 2:
            f = dot(self.W[0], x, self.b[0])
            g = -sigmoid(-f) if c == 1 else sigmoid(f)
            g = clip(g, self.clip)
            self.b[0] -= self.ilr * g
            self.opt.step_row(self.W[0], self.A[0], self.C[0], x, g, scale)
            return
        p = softmax(self.W, self.b, x, self.n_seen)
        for k in range(self.n_seen):
            g = clip(p[k] - 1.0 if k == c else p[k], self.clip)
            self.b[k] -= self.ilr * g
            self.opt.step_row(self.W[k], self.A[k], self.C[k], x, g, scale)
