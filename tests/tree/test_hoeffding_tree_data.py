"""HoeffdingTreeClassifier on the shared real data sets (skipped when absent).

Reference figures, measured with MOA's HoeffdingTree through CapyMOA 0.11
(prequential, same files): Elec2 79.195% (57 nodes) with split confidence
1e-7 and 81.727% (112 nodes) with 1e-3; NSL-KDD KDDTrain+ binary 98.458%
(1e-7, multiway) and 97.873% (1e-7, binary splits, 71 nodes).
"""

import pytest

from streamlearn.base.errors import DataError
from streamlearn.tree import HoeffdingTreeClassifier

pytestmark = pytest.mark.slow


def _arrays(loader):
    try:
        return loader(batch_size=200_000).to_arrays()
    except (DataError, FileNotFoundError) as e:
        pytest.skip(f"shared data set not available: {e}")


def test_elec2_matches_moa():
    from streamlearn.datasets.elec2 import elec2

    X, y, schema = _arrays(elec2)
    for params, n_nodes, low in [({"delta": 1e-7}, 57, 0.790), ({}, 112, 0.815)]:
        model = HoeffdingTreeClassifier(**params)
        pred = model.test_then_train_many(X, y, schema=schema)
        assert (pred == y).mean() >= low
        assert model.summary()["n_nodes"] == n_nodes
    mc = HoeffdingTreeClassifier(leaf_prediction="mc", delta=1e-7)
    acc = (mc.test_then_train_many(X, y, schema=schema) == y).mean()
    # MOA: 75.722% with the same tree; the one row of difference is row 0, where MOA's
    # all-zero votes pick the first class (right by chance) and this learner predicts nothing
    assert acc * len(y) == pytest.approx(0.75722 * len(y) - 1, abs=1.5)


def test_nsl_kdd_binary():
    from streamlearn.datasets.nsl_kdd import nsl_kdd

    X, y, schema = _arrays(nsl_kdd)
    model = HoeffdingTreeClassifier(delta=1e-7)
    acc = (model.test_then_train_many(X, y, schema=schema) == y).mean()
    assert acc >= 0.98
    assert (HoeffdingTreeClassifier().test_then_train_many(X, y, schema=schema) == y).mean() >= 0.98
    binary = HoeffdingTreeClassifier(binary_split=True, delta=1e-7)
    acc = (binary.test_then_train_many(X, y, schema=schema) == y).mean()
    assert acc >= 0.975 and binary.summary()["n_nodes"] == 71
