import io
import json
import zipfile

import numpy as np
import pytest

import streamlearn
from streamlearn.base.errors import PersistenceError
from streamlearn.base.persistence import digest, load, save, to_manifest
from streamlearn.base.schema import Schema
from streamlearn.linear_model import LogisticRegression
from streamlearn.naive_bayes import GaussianNB
from streamlearn.preprocessing import OneHotEncoder, StandardScaler


def _stream(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.where(X[:, 0] + X[:, 1] > 0, "attack", "normal")
    return X, y


def test_round_trip_predicts_and_learns_identically(tmp_path):
    X, y = _stream()
    model = StandardScaler() | LogisticRegression(optimizer="adam")
    model.learn_many(X[:150], y[:150])
    save(model, tmp_path / "m.npz")
    twin = load(tmp_path / "m.npz")
    assert repr(twin) == repr(model)
    np.testing.assert_array_equal(twin.predict_proba_many(X[150:]), model.predict_proba_many(X[150:]))
    model.learn_many(X[150:], y[150:])
    twin.learn_many(X[150:], y[150:])
    assert digest(model) == digest(twin)


def test_digest_changes_with_learning_and_is_stable():
    X, y = _stream()
    a, b = GaussianNB(), GaussianNB()
    assert digest(a) == digest(b)
    a.learn_many(X, y)
    assert digest(a) != digest(b)
    b.learn_many(X, y)
    assert digest(a) == digest(b)


def test_manifest_is_json_and_arrays_are_numeric():
    model = OneHotEncoder() | GaussianNB()
    model.learn_one({"a": 1.0, "p": "tcp"}, "x")
    manifest, arrays = to_manifest(model)
    json.dumps(manifest)
    assert all(a.dtype.kind in "biufc" for a in arrays.values())
    assert manifest["model"]["__learner__"] == "pipeline"


def _rewrite(path, mutate):
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    mutate(files)
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)


def test_refuses_unknown_classes(tmp_path):
    path = tmp_path / "m.npz"
    save(GaussianNB(), path)

    def evil(files):
        m = json.loads(files["manifest.json"])
        m["model"]["__learner__"] = "os.system"
        files["manifest.json"] = json.dumps(m).encode()

    _rewrite(path, evil)
    with pytest.raises(PersistenceError, match="unknown learner class"):
        load(path)


def test_never_unpickles(tmp_path):
    path = tmp_path / "m.npz"
    model = GaussianNB().learn_one({"a": 1.0}, "x")
    save(model, path)

    def pickled(files):
        key = next(n for n in files if n.endswith(".npy"))
        buf = io.BytesIO()
        np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
        files[key] = buf.getvalue()

    _rewrite(path, pickled)
    with pytest.raises(PersistenceError):
        load(path)


def test_corrupt_and_missing_files(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(PersistenceError, match="not a streamlearn model file"):
        load(bad)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")
    with pytest.raises(TypeError):
        save("not a model", tmp_path / "x.npz")  # type: ignore[arg-type]


def test_schema_and_rng_state_survive(tmp_path):
    model = GaussianNB()
    model.learn_one({"a": 1.0, "p": "udp"}, True)
    model.rng_ = np.random.default_rng(3)  # any Generator in the state persists
    model.rng_.random()
    save(model, tmp_path / "m.npz")
    twin = load(tmp_path / "m.npz")
    assert isinstance(twin.schema_, Schema) and twin.schema_ == model.schema_
    assert twin.rng_.random() == model.rng_.random()


def test_public_api_reexports():
    assert streamlearn.save is save and streamlearn.load is load and streamlearn.digest is digest
