"""HoeffdingTreeClassifier: hand-checkable behaviour, exactness, growth, persistence."""

import itertools
import math
import os
import tempfile

import numpy as np
import pytest

from streamlearn import InvalidParameterError, digest, load, save
from streamlearn.base.schema import Schema
from streamlearn.tree import HoeffdingTreeClassifier
from streamlearn.tree import _kernels as K
from streamlearn.tree._nodes import EQUALS, LEAF, MULTIWAY, NUMERIC, S_USED, WEIGHT


def threshold_tree(n=200, **params):
    """x cycles through 0..10; the label is x >= 6."""
    model = HoeffdingTreeClassifier(**{"leaf_prediction": "mc", **params})
    for i in range(n):
        x = float(i % 11)
        model.learn_one({"x": x}, x >= 6)
    return model


# -- splitting ------------------------------------------------------------------------
def test_split_on_an_obvious_threshold():
    model = threshold_tree()
    assert model.summary()["n_nodes"] == 3
    assert model.kind_[0] == NUMERIC and model.feature_[0] == 0
    # candidates 10/11 * (i + 1) over the range [0, 10]; 60/11 separates 0..5 from 6..10
    assert model.threshold_[0] == pytest.approx(60 / 11)
    # 200 rows: values 0 and 1 were seen 19 times, the others 18: False 110, True 90
    left, right = model.child_start_[0], model.child_start_[0] + 1
    assert model.class_counts_[left].tolist() == [110.0, 0.0]
    assert model.class_counts_[right].tolist() == [0.0, 90.0]
    assert model.missing_branch_[0] == 0  # the heavier branch
    assert model.predict_one({"x": 5.0}) is False and model.predict_one({"x": 6.0}) is True


def test_split_waits_for_the_grace_period():
    assert threshold_tree(n=199).summary()["n_nodes"] == 1
    assert threshold_tree(n=200).summary()["n_nodes"] == 3
    assert threshold_tree(n=200, grace_period=300).summary()["n_nodes"] == 1


def test_hoeffding_bound_and_tie_threshold():
    """Two identical attributes tie (difference 0), so only the tie threshold splits:
    once eps = sqrt(ln(1/delta) / (2n)) < tau, i.e. n > ln(1e7) / (2 * 0.05^2) = 3223.6,
    so at the first attempt after that: n = 3400."""
    n_tie = math.log(1e7) / (2 * 0.05**2)
    first = int(math.ceil(n_tie / 200) * 200)
    assert first == 3400

    def tree(n, tau):
        model = HoeffdingTreeClassifier(tau=tau, leaf_prediction="mc", delta=1e-7)
        for i in range(n):
            x = float(i % 11)
            model.learn_one({"a": x, "b": x}, x >= 6)
        return model

    assert tree(first - 1, 0.05).summary()["n_nodes"] == 1
    assert tree(first, 0.05).summary()["n_nodes"] == 3
    assert tree(first, 0.0).summary()["n_nodes"] == 1
    # equal merits: the later attribute wins, as in MOA's stable sort
    assert tree(first, 0.05).feature_[0] == 1


def test_gini_criterion_splits_at_the_same_threshold():
    model = threshold_tree(split_criterion="gini", grace_period=100, delta=0.01)
    assert model.kind_[0] == NUMERIC and model.threshold_[0] == pytest.approx(60 / 11)


def test_multiway_and_binary_nominal_splits():
    protos = ["tcp", "udp", "icmp"]
    label = {"tcp": "a", "udp": "b", "icmp": "b"}

    def tree(**params):
        model = HoeffdingTreeClassifier(grace_period=60, leaf_prediction="mc", **params)
        for i in range(60):
            p = protos[i % 3]
            model.learn_one({"proto": p}, label[p])
        return model

    multi = tree()
    assert multi.kind_[0] == MULTIWAY and multi.n_children_[0] == 3
    assert [multi.class_counts_[multi.child_start_[0] + b].tolist() for b in range(3)] == [
        [20.0, 0.0],
        [0.0, 20.0],
        [0.0, 20.0],
    ]
    binary = tree(binary_split=True)
    # x == tcp separates the classes; x == udp or x == icmp would not
    assert binary.kind_[0] == EQUALS and binary.schema_.categories[0][int(binary.threshold_[0])] == "tcp"
    assert binary.to_text().splitlines()[0] == "proto = tcp"
    assert binary.to_text().splitlines()[2] == "proto != tcp (or missing)"
    assert binary.predict_one({"proto": "dns"}) == "b"  # unseen category: "!= tcp"


def test_max_depth_is_respected():
    rng = np.random.default_rng(3)
    X = rng.random((6000, 2))
    y = (np.floor(X[:, 0] * 4) + np.floor(X[:, 1] * 4)) % 2  # a 4x4 checkerboard
    deep = HoeffdingTreeClassifier(grace_period=50, delta=0.01)
    deep.learn_many(X, y)
    assert deep.summary()["depth"] > 2
    shallow = HoeffdingTreeClassifier(grace_period=50, delta=0.01, max_depth=2)
    shallow.learn_many(X, y)
    n = shallow.summary()["n_nodes"]
    assert shallow.summary()["depth"] == 2
    assert shallow.depth_[:n].max() == 2
    stump = HoeffdingTreeClassifier(grace_period=50, delta=0.01, max_depth=0)
    stump.learn_many(X, y)
    assert stump.summary()["n_nodes"] == 1


# -- leaf predictions -------------------------------------------------------------------
def test_naive_bayes_leaf_prediction():
    model = HoeffdingTreeClassifier(leaf_prediction="nb", grace_period=1000)
    rows = [
        (1, "tcp", "a"),
        (5, "udp", "b"),
        (2, "tcp", "a"),
        (6, "udp", "b"),
        (3, "udp", "a"),
        (7, "udp", "b"),
    ]
    for x, proto, y in rows:
        model.learn_one({"x": float(x), "proto": proto}, y)
    # class a: x ~ N(2, 1); class b: x ~ N(6, 1); equal priors.
    # x = 3: log-ratio a/b = -0.5 * 1 + 0.5 * 9 = 4
    assert model.predict_proba_one({"x": 3.0})["a"] == pytest.approx(1 / (1 + math.exp(-4)))
    # x = 4 is halfway; proto = tcp: P(tcp|a) = (2+1)/(3+2), P(tcp|b) = (0+1)/(3+2) (2 values seen)
    assert model.predict_proba_one({"x": 4.0, "proto": "tcp"})["a"] == pytest.approx(0.6 / (0.6 + 0.2))
    # an unseen category counts 0 in both classes: (0+1)/(3+2) each
    assert model.predict_proba_one({"x": 4.0, "proto": "dns"})["a"] == pytest.approx(0.5)
    # majority class ignores the features
    mc = HoeffdingTreeClassifier(leaf_prediction="mc", grace_period=1000)
    for x, proto, y in rows[:5]:
        mc.learn_one({"x": float(x), "proto": proto}, y)
    assert mc.predict_proba_one({"x": 7.0}) == pytest.approx({"a": 0.6, "b": 0.4})


def _reference_nba_counts(X, y, k):
    """Pure-Python majority class / naive Bayes votes at a single leaf (Gaussian features;
    a class seen once is a point mass; when naive Bayes rules every class out it
    falls back to the majority class)."""
    counts = np.zeros(k)
    w = np.zeros((k, X.shape[1]))
    mean = np.zeros((k, X.shape[1]))
    m2 = np.zeros((k, X.shape[1]))
    mc_right = nb_right = 0
    for x, c in zip(X, y):
        if counts.sum() > 0:
            mc = int(np.argmax(counts))
            lv = [math.log(counts[a]) if counts[a] > 0 else -math.inf for a in range(k)]
            for a in range(k):
                for j, v in enumerate(x):
                    if lv[a] == -math.inf:
                        break
                    if w[a, j] == 0:
                        lv[a] = -math.inf
                    elif w[a, j] == 1 or m2[a, j] == 0:
                        lv[a] = lv[a] if v == mean[a, j] else -math.inf
                    else:
                        var = m2[a, j] / (w[a, j] - 1)
                        lv[a] += -0.5 * (v - mean[a, j]) ** 2 / var - 0.5 * math.log(2 * math.pi * var)
            nb = int(np.argmax(lv)) if max(lv) > -math.inf else mc
            mc_right += int(mc == c)
            nb_right += int(nb == c)
        counts[c] += 1
        for j, v in enumerate(x):
            w[c, j] += 1
            last = mean[c, j]
            mean[c, j] += (v - last) / w[c, j]
            m2[c, j] += (v - last) * (v - mean[c, j])
    return counts, mc_right, nb_right


def test_naive_bayes_adaptive_counts_and_choice():
    """90% of the rows are class 0 and the features carry no information: the
    majority class is right more often than naive Bayes, so the leaf predicts
    its class distribution."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    y = (rng.random(400) < 0.1).astype(np.int64)
    y[:2] = [0, 1]  # both classes early, so both Gaussians have variance after row 3
    y[2:4] = [0, 1]
    model = HoeffdingTreeClassifier(grace_period=10_000)
    model.learn_many(X, y)
    counts, mc_right, nb_right = _reference_nba_counts(X, y, 2)
    assert model.nba_[model.slot_[0]].tolist() == [mc_right, nb_right]
    assert mc_right > nb_right
    np.testing.assert_allclose(model.predict_proba_many(X[:5]), np.tile(counts / counts.sum(), (5, 1)))
    nb = HoeffdingTreeClassifier(grace_period=10_000, leaf_prediction="nb").learn_many(X, y)
    assert not np.allclose(nb.predict_proba_many(X[:5]), model.predict_proba_many(X[:5]))


# -- exactness -------------------------------------------------------------------------
def messy_records(n=900, seed=1):
    """Numeric and categorical features, 5% missing, a class from row 300, a new
    informative feature from row 400 and a new category from row 500."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        f = rng.random(3)
        proto = (
            ["tcp", "udp"][int(rng.integers(2))] if i < 500 else ["tcp", "udp", "icmp"][int(rng.integers(3))]
        )
        x = {"f0": f[0], "f1": f[1] * 10, "proto": proto}
        if i >= 400:
            x["late"] = float(rng.random())
        for key in list(x):
            if rng.random() < 0.05:
                if rng.random() < 0.5:
                    del x[key]
                else:
                    x[key] = None
        y = "attack" if f[0] > 0.6 else "normal"
        if i >= 300 and f[1] > 0.8:
            y = "scan"
        if i >= 400 and x.get("late") is not None and x["late"] > 0.9:
            y = "exfil"
        rows.append(x)
        labels.append(y)
    return rows, labels


PARAMS = [
    {"grace_period": 20, "delta": 0.01},
    {"grace_period": 20, "delta": 0.01, "leaf_prediction": "nb", "nb_threshold": 10},
    {"grace_period": 15, "delta": 0.05, "tau": 0.2, "split_criterion": "gini", "leaf_prediction": "mc"},
    {"grace_period": 15, "delta": 0.05, "binary_split": True, "remove_poor_attributes": True, "max_depth": 5},
    {"grace_period": 10, "delta": 0.1, "tau": 0.3, "max_size": 0.01},
]


@pytest.mark.parametrize("params", PARAMS)
def test_test_then_train_equals_one_at_a_time(params):
    rows, labels = messy_records()
    loop = HoeffdingTreeClassifier(**params)
    expected = []
    for x, y in zip(rows, labels):
        expected.append(loop.predict_proba_one(x))
        loop.learn_one(x, y)
    classes = loop.classes_
    exp = np.array([[p.get(c, 0.0) for c in classes] for p in expected])
    assert loop.summary()["n_nodes"] > 5
    for cuts in ([0, 900], [0, 1, 2, 37, 300, 301, 650, 900]):
        batch = HoeffdingTreeClassifier(**params)
        parts = []
        for a, b in itertools.pairwise(cuts):
            P = batch.test_then_train_many(rows[a:b], labels[a:b], return_proba=True)
            parts.append(np.pad(P, ((0, 0), (0, len(classes) - P.shape[1]))))
        got = np.vstack(parts)
        assert batch.classes_ == classes
        np.testing.assert_array_equal(got, exp)
        assert digest(batch) == digest(loop)
    learned = HoeffdingTreeClassifier(**params).learn_many(rows, labels)
    assert digest(learned) == digest(loop)


def test_separate_prediction_rows_are_used():
    """In a pipeline the rows to predict differ from the rows to learn."""
    rows, labels = messy_records(300)
    a, b = (
        HoeffdingTreeClassifier(grace_period=20, delta=0.01),
        HoeffdingTreeClassifier(grace_period=20, delta=0.01),
    )
    pa = a.test_then_train_many(rows, labels, return_proba=True)
    X = b._rows(rows, None)
    pb = b._test_then_train(X.copy(), X, b._codes(labels))
    np.testing.assert_array_equal(pa, pb)
    assert digest(a) == digest(b)
    # predicting other rows than those learned changes only the predictions
    c = HoeffdingTreeClassifier(grace_period=20, delta=0.01)
    Xc = c._rows(rows, None)
    shifted = np.roll(Xc, 1, axis=0)
    pc = c._test_then_train(shifted, Xc, c._codes(labels))
    assert digest(c) == digest(a)
    assert not np.array_equal(pc, pa)


# -- growth mid-stream -------------------------------------------------------------------
def test_new_class_mid_stream():
    model = threshold_tree(grace_period=100, delta=0.01)
    assert model.class_counts_.shape[1] == 2
    P = model.test_then_train_many([{"x": 20.0}] * 300, ["huge"] * 300, return_proba=True)
    assert model.classes_ == [False, True, "huge"]
    assert P[0, 2] == 0.0 and P[1, 2] > 0.0  # unknown at row 0, learned from row 1
    assert model.class_counts_.shape[1] == 3
    assert model.predict_one({"x": 20.0}) == "huge"


def test_new_feature_mid_stream_is_learned_and_split_on():
    rng = np.random.default_rng(2)
    model = HoeffdingTreeClassifier(grace_period=100, delta=0.01, leaf_prediction="mc")
    for i in range(3000):
        x = {"n0": float(rng.random()), "n1": float(rng.random())}
        y = bool(rng.random() < 0.5)
        if i >= 300:
            x["late"] = float(rng.random())
            y = x["late"] > 0.5
        model.learn_one(x, y)
    late = model.schema_.index("late")
    n = model.summary()["n_nodes"]
    assert late in model.feature_[:n].tolist()
    assert model.num_stats_.shape[1] == 3
    assert model.predict_one({"late": 0.9}) is True and model.predict_one({"late": 0.1}) is False


def test_new_category_after_a_multiway_split_follows_the_heaviest_branch():
    model = HoeffdingTreeClassifier(grace_period=50, leaf_prediction="mc")
    for i in range(150):  # tcp twice as often as udp
        proto = "udp" if i % 3 == 0 else "tcp"
        model.learn_one({"proto": proto}, proto == "tcp")
    assert model.kind_[0] == MULTIWAY and model.n_children_[0] == 2
    tcp = model.schema_.categories[0].index("tcp")
    assert model.missing_branch_[0] == tcp
    heavy = model.child_start_[0] + tcp
    before = model.class_counts_[heavy].copy()
    model.learn_one({"proto": "icmp"}, False)
    assert model.class_counts_[heavy].tolist() == [before[0] + 1, before[1]]  # False is code 1 here
    assert model.cat_width_[0] == 3  # the leaf statistics have room for the new category
    assert model.predict_one({"proto": "icmp"}) is True
    assert "proto = tcp (or missing/unseen)" in model.to_text()


def test_missing_values():
    model = threshold_tree()
    left = model.child_start_[0]
    before = model.class_counts_[left].tolist()
    # at the split node a missing value goes down the heavier (left) branch
    assert model.predict_one({}) is False and model.predict_one({"x": None}) is False
    model.learn_one({"x": float("nan")}, True)
    assert model.class_counts_[left].tolist() == [before[0], before[1] + 1]
    # ... and is skipped in the leaf statistics
    slot = model.slot_[left]
    assert model.num_stats_[slot, 0, :, WEIGHT].tolist() == [0.0, 0.0]
    root = HoeffdingTreeClassifier()
    root.learn_many(np.array([[1.0, np.nan], [2.0, 3.0], [np.nan, 4.0]]), ["a", "a", "b"])
    assert root.num_stats_[0, :, :, WEIGHT].tolist() == [[2.0, 0.0], [1.0, 1.0]]
    assert root.class_counts_[0].tolist() == [2.0, 1.0]


# -- memory bound and attribute removal ---------------------------------------------------
def test_memory_bound_deactivates_the_least_promising_leaves():
    rng = np.random.default_rng(4)
    X = rng.random((8000, 3))
    y = (np.floor(X[:, 0] * 4) + np.floor(X[:, 1] * 4)) % 2
    free = HoeffdingTreeClassifier(grace_period=50, delta=0.01).learn_many(X, y)
    bound = 0.004  # MiB
    model = HoeffdingTreeClassifier(grace_period=50, delta=0.01, max_size=bound).learn_many(X, y)
    s = model.summary()
    assert free.summary()["n_inactive_leaves"] == 0
    assert s["n_inactive_leaves"] > 0 and s["n_active_leaves"] > 0
    assert s["estimated_bytes"] <= bound * 2**20
    n = s["n_nodes"]
    leaves = np.flatnonzero(model.kind_[:n] == LEAF)
    inactive = leaves[model.slot_[leaves] < 0]
    assert len(inactive) == s["n_inactive_leaves"]
    # inactive leaves predict their class distribution (no naive Bayes)
    fp, ip = model._params()
    t = model._tree(model._is_cat())
    lv, out = np.empty(2), np.empty(2)
    for leaf in inactive[:5]:
        K.leaf_votes(t, int(leaf), X[0], fp, ip, lv, out, True)
        cc = model.class_counts_[leaf]
        np.testing.assert_allclose(out, cc / cc.sum())
    # enforcing now keeps the most promising leaves (weight their majority class gets wrong) active
    K.enforce_memory(t, fp, ip)
    promise = model.class_counts_[leaves].sum(axis=1) - model.class_counts_[leaves].max(axis=1)
    active = model.slot_[leaves] >= 0
    assert promise[~active].max() <= promise[active].min()
    # statistics slots are recycled: no more slots in use than leaves were ever active at once
    assert model.counters_[S_USED] <= free.counters_[S_USED]


def test_remove_poor_attributes():
    """a and b are identical (a tie, never split with tau=0); noise is far worse
    than the best by more than the bound, so the root stops tracking it."""
    rng = np.random.default_rng(5)
    model = HoeffdingTreeClassifier(tau=0.0, remove_poor_attributes=True)
    for i in range(400):
        x = float(i % 11)
        model.learn_one({"a": x, "b": x, "noise": float(rng.random())}, x >= 6)
    assert model.summary()["n_nodes"] == 1
    assert model.disabled_[0].tolist() == [False, False, True]
    model.learn_one({"a": 1.0, "b": 1.0, "noise": 0.5}, False)
    assert not model.num_stats_[0, 2].any()  # no longer observed
    assert model.num_stats_[0, 0, :, WEIGHT].sum() == 401


# -- export, persistence, parameters ---------------------------------------------------------
def test_to_text_and_to_dot():
    model = threshold_tree()
    assert model.to_text() == (
        "x <= 5.45455 (or missing)\n|   class False {False: 110}\nx > 5.45455\n|   class True {True: 90}"
    )
    assert model.to_dot() == "\n".join(
        [
            "digraph HoeffdingTree {",
            '  node [shape=box, fontname="Helvetica"];',
            '  n0 [label="x"];',
            '  n1 [label="class False {False: 110}", shape=ellipse];',
            '  n0 -> n1 [label="x <= 5.45455 (or missing)"];',
            '  n2 [label="class True {True: 90}", shape=ellipse];',
            '  n0 -> n2 [label="x > 5.45455"];',
            "}",
        ]
    )
    assert HoeffdingTreeClassifier().to_text() == "(empty tree)"


def test_summary():
    model = threshold_tree()
    s = model.summary()
    assert {k: s[k] for k in ("depth", "n_nodes", "n_leaves", "n_active_leaves", "n_inactive_leaves")} == {
        "depth": 1,
        "n_nodes": 3,
        "n_leaves": 2,
        "n_active_leaves": 2,
        "n_inactive_leaves": 0,
    }
    assert s["bytes"] == sum(a.nbytes for a in model._state().values() if isinstance(a, np.ndarray))
    assert HoeffdingTreeClassifier().summary()["n_nodes"] == 0


def test_save_load_continues_identically():
    rows, labels = messy_records()
    model = HoeffdingTreeClassifier(grace_period=20, delta=0.01)
    model.learn_many(rows[:450], labels[:450])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ht.npz")
        save(model, path)
        twin = load(path)
    assert digest(twin) == digest(model)
    assert twin.to_text() == model.to_text()
    pa = model.test_then_train_many(rows[450:], labels[450:], return_proba=True)
    pb = twin.test_then_train_many(rows[450:], labels[450:], return_proba=True)
    np.testing.assert_array_equal(pa, pb)
    assert digest(twin) == digest(model)


def test_batch_with_schema_and_categorical_codes():
    schema = Schema(["bytes", ("proto", "cat")], categories={"proto": ["tcp", "udp"]})
    X = np.array([[10.0, 0.0], [900.0, 1.0], [12.0, 0.0], [950.0, 1.0]] * 60)
    y = np.array(["ok", "bad", "ok", "bad"] * 60)
    model = HoeffdingTreeClassifier(grace_period=40).learn_many(X, y, schema=schema)
    assert model.predict_many(np.array([[11.0, 0.0], [990.0, 1.0]]), schema=schema).tolist() == ["ok", "bad"]


def test_bad_parameters():
    with pytest.raises(InvalidParameterError, match="'grace_period' parameter of HoeffdingTreeClassifier"):
        HoeffdingTreeClassifier(grace_period=-3)
    with pytest.raises(InvalidParameterError, match="'leaf_prediction'"):
        HoeffdingTreeClassifier(leaf_prediction="svm")
    with pytest.raises(InvalidParameterError, match="'delta'"):
        HoeffdingTreeClassifier(delta=1.5)
