import numpy as np
import pytest
from linear_reference import dot, sigmoid, softmax

from streamlearn.base.errors import InvalidParameterError
from streamlearn.linear_model import Perceptron


class RefPerceptron:
    """River's binary perceptron (hinge at threshold 0, unit steps); multiclass max-violation updates."""

    def __init__(self, d, l2):
        self.l2 = l2
        self.W, self.b, self.n_seen = [[0.0] * d], [0.0], 0

    def proba(self, x):
        n = self.n_seen
        if n <= 1:
            return [1.0] * n
        if n == 2:
            p = sigmoid(dot(self.W[0], x, self.b[0]))
            return [1.0 - p, p]
        return softmax(self.W, self.b, x, n)

    def _step(self, k, x, g):
        if g == 0.0 and self.l2 == 0.0:
            return
        self.b[k] -= g
        w = self.W[k]
        for j, v in enumerate(x):
            if v == v:
                gj = g * v
                if self.l2 != 0.0:
                    gj += self.l2 * w[j]
                w[j] = w[j] - 1.0 * gj

    def learn(self, x, c):
        if c >= self.n_seen:
            if self.n_seen <= 2 and c >= 2:
                w = self.W[0]
                self.W = [[-0.5 * v for v in w], [0.5 * v for v in w]]
                self.b = [-0.5 * self.b[0], 0.5 * self.b[0]]
            self.n_seen = c + 1
            while self.n_seen > 2 and len(self.W) < self.n_seen:
                self.W.append([0.0] * len(x))
                self.b.append(0.0)
        if self.n_seen <= 2:
            s = 1.0 if c == 1 else -1.0
            self._step(0, x, -s if s * dot(self.W[0], x, self.b[0]) <= 0.0 else 0.0)
            return
        scores = [dot(self.W[k], x, self.b[k]) for k in range(self.n_seen)]
        r = max((k for k in range(self.n_seen) if k != c), key=lambda k: (scores[k], -k))
        mistake = scores[r] >= scores[c]
        for k in range(self.n_seen):
            g = (-1.0 if k == c else (1.0 if k == r else 0.0)) if mistake else 0.0
            self._step(k, x, g)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_matches_reference_exactly(l2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = (np.nan_to_num(X[:, 0]) > 0).astype(int)
    y[50:][np.nan_to_num(X[50:, 1]) > 0.5] = 2
    m = Perceptron(l2=l2)
    P = m.test_then_train_many(X, y, return_proba=True)
    codes = [m.classes_.index(v) for v in y.tolist()]
    ref = RefPerceptron(4, l2)
    for i in range(len(X)):
        expected = ref.proba(X[i].tolist())
        assert P[i, : len(expected)].tolist() == expected, f"row {i}"
        ref.learn(X[i].tolist(), codes[i])
    assert m.weights_.tolist() == ref.W and m.intercepts_.tolist() == ref.b


def test_hand_computed_steps():
    m = Perceptron()
    m.learn_one({"a": 1.0, "b": 2.0}, "no")  # code 0, s = -1, f = 0: a mistake (ties count)
    assert m.weights_.tolist() == [[-1.0, -2.0]] and m.intercepts_.tolist() == [-1.0]
    m.learn_one({"a": 1.0, "b": 2.0}, "no")  # now f = -6: correct, no update
    assert m.weights_.tolist() == [[-1.0, -2.0]]
    m.learn_one({"a": 0.5}, "yes")  # code 1, f = -1.5: mistake, w += x (b missing: unchanged)
    assert m.weights_.tolist() == [[-0.5, -2.0]] and m.intercepts_.tolist() == [0.0]


def test_separable_data_is_learned():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 3))
    w = np.array([1.0, -1.0, 2.0])
    keep = np.abs(X @ w) > 0.3  # a margin: the perceptron converges (Novikoff)
    X = X[keep]
    y = np.where(X @ w > 0, "pos", "neg")
    m = Perceptron()
    pred = m.test_then_train_many(X, y)
    assert (pred[len(X) // 2 :] == y[len(X) // 2 :]).mean() > 0.99
    V = rng.normal(size=(3, 3))
    X3 = rng.normal(size=(5000, 3))
    scores = np.sort(X3 @ V.T, axis=1)
    X3 = X3[scores[:, -1] - scores[:, -2] > 0.3]
    y3 = np.argmax(X3 @ V.T, axis=1)
    pred3 = Perceptron().test_then_train_many(X3, y3)
    assert (pred3[len(X3) // 2 :] == y3[len(X3) // 2 :]).mean() > 0.95


def test_bad_params():
    with pytest.raises(InvalidParameterError) as e:
        Perceptron(l2=-1)
    assert str(e.value) == "The 'l2' parameter of Perceptron must be a number >= 0. Got -1."
