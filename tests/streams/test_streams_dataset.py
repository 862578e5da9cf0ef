"""Dataset behaviour (re-chunking, take, map_target, to_arrays) and the read() dispatcher."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams import ArrayDataset, read
from streamlearn.streams.dataset import _rechunk
from streamlearn.streams.read import file_format


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 40), min_size=0, max_size=8),
    batch=st.integers(1, 30),
    widths=st.booleans(),
)
def test_rechunk_keeps_every_row_in_order(sizes, batch, widths):
    blocks, start = [], 0
    for k, n in enumerate(sizes):
        w = 2 + (k if widths else 0)  # growing width when ``widths``
        X = np.full((n, w), np.nan)
        X[:, 0] = np.arange(start, start + n)
        blocks.append((X, np.arange(start, start + n)))
        start += n
    out = list(_rechunk(blocks, batch))
    assert all(len(X) == batch for X, _ in out[:-1])
    assert not out or 0 < len(out[-1][0]) <= batch
    rows = np.concatenate([X[:, 0] for X, _ in out]) if out else np.empty(0)
    assert rows.tolist() == list(range(start))
    ys = np.concatenate([y for _, y in out]) if out else np.empty(0)
    assert ys.tolist() == list(range(start))


def test_array_dataset_take_map_target_batch_size():
    X = np.arange(20.0).reshape(10, 2)
    ds = ArrayDataset(X, np.arange(10) % 3, batch_size=4)
    assert [len(b) for b in ds] == [4, 4, 2] and ds.n_rows == 10
    t = ds.take(5)
    assert [len(b) for b in t] == [4, 1] and t.n_rows == 5
    assert t.take(9).n_rows == 5  # takes compose
    m = ds.map_target(lambda y: y == 0, name="zero")
    assert m.name == "zero"
    assert m.to_arrays()[1].tolist() == [True, False, False] * 3 + [True]
    assert ds.to_arrays()[1].tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]  # original unchanged
    b7 = ds.with_batch_size(7)
    assert [len(b) for b in b7] == [7, 3]
    assert ds.take(0).to_arrays()[0].shape == (0, 2)
    with pytest.raises(InvalidParameterError):
        ds.take(-1)
    with pytest.raises(InvalidParameterError, match="batch_size"):
        ds.with_batch_size(0)


def test_records_decode_categories():
    from streamlearn.base.schema import CAT, Schema

    schema = Schema(["n", ("c", CAT)], categories={"c": ["a", "b"]})
    ds = ArrayDataset(np.array([[1.0, 1.0], [np.nan, 0.0]]), ["u", "v"], schema=schema)
    assert list(ds.records()) == [({"n": 1.0, "c": "b"}, "u"), ({"c": "a"}, "v")]


def test_read_dispatches_by_extension(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\n1,a\n2,b\n")
    (tmp_path / "a.tsv").write_text("x\ty\n1\ta\n2\tb\n")
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(b"x,y\n1,a\n2,b\n"))
    (tmp_path / "a.arff").write_text(
        "@relation r\n@attribute x numeric\n@attribute y {a,b}\n@data\n1,a\n2,b\n"
    )
    (tmp_path / "a.ndjson.gz").write_bytes(
        gzip.compress(("\n".join(json.dumps({"x": i, "y": "ab"[i - 1]}) for i in (1, 2)) + "\n").encode())
    )
    pq.write_table(pa.table({"x": [1, 2], "y": ["a", "b"]}), tmp_path / "a.parquet")
    for name in ("a.csv", "a.tsv", "a.csv.gz", "a.arff", "a.ndjson.gz", "a.parquet"):
        X, y, schema = read(tmp_path / name, batch_size=1).to_arrays()
        assert X.tolist() == [[1.0], [2.0]], name
        assert y.tolist() == ["a", "b"], name
        assert schema.names == ["x"], name


def test_read_unknown_extension_and_format_override(tmp_path):
    p = tmp_path / "data.weird"
    p.write_text("x,y\n1,2\n")
    with pytest.raises(DataError, match="format="):
        read(p)
    assert read(p, format="csv").to_arrays()[1].tolist() == [2.0]
    assert file_format("a.parquet.gz") is None
    assert file_format("A.ARFF.GZ") == "arff"
