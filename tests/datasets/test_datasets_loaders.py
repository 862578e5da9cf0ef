"""Loaders over the shared data (counts from its README), the bundled demo, load() and data_dir()."""

from __future__ import annotations

import numpy as np
import pytest

from streamlearn import datasets
from streamlearn.base.errors import DataError, InvalidParameterError, UnknownNameError
from streamlearn.datasets.demo import SAMPLE, make_sample
from streamlearn.datasets.nsl_kdd import ATTACK_CATEGORY, FEATURES


@pytest.fixture(scope="module")
def shared():
    try:
        return datasets.data_dir()
    except DataError as e:
        pytest.skip(f"shared data sets not available: {e}")


def counts(y):
    values, n = np.unique(np.asarray(y).astype(str), return_counts=True)
    return dict(zip(values.tolist(), n.tolist(), strict=False))


def test_elec2(shared):
    ds = datasets.elec2()
    X, y, schema = ds.to_arrays()
    assert X.shape == (45312, 8) and ds.name == "elec2" and ds.target == "class"
    assert schema.names == [
        "date",
        "day",
        "period",
        "nswprice",
        "nswdemand",
        "vicprice",
        "vicdemand",
        "transfer",
    ]
    assert schema.kinds[1] == "cat" and schema.categories[1] == list("1234567")
    assert counts(y) == {"UP": 19237, "DOWN": 26075}
    assert np.isfinite(X).all()


@pytest.mark.parametrize(
    ("split", "rows", "normal", "dos", "probe", "r2l", "u2r", "distinct"),
    [
        ("train", 125_973, 67_343, 45_927, 11_656, 995, 52, 23),
        ("test", 22_544, 9_711, 7_458, 2_421, 2_887, 67, 38),
        ("test-21", 11_850, 2_152, 4_342, 2_402, 2_887, 67, 38),
    ],
)
def test_nsl_kdd_counts(shared, split, rows, normal, dos, probe, r2l, u2r, distinct):
    X, y, schema = datasets.nsl_kdd(split, labels="5class", batch_size=5000).to_arrays()
    assert X.shape == (rows, 41)
    assert schema.names == FEATURES
    assert [schema.names[j] for j in np.flatnonzero(schema.is_categorical())] == [
        "protocol_type",
        "service",
        "flag",
    ]
    assert counts(y) == {"normal": normal, "DoS": dos, "Probe": probe, "R2L": r2l, "U2R": u2r}
    _, yb, _ = datasets.nsl_kdd(split, batch_size=5000).to_arrays()
    assert yb.dtype == bool and int(yb.sum()) == rows - normal
    _, raw, _ = datasets.nsl_kdd(split, labels="raw", batch_size=5000).to_arrays()
    assert len(set(raw.tolist())) == distinct
    assert set(raw.tolist()) <= set(ATTACK_CATEGORY)  # every name in the files has a category


def test_nsl_kdd_values_and_order(shared):
    b = next(iter(datasets.nsl_kdd(labels="raw")))
    first = b.schema.record(b.X[0])
    # 0,tcp,ftp_data,SF,491,0,...,150,25,0.17,0.03,0.17,0.00,0.00,0.00,0.05,0.00,normal,20
    assert first["protocol_type"] == "tcp" and first["service"] == "ftp_data" and first["flag"] == "SF"
    assert first["src_bytes"] == 491.0 and first["dst_host_count"] == 150.0
    assert first["dst_host_rerror_rate"] == 0.05
    assert b.y[:3].tolist() == ["normal", "normal", "neptune"]


def test_nsl_kdd_bad_arguments():
    with pytest.raises(InvalidParameterError, match="split"):
        datasets.nsl_kdd("valid")
    with pytest.raises(InvalidParameterError, match="labels"):
        datasets.nsl_kdd(labels="multi")


def test_nab(shared):
    series = datasets.nab_series()
    assert len(series) == 58
    assert len(datasets.nab_series("realTraffic")) == 7
    ds = datasets.nab("realTraffic/speed_7578.csv")
    X, y, schema = ds.to_arrays()
    assert X.shape == (1127, 1) and schema.names == ["value"]
    assert X[:2, 0].tolist() == [73.0, 62.0]
    assert set(y.tolist()) == {0, 1} and ds.target == "anomaly"
    Xt, yt, schema_t = datasets.nab("realTraffic/speed_7578", timestamp=True).to_arrays()
    assert schema_t.names == ["timestamp", "value"]
    assert Xt[0, 0] == 1441712340.0  # 2015-09-08 11:39:00 UTC
    # labels are exactly the points inside the windows
    for start, end in ds.windows:
        assert (yt[(Xt[:, 0] >= start) & (Xt[:, 0] <= end)] == 1).all()
    assert int(yt.sum()) == sum(int(((Xt[:, 0] >= s) & (Xt[:, 0] <= e)).sum()) for s, e in ds.windows)
    _, y0, _ = datasets.nab("artificialNoAnomaly/art_flatline.csv").to_arrays()
    assert y0.sum() == 0
    with pytest.raises(UnknownNameError, match="realTraffic"):
        datasets.nab("realTraffic/nope.csv")
    with pytest.raises(UnknownNameError, match="Categories"):
        datasets.nab_series("nope")


@pytest.mark.slow
def test_nab_total_points(shared):
    total = sum(len(datasets.nab(s).to_arrays()[0]) for s in datasets.nab_series())
    assert total == 365_558


def test_demo_is_bundled_and_binary():
    assert SAMPLE.exists() and SAMPLE.stat().st_size < 400_000
    ds = datasets.demo()
    X, y, schema = ds.to_arrays()
    assert X.shape == (20_996, 41) and schema.names == FEATURES
    assert y.dtype == bool and counts(y) == {"False": 11_261, "True": 9_735}
    _, raw, _ = datasets.demo(labels="raw").to_arrays()
    assert raw[:2].tolist() == ["normal", "neptune"]
    assert ds.bad_rows == 0 and ds.n_invalid == 0


def test_demo_sample_is_every_sixth_training_row(shared, tmp_path):
    dest = tmp_path / "sample.csv.gz"
    n = make_sample(shared / "nsl-kdd" / "KDDTrain+.txt.gz", dest)
    assert n == 20_996
    assert dest.read_bytes() == SAMPLE.read_bytes()  # reproducible byte for byte
    Xs, ys, _ = datasets.demo(labels="raw").to_arrays()
    Xt, yt, st = datasets.nsl_kdd(labels="raw", batch_size=10_000).to_arrays()
    assert ys.tolist() == yt[::6].tolist()
    num = ~st.is_categorical()
    assert np.array_equal(Xs[:, num], Xt[::6][:, num])


def test_load_names_and_paths(tmp_path):
    ds = datasets.load("sea:1000", seed=3, batch_size=300)
    assert ds.n_rows == 1000 and [len(b) for b in ds] == [300, 300, 300, 100]
    assert datasets.load("SEA").n_rows == 100_000
    assert datasets.load("rbf:1_000").n_rows == 1000
    assert datasets.load("agrawal:2e3", function=3).function == 3
    assert datasets.load("demo", batch_size=5000).batch_size == 5000
    p = tmp_path / "f.csv"
    p.write_text("a,b\n1,x\n")
    assert datasets.load(str(p), target="a").target == "a"
    assert datasets.load(p).target == "b"
    with pytest.raises(UnknownNameError, match="Known names: elec2, nsl-kdd"):
        datasets.load("kdd99")
    with pytest.raises(DataError, match="does not exist"):
        datasets.load(str(tmp_path / "missing.csv"))
    with pytest.raises(InvalidParameterError, match="row count"):
        datasets.load("sea:lots")
    with pytest.raises(InvalidParameterError, match="applies to files"):
        datasets.load("demo", target="flag")
    assert "nab:<category>/<file>" in datasets.names()


def test_load_real_names(shared):
    assert datasets.load("nsl-kdd-5").name == "nsl-kdd"
    assert datasets.load("nsl-kdd-test").name == "nsl-kdd-test"
    assert datasets.load("nab:realTraffic/speed_7578.csv").name == "nab:realTraffic/speed_7578.csv"
    assert datasets.load("elec2", target="class").target == "class"


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("STREAMLEARN_DATA", str(tmp_path))
    assert datasets.data_dir() == tmp_path
    with pytest.raises(DataError, match=r"elec2/elecNormNew\.arff.*STREAMLEARN_DATA"):
        datasets.elec2()
    monkeypatch.setenv("STREAMLEARN_DATA", str(tmp_path / "nope"))
    with pytest.raises(DataError, match="STREAMLEARN_DATA"):
        datasets.data_dir()


def test_data_dir_not_found(tmp_path, monkeypatch):
    monkeypatch.delenv("STREAMLEARN_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("streamlearn.datasets.base._candidates", lambda: [tmp_path / "x"])
    with pytest.raises(DataError, match="Set the STREAMLEARN_DATA"):
        datasets.data_dir()
