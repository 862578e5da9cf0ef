"""The label store, runtime state encoding and atomic checkpoints (with a failing disk)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from streamlearn.base.errors import PersistenceError
from streamlearn.base.persistence import digest
from streamlearn.metrics import F1, ROCAUC, Accuracy, LogLoss, Rolling
from streamlearn.naive_bayes import GaussianNB
from streamlearn.runtime import checkpoint as ckpt_module
from streamlearn.runtime.checkpoint import CheckpointStore
from streamlearn.runtime.join import LabelJoin
from streamlearn.runtime.state import decode, encode


def test_join_keeps_rows_until_their_label_and_counts_evictions_and_replacements():
    j = LabelJoin(max_pending=3)
    X = np.arange(8.0).reshape(4, 2)
    P = np.array([[0.1], [0.2], [0.3], [0.4]])
    j.add(["a", "b", "a", "c"], X, P, np.zeros(4))
    assert j.replaced == 1 and sorted(j.index) == ["a", "b", "c"]
    Xa, Pa, _, found = j.pop(["a", "zz", "b"])
    assert found.tolist() == [True, False, True]
    assert Xa.tolist() == [[4.0, 5.0], [2.0, 3.0]] and Pa[:, 0].tolist() == [0.3, 0.2]
    j.add(["d", "e", "f"], X[:3], P[:3], np.zeros(3))  # c, d, e fit; f evicts the oldest (c)
    assert j.evicted == 1 and "c" not in j and len(j) == 3


def test_join_grows_width_and_classes_and_expires_by_time():
    j = LabelJoin(ttl_seconds=10)
    j.add(["a"], np.array([[1.0]]), np.array([[0.6, 0.4]]), np.array([100.0]))
    j.add(["b"], np.array([[1.0, 2.0]]), np.array([[0.1, 0.2, 0.7]]), np.array([105.0]))
    X, P, _, _ = j.pop(["a"])
    assert np.isnan(X[0, 1]) and P[0].tolist() == [0.6, 0.4, 0.0]
    j.add_label("early", True, 100.0)
    assert j.expire(112.0) == 0 and j.orphan_labels == 1  # b (105) lives; the early label expired
    assert j.expire(116.0) == 1 and j.expired == 1 and len(j) == 0


def test_join_state_round_trips_through_json_and_arrays():
    j = LabelJoin(max_pending=10, ttl_seconds=5)
    j.add([1, "two", 3.5], np.eye(3), np.ones((3, 2)), np.array([1.0, 2.0, 3.0]))
    j.add_label(("t", 1), "lab", 4.0)
    j.evicted = 7
    arrays: dict[str, np.ndarray] = {}
    tree = json.loads(json.dumps(encode(j.state(), arrays)))
    twin = LabelJoin(max_pending=10, ttl_seconds=5)
    twin.set_state(decode(tree, arrays))
    assert list(twin.index) == [1, "two", 3.5] and twin.evicted == 7
    assert twin.pop_label(("t", 1)) == ("lab", 4.0)
    X, _, t, _ = twin.pop(["two"])
    assert X.tolist() == [[0.0, 1.0, 0.0]] and t.tolist() == [2.0]


@pytest.mark.parametrize(
    "metric",
    [Accuracy(), F1(), LogLoss(), ROCAUC(), Rolling(F1(), 4), Rolling(LogLoss(), 3)],
    ids=lambda m: m.name,
)
def test_metric_state_round_trip_continues_identically(metric):
    rng = np.random.default_rng(1)
    y = rng.random(30) < 0.4
    P = rng.random((30, 2))
    P /= P.sum(axis=1, keepdims=True)
    a, b = metric.clone(), metric.clone()
    a.update_many(y[:17], proba=P[:17], classes=[False, True])
    arrays: dict[str, np.ndarray] = {}
    tree = json.loads(json.dumps(encode(a._state(), arrays)))
    b._set_state(decode(tree, arrays))
    a.update_many(y[17:], proba=P[17:], classes=[False, True])
    b.update_many(y[17:], proba=P[17:], classes=[False, True])
    assert a.get() == b.get()


def test_encode_copies_live_arrays():
    live = np.zeros(3)
    arrays: dict[str, np.ndarray] = {}
    tree = encode({"w": live}, arrays)
    live += 1
    assert decode(tree, arrays)["w"].tolist() == [0.0, 0.0, 0.0]


def _model(n):
    m = GaussianNB()
    for i in range(n):
        m.learn_one({"a": float(i)}, i % 2)
    return m


def test_checkpoints_are_atomic_keep_the_previous_one_and_prune(tmp_path):
    store = CheckpointStore(tmp_path / "ck")
    for i in range(1, 5):
        assert store.save({"sources": {"main": {"pos": i}}}, _model(i + 1), {"x": np.arange(i)}) == i
    cp = store.load()
    assert (
        cp.epoch == 4
        and cp.manifest["sources"]["main"]["pos"] == 4
        and cp.arrays["x"].tolist() == [0, 1, 2, 3]
    )
    assert digest(cp.model) == digest(_model(5))
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["000003", "000004", "CURRENT"]


@pytest.mark.parametrize("fail_at", ["model", "state", "manifest", "rename", "pointer"])
def test_a_failing_disk_during_a_checkpoint_leaves_the_previous_one_in_use(tmp_path, monkeypatch, fail_at):
    store = CheckpointStore(tmp_path / "ck")
    store.save({"sources": {"main": {"pos": 1}}}, _model(3), {})
    real_write, real_replace, real_save = ckpt_module._write, os.replace, ckpt_module.save_model

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    if fail_at == "model":
        monkeypatch.setattr(ckpt_module, "save_model", boom)
    elif fail_at == "state":
        monkeypatch.setattr(ckpt_module.np, "savez", boom)
    elif fail_at == "manifest":
        monkeypatch.setattr(
            ckpt_module, "_write", lambda p, d: boom() if p.name == "manifest.json" else real_write(p, d)
        )
    elif fail_at == "rename":
        monkeypatch.setattr(
            ckpt_module.os, "replace", lambda a, b: boom() if "tmp-" in str(a) else real_replace(a, b)
        )
    else:
        monkeypatch.setattr(
            ckpt_module, "_write", lambda p, d: boom() if "CURRENT" in p.name else real_write(p, d)
        )
    with pytest.raises(OSError):
        store.save({"sources": {"main": {"pos": 2}}}, _model(9), {})
    monkeypatch.setattr(ckpt_module, "_write", real_write)
    monkeypatch.setattr(ckpt_module.os, "replace", real_replace)
    monkeypatch.setattr(ckpt_module, "save_model", real_save)
    cp = store.load()
    assert (
        cp.epoch == 1 and cp.manifest["sources"]["main"]["pos"] == 1 and digest(cp.model) == digest(_model(3))
    )
    monkeypatch.undo()
    assert store.save({"sources": {"main": {"pos": 3}}}, _model(4), {}) == 2  # the next one works
    assert store.load().manifest["sources"]["main"]["pos"] == 3


def test_damaged_checkpoint_directory_is_reported(tmp_path):
    store = CheckpointStore(tmp_path / "ck")
    assert store.load() is None
    store.save({}, _model(2), {})
    (tmp_path / "ck" / "CURRENT").unlink()
    with pytest.raises(PersistenceError, match="no CURRENT"):
        store.load()
    (tmp_path / "ck" / "CURRENT").write_text("garbage")
    with pytest.raises(PersistenceError, match="corrupt"):
        store.load()
