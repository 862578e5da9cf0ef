"""Parquet reader: a round trip of a table written with pyarrow."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from streamlearn.base.errors import DataError
from streamlearn.streams import read_parquet


@pytest.fixture
def table():
    n = 5000
    i = np.arange(n)
    return pa.table(
        {
            "count": pa.array([None if k % 97 == 0 else int(k) for k in i], type=pa.int64()),
            "rate": pa.array(i / 10.0),
            "proto": pa.array(np.array(["tcp", "udp", "icmp"])[i % 3]),
            "flag": pa.array(np.array(["SF", "S0"])[i % 2]).dictionary_encode(),
            "urgent": pa.array(i % 5 == 0),
            "seen": pa.array([dt.datetime(2024, 1, 1) + dt.timedelta(seconds=int(k)) for k in i]),
            "attack": pa.array(np.array(["normal", "dos"])[(i // 7) % 2]),
        }
    )


def test_round_trip(tmp_path, table):
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=1234)
    ds = read_parquet(path, batch_size=1000)
    assert ds.n_rows == 5000 and ds.target == "attack"
    X, y, schema = ds.to_arrays()
    assert schema.names == ["count", "rate", "proto", "flag", "urgent", "seen"]
    assert schema.kinds == ["num", "num", "cat", "cat", "num", "num"]
    i = np.arange(5000)
    assert np.array_equal(X[:, 0], np.where(i % 97 == 0, np.nan, i), equal_nan=True)
    assert np.array_equal(X[:, 1], i / 10.0)
    assert schema.categories[2] == ["tcp", "udp", "icmp"]
    assert np.array_equal(X[:, 2], i % 3)
    assert schema.categories[3] == ["SF", "S0"]
    assert np.array_equal(X[:, 3], i % 2)
    assert np.array_equal(X[:, 4], (i % 5 == 0).astype(float))
    epoch = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    assert np.array_equal(X[:, 5], epoch + i)
    assert y.tolist() == np.array(["normal", "dos"])[(i // 7) % 2].tolist()
    assert [len(b) for b in ds][:2] == [1000, 1000]


def test_numeric_and_bool_targets_drop_and_no_target(tmp_path, table):
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    _, y, _ = read_parquet(path, target="count").to_arrays()
    assert math.isnan(y[0]) and y[1] == 1.0 and y.dtype == np.float64
    _, y, _ = read_parquet(path, target="urgent").to_arrays()
    assert y[:6].tolist() == [True, False, False, False, False, True]
    _X, y, schema = read_parquet(path, target=False, drop=["seen", "flag"]).to_arrays()
    assert y is None and schema.names == ["count", "rate", "proto", "urgent", "attack"]


def test_nested_columns_are_invalid_and_bad_files_raise(tmp_path):
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"v": pa.array([[1, 2], None]), "y": pa.array([1.0, 2.0])}), path)
    ds = read_parquet(path)
    X, _y, _ = ds.to_arrays()
    assert np.isnan(X).all() and ds.n_invalid == 1
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"bad\.parquet"):
        read_parquet(bad)
