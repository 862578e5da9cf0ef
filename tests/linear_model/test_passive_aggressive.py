import numpy as np
import pytest
from linear_reference import dot, sigmoid

from streamlearn.base.errors import InvalidParameterError
from streamlearn.linear_model import PassiveAggressiveClassifier, PassiveAggressiveRegressor
from streamlearn.linear_model import _kernels as lk
from streamlearn.linear_model import passive_aggressive as pa


def ref_tau(loss, norm, C, mode):
    """Crammer et al. (2006): PA (0), PA-I (1), PA-II (2)."""
    if mode == 2:
        return loss / (norm + 0.5 / C)
    if norm <= 0.0:
        return 0.0
    return min(C, loss / norm) if mode == 1 else loss / norm


def sq_norm(x):
    s = 0.0
    for v in x:
        if v == v:
            s += v * v
    return s


def add(w, x, step):
    for j, v in enumerate(x):
        if v == v:
            w[j] += step * v


class RefPAC:
    """Binary PA; one-vs-rest from the third class (class 0 scorer = -w, class 1 scorer = +w)."""

    def __init__(self, d, C, mode, intercept):
        self.C, self.mode, self.intercept = C, mode, intercept
        self.W, self.b, self.n_seen = [[0.0] * d], [0.0], 0

    def proba(self, x):
        n = self.n_seen
        if n <= 1:
            return [1.0] * n
        if n == 2:
            p = sigmoid(dot(self.W[0], x, self.b[0]))
            return [1.0 - p, p]
        ps = [sigmoid(dot(self.W[k], x, self.b[k])) for k in range(n)]
        total = 0.0
        for p in ps:
            total += p
        return [p / total for p in ps]

    def learn(self, x, c):
        if c >= self.n_seen:
            if self.n_seen <= 2 and c >= 2:
                w = self.W[0]
                self.W = [[-v for v in w], list(w)]
                self.b = [-self.b[0], self.b[0]]
            self.n_seen = c + 1
            while self.n_seen > 2 and len(self.W) < self.n_seen:
                self.W.append([0.0] * len(x))
                self.b.append(0.0)
        norm = sq_norm(x)
        rows = 1 if self.n_seen <= 2 else self.n_seen
        for k in range(rows):
            s = (1.0 if c == 1 else -1.0) if self.n_seen <= 2 else (1.0 if c == k else -1.0)
            loss = 1.0 - s * dot(self.W[k], x, self.b[k])
            if loss > 0.0:
                step = ref_tau(loss, norm, self.C, self.mode) * s
                add(self.W[k], x, step)
                if self.intercept:
                    self.b[k] += step


def stream(n=90, d=4, seed=0, third_at=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[rng.random((n, d)) < 0.1] = np.nan
    y = (np.nan_to_num(X[:, 0]) > 0).astype(int)
    y[third_at:][np.nan_to_num(X[third_at:, 1]) > 0.5] = 2
    return X, y


@pytest.mark.parametrize(
    ("C", "mode", "intercept"), [(1.0, 1, True), (0.05, 1, True), (0.5, 2, False), (1.0, 0, True)]
)
def test_classifier_matches_reference_exactly(C, mode, intercept):
    X, y = stream()
    m = PassiveAggressiveClassifier(C=C, mode=mode, learn_intercept=intercept)
    P = m.test_then_train_many(X, y, return_proba=True)
    codes = [m.classes_.index(v) for v in y.tolist()]
    ref = RefPAC(X.shape[1], C, mode, intercept)
    for i in range(len(X)):
        expected = ref.proba(X[i].tolist())
        assert P[i, : len(expected)].tolist() == expected, f"row {i}"
        ref.learn(X[i].tolist(), codes[i])
    assert m.weights_.tolist() == ref.W and m.intercepts_.tolist() == ref.b
    assert m.n_learned_ == 3


def test_classifier_hand_computed_step():
    m = PassiveAggressiveClassifier(C=1.0, mode=1)
    m.learn_one({"a": 1.0, "b": 2.0}, "neg")  # code 0 -> s = -1; hinge loss 1; ||x||^2 = 5; tau = 0.2
    assert m.weights_.tolist() == [[-0.2, -0.4]] and m.intercepts_.tolist() == [-0.2]
    m2 = PassiveAggressiveClassifier(C=0.1, mode=1)
    m2.learn_one({"a": 1.0, "b": 2.0}, "neg")  # PA-I clips tau at C
    assert m2.weights_.tolist() == [[-0.1, -0.2]]
    m3 = PassiveAggressiveClassifier(C=0.1, mode=2)
    m3.learn_one({"a": 1.0, "b": 2.0}, "neg")  # PA-II: tau = 1 / (5 + 1 / (2 C))
    tau = 1.0 / (5.0 + 0.5 / 0.1)
    assert m3.weights_.tolist() == [[-tau, -2.0 * tau]]


def test_one_vs_rest_switch_is_exact():
    X, y = stream(n=60, third_at=1000)  # binary only
    m = PassiveAggressiveClassifier()
    m.learn_many(X, y)
    before = m.predict_proba_many(X)
    W = np.vstack([m.weights_, np.zeros((2, 4))])  # room for a third class (zero scorer)
    b = np.append(m.intercepts_, [0.0, 0.0])
    lk.split_binary(W, b, np.empty((0, 3, 4)), 0, np.zeros(4), 1.0)
    assert W[:2].tolist() == [(-m.weights_[0]).tolist(), m.weights_[0].tolist()]
    assert b.tolist() == [-m.intercepts_[0], m.intercepts_[0], 0.0]
    # normalised one-vs-rest: the two scorers' sigmoids sum to 1 and the new class's is 0.5
    after = pa._clf_proba(X, W, b, 3)
    assert np.allclose(after[:, :2] * 1.5, before, rtol=0, atol=1e-15)
    assert np.allclose(after[:, 2], 1 / 3, rtol=0, atol=1e-15)


def test_classifier_learns_separable_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 3))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0.2, "attack", "normal")
    m = PassiveAggressiveClassifier(C=0.1)
    pred = m.test_then_train_many(X, y)
    assert (pred[1000:] == y[1000:]).mean() > 0.95
    y3 = np.argmax(X @ rng.normal(size=(3, 3)).T, axis=1)
    pred3 = PassiveAggressiveClassifier(C=0.1).test_then_train_many(X, y3)
    assert (pred3[1000:] == y3[1000:]).mean() > 0.9


def test_regressor_matches_reference_and_hand_step():
    m = PassiveAggressiveRegressor(C=1.0, mode=1, epsilon=0.1)
    m.learn_one({"a": 1.0, "b": 2.0}, 3.0)
    tau = (3.0 - 0.1) / 5.0
    assert m.weights_.tolist() == [[tau, 2 * tau]] and m.intercepts_.tolist() == [tau]
    m.learn_one({"a": 1.0, "b": 2.0}, m.predict_one({"a": 1.0, "b": 2.0}) + 0.05)  # within epsilon
    assert m.weights_.tolist() == [[tau, 2 * tau]]

    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = np.nan_to_num(X) @ [1.0, -1.0, 2.0] + 0.3
    for C, mode, eps, intercept in [(1.0, 1, 0.1, True), (0.1, 2, 0.0, True), (1.0, 0, 0.2, False)]:
        m = PassiveAggressiveRegressor(C=C, mode=mode, epsilon=eps, learn_intercept=intercept)
        pred = m.test_then_train_many(X, y)
        w, b = [0.0, 0.0, 0.0], 0.0
        for i, x in enumerate(X.tolist()):
            f = dot(w, x, b)
            assert pred[i] == f
            r = float(y[i]) - f
            loss = abs(r) - eps
            if loss > 0.0:
                step = ref_tau(loss, sq_norm(x), C, mode) * (1.0 if r > 0 else -1.0)
                add(w, x, step)
                b += step if intercept else 0.0
        assert m.weights_.tolist() == [w] and m.intercepts_.tolist() == [b]


def test_regressor_converges():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 2))
    y = 3.0 * X[:, 0] - X[:, 1] + 0.5
    m = PassiveAggressiveRegressor(C=1.0, epsilon=0.01).learn_many(X, y)
    assert np.allclose(m.weights_[0], [3.0, -1.0], atol=0.02) and abs(m.intercepts_[0] - 0.5) < 0.02


def test_bad_params():
    with pytest.raises(InvalidParameterError) as e:
        PassiveAggressiveClassifier(mode=3)
    assert (
        str(e.value) == "The 'mode' parameter of PassiveAggressiveClassifier must be one of 0, 1, 2. Got 3."
    )
    with pytest.raises(InvalidParameterError, match="'C' parameter of PassiveAggressiveRegressor"):
        PassiveAggressiveRegressor(C=0)
    with pytest.raises(InvalidParameterError, match="'epsilon' parameter of PassiveAggressiveRegressor"):
        PassiveAggressiveRegressor(epsilon=-1.0)
    with pytest.raises(InvalidParameterError, match=r"'learn_intercept' parameter .* a bool"):
        PassiveAggressiveClassifier(learn_intercept=1)
