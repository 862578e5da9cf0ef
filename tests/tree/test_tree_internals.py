"""Hand-checked values of the compiled criteria, the Hoeffding bound and the splitters."""

import math

import numpy as np
import pytest

from streamlearn.tree._criteria import (
    GINI,
    INFO_GAIN,
    MIN_BRANCH_FRACTION,
    entropy,
    gini,
    hoeffding_bound,
    merit,
    merit_range,
    null_merit,
)
from streamlearn.tree._nodes import M2, MAX, MEAN, MIN, N_STATS, WEIGHT
from streamlearn.tree._splitters import (
    best_nominal_split,
    best_numeric_split,
    gauss_log_density,
    gauss_update,
    numeric_post,
)


def test_entropy_and_gini_values():
    assert entropy(np.array([1.0, 1.0])) == pytest.approx(1.0)
    # H(3/4, 1/4) = -(.75 log2 .75 + .25 log2 .25)
    assert entropy(np.array([3.0, 1.0])) == pytest.approx(0.8112781244591328)
    assert entropy(np.array([5.0, 0.0])) == 0.0
    assert entropy(np.array([0.0, 0.0])) == 0.0
    assert gini(np.array([3.0, 1.0])) == pytest.approx(1 - 0.75**2 - 0.25**2)
    assert gini(np.array([1.0, 1.0, 1.0])) == pytest.approx(2 / 3)


def test_information_gain_of_a_split():
    pre = np.array([4.0, 4.0])
    pure = np.array([[4.0, 0.0], [0.0, 4.0]])
    assert merit(pre, pure, 2, INFO_GAIN, MIN_BRANCH_FRACTION) == pytest.approx(1.0)
    # left [3, 1], right [1, 3]: gain = 1 - H(.75, .25)
    mixed = np.array([[3.0, 1.0], [1.0, 3.0]])
    assert merit(pre, mixed, 2, INFO_GAIN, MIN_BRANCH_FRACTION) == pytest.approx(1 - 0.8112781244591328)
    # everything in one branch: worthless for information gain (MOA's min-branch rule)
    one = np.array([[4.0, 4.0], [0.0, 0.0]])
    assert merit(pre, one, 2, INFO_GAIN, MIN_BRANCH_FRACTION) == -np.inf
    # a branch with 1% of the weight or less does not count either
    tiny = np.array([[3.96, 4.0], [0.04, 0.0]])
    assert merit(np.array([4.0, 4.0]), tiny, 2, INFO_GAIN, MIN_BRANCH_FRACTION) == -np.inf
    assert null_merit(INFO_GAIN) == -np.inf


def test_gini_gain_of_a_split():
    pre = np.array([2.0, 2.0])
    assert merit(pre, np.array([[2.0, 0.0], [0.0, 2.0]]), 2, GINI, MIN_BRANCH_FRACTION) == pytest.approx(0.5)
    # left [2, 1] (gini 4/9), right [0, 1] (gini 0): 0.5 - 3/4 * 4/9
    post = np.array([[2.0, 1.0], [0.0, 1.0]])
    assert merit(pre, post, 2, GINI, MIN_BRANCH_FRACTION) == pytest.approx(0.5 - 0.75 * 4 / 9)
    # Gini has no minimum branch rule; not splitting scores 0
    assert merit(pre, np.array([[2.0, 2.0], [0.0, 0.0]]), 2, GINI, MIN_BRANCH_FRACTION) == pytest.approx(0.0)
    assert null_merit(GINI) == 0.0


def test_merit_range_and_hoeffding_bound():
    assert merit_range(np.array([5.0, 3.0]), INFO_GAIN) == 1.0
    assert merit_range(np.array([5.0, 0.0]), INFO_GAIN) == 1.0  # at least 2 classes
    assert merit_range(np.array([5.0, 3.0, 1.0, 0.0]), INFO_GAIN) == pytest.approx(math.log2(3))
    assert merit_range(np.array([5.0, 3.0, 1.0]), GINI) == 1.0
    # sqrt(R^2 ln(1/delta) / (2n))
    assert hoeffding_bound(1.0, 1e-7, 200.0) == pytest.approx(math.sqrt(math.log(1e7) / 400))
    assert hoeffding_bound(2.0, 0.01, 50.0) == pytest.approx(math.sqrt(4 * math.log(100) / 100))


def _stats(values_per_class):
    ns = np.zeros((1, 1, len(values_per_class), N_STATS))
    for c, values in enumerate(values_per_class):
        for v in values:
            gauss_update(ns, 0, 0, c, float(v))
    return ns


def test_gaussian_estimator_and_density():
    ns = _stats([[1.0, 2.0, 3.0, 6.0]])
    w, mean, m2 = ns[0, 0, 0, WEIGHT], ns[0, 0, 0, MEAN], ns[0, 0, 0, M2]
    assert (w, mean, ns[0, 0, 0, MIN], ns[0, 0, 0, MAX]) == (4.0, 3.0, 1.0, 6.0)
    assert m2 / (w - 1) == pytest.approx(np.var([1, 2, 3, 6], ddof=1))
    var = np.var([1, 2, 3, 6], ddof=1)
    expected = -0.5 * (4.5 - 3.0) ** 2 / var - 0.5 * math.log(2 * math.pi * var)
    assert gauss_log_density(w, mean, m2, 4.5) == pytest.approx(expected)
    # a single value is a point mass; nothing seen is impossible
    assert gauss_log_density(1.0, 2.0, 0.0, 2.0) == 0.0
    assert gauss_log_density(1.0, 2.0, 0.0, 2.5) == -np.inf
    assert gauss_log_density(0.0, 0.0, 0.0, 0.0) == -np.inf


def test_numeric_split_estimates():
    ns = _stats([[0.0, 1.0, 2.0, 3.0, 4.0], [3.0, 5.0, 7.0]])
    post = np.empty((2, 2))
    numeric_post(ns, 0, 0, 2.0, post)
    # class 0: w * Phi((2 - 2) / sd) = 2.5 left; class 1: all of it right (2 < its minimum 3)
    np.testing.assert_allclose(post, [[2.5, 0.0], [2.5, 3.0]])
    numeric_post(ns, 0, 0, 7.0, post)  # at or above every maximum: all left
    assert post.tolist() == [[5.0, 3.0], [0.0, 0.0]]
    # thresholds tried: 7/11 * (i + 1) for i < 10 over the range [0, 7]
    pre = np.array([5.0, 3.0])
    found, m, t = best_numeric_split(ns, 0, 0, pre, INFO_GAIN, MIN_BRANCH_FRACTION, 10, post)
    assert found
    assert t in [7 / 11 * (i + 1) for i in range(10)]
    numeric_post(ns, 0, 0, t, post)
    assert m == pytest.approx(merit(pre, post, 2, INFO_GAIN, MIN_BRANCH_FRACTION))
    # a constant feature offers no threshold
    flat = _stats([[1.0, 1.0], [1.0]])
    assert not best_numeric_split(flat, 0, 0, np.array([2.0, 1.0]), INFO_GAIN, 0.01, 10, post)[0]


def test_nominal_split_candidates():
    # one categorical column, 3 categories, 2 classes; counts (category, class)
    cc = np.array([[[4.0, 0.0], [0.0, 3.0], [1.0, 2.0]]])
    ns = np.zeros((1, 1, 2, N_STATS))
    ns[0, 0, :, WEIGHT] = cc[0].sum(axis=0)
    pre = np.array([5.0, 5.0])
    post = np.empty((2, 2))
    found, m, code = best_nominal_split(cc, ns, 0, 0, 0, 3, pre, INFO_GAIN, 0.01, False, post)
    assert found and code == -1  # the multiway split is at least as good as any binary one
    assert m == pytest.approx(1.0 - (3 / 10) * entropy(np.array([1.0, 2.0])))
    found, m, code = best_nominal_split(cc, ns, 0, 0, 0, 3, pre, INFO_GAIN, 0.01, True, post)
    # binary: x == 0 gives [4, 0] | [1, 5]
    assert found and code == 0
    assert m == pytest.approx(1.0 - 0.6 * entropy(np.array([1.0, 5.0])))
