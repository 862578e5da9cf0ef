"""Column conversion helpers shared by the readers and the runtime's parser (``streams._columns``)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.streams import read_csv, read_parquet
from streamlearn.streams._columns import (
    NUMBER_REGEX,
    as_array,
    categorical_column,
    label_column,
    numeric_column,
    python_numbers,
    temporal_seconds,
)


def test_infinity_without_missing_values_becomes_nan_and_is_counted():
    # no null: Arrow hands NumPy a read-only view of its memory; the infinities must not be
    # written into it (this raised "assignment destination is read-only")
    arr = pa.array([1.0, math.inf, -math.inf, 2.0])
    s = Schema([("n", NUM)])
    x = numeric_column(arr, s)
    assert np.array_equal(x, [1.0, np.nan, np.nan, 2.0], equal_nan=True) and s.n_invalid == 2
    assert arr.to_pylist() == [1.0, math.inf, -math.inf, 2.0]  # the Arrow data is left alone
    s = Schema([("n", NUM)])
    x = numeric_column(pa.array(["1", "inf", "-Infinity"]), s)  # text cast straight to float64
    assert np.array_equal(x, [1.0, np.nan, np.nan], equal_nan=True) and s.n_invalid == 2


def test_readers_turn_infinity_into_missing(tmp_path):
    path = tmp_path / "inf.csv"
    path.write_text("a,b\n1,x\ninf,y\n2,z\n")
    ds = read_csv(path, target="b")
    X = np.vstack([b.X for b in ds])
    assert np.array_equal(X[:, 0], [1.0, np.nan, 2.0], equal_nan=True) and ds.schema.n_invalid == 1
    pq.write_table(pa.table({"a": [1.0, math.inf], "b": ["x", "y"]}), tmp_path / "inf.parquet")
    ds = read_parquet(tmp_path / "inf.parquet", target="b")
    X = np.vstack([b.X for b in ds])
    assert np.array_equal(X[:, 0], [1.0, np.nan], equal_nan=True) and ds.schema.n_invalid == 1


def test_helpers_the_runtime_parser_shares():
    chunked = pa.chunked_array([[1, 2], [3]])
    assert as_array(chunked).to_pylist() == [1, 2, 3] and isinstance(as_array(chunked), pa.Array)
    assert python_numbers(["1.5", None, "x", "2e3"]).tolist()[::3] == [1.5, 2000.0]
    assert np.isnan(python_numbers(["1.5", None, "x"])[1:]).all()
    days = pa.array([0, 1], pa.date32())
    assert temporal_seconds(days).tolist() == [0.0, 86400.0]
    ms = pa.array([1500, None], pa.timestamp("ms"))
    assert np.array_equal(temporal_seconds(ms), [1.5, np.nan], equal_nan=True)
    s = Schema([("c", CAT)])
    codes = categorical_column(pa.array(["udp", None, "tcp", "udp"]).dictionary_encode(), s, 0)
    assert np.array_equal(codes, [0.0, np.nan, 1.0, 0.0], equal_nan=True) and s.categories[0] == [
        "udp",
        "tcp",
    ]
    assert label_column(pa.array(["a", None, "b"]).dictionary_encode()).tolist() == ["a", None, "b"]
    assert label_column(pa.array([1, None, 0])).tolist() == [1, None, 0]
    assert pa.compute.match_substring_regex(
        pa.array(["-1.5e3", "inf", "1.2.3"]), NUMBER_REGEX
    ).to_pylist() == [
        True,
        True,
        False,
    ]
