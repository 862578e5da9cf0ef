"""ARFF reader: header parsing, nominal categories in declared order, missing values, errors."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from streamlearn.base.errors import DataError
from streamlearn.streams import read_arff

ARFF = """% Title: toy
% a second comment
@RELATION 'toy data'

@ATTRIBUTE 'packet size' NUMERIC
@attribute proto {udp, tcp, 'icmp v6'}
@Attribute count integer
@attribute note string
@attribute class {normal,attack}

@DATA
% a comment in the data
100, tcp, 3, 'hello world' , attack
?, udp, 4, plain, normal

250.5,'icmp v6',?,?,?
7, ?, 1, plain, normal
"""


def write(tmp_path, text, name="toy.arff"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_header_kinds_and_declared_category_order(tmp_path):
    ds = read_arff(write(tmp_path, ARFF))
    assert ds.relation == "toy data"
    assert [a.name for a in ds.attributes] == ["packet size", "proto", "count", "note", "class"]
    assert ds.target == "class"
    X, y, schema = ds.to_arrays()
    assert schema.names == ["packet size", "proto", "count", "note"]
    assert schema.kinds == ["num", "cat", "num", "cat"]
    # declared order, not order of appearance (tcp appears first in the data)
    assert schema.categories[1] == ["udp", "tcp", "icmp v6"]
    expected = [
        [100.0, 1.0, 3.0, 0.0],
        [math.nan, 0.0, 4.0, 1.0],
        [250.5, 2.0, math.nan, math.nan],
        [7.0, math.nan, 1.0, 1.0],
    ]
    assert np.array_equal(X, np.array(expected), equal_nan=True)
    assert schema.categories[3] == ["hello world", "plain"]
    assert y.tolist() == ["attack", "normal", None, "normal"]
    assert ds.bad_rows == 0 and ds.n_invalid == 0


def test_target_choice_and_numeric_target(tmp_path):
    p = write(tmp_path, ARFF)
    _X, y, schema = read_arff(p, target="packet size").to_arrays()
    assert np.array_equal(y, [100.0, math.nan, 250.5, 7.0], equal_nan=True)
    assert schema.names == ["proto", "count", "note", "class"]
    assert schema.categories[3] == ["normal", "attack"]
    _, y2, _ = read_arff(p, target=1).to_arrays()
    assert y2.tolist() == ["tcp", "udp", "icmp v6", None]
    _, y3, schema3 = read_arff(p, target=False).to_arrays()
    assert y3 is None and len(schema3.names) == 5


def test_wrong_value_counts_are_skipped_and_counted(tmp_path):
    text = "@relation r\n@attribute a numeric\n@attribute b {x,y}\n@data\n1,x\n2\n3,y\n4,x,extra\n5,y\n"
    ds = read_arff(write(tmp_path, text))
    X, y, _ = ds.to_arrays()
    assert X[:, 0].tolist() == [1.0, 3.0, 5.0]
    assert y.tolist() == ["x", "y", "y"]
    assert ds.bad_rows == 2
    assert ds.bad_row_examples[0] == "data row 2: expected 2 values, got 1"


def test_unparsable_numbers_are_invalid(tmp_path):
    text = "@relation r\n@attribute a real\n@attribute c {p,q}\n@data\n1.5,p\nabc,q\n2,p\n"
    ds = read_arff(write(tmp_path, text))
    X, _, _ = ds.to_arrays()
    assert np.array_equal(X[:, 0], [1.5, math.nan, 2.0], equal_nan=True)
    assert ds.n_invalid == 1


def test_values_outside_the_declaration_are_appended(tmp_path):
    text = "@relation r\n@attribute c {a,b}\n@attribute y numeric\n@data\nb,1\nz,2\n"
    X, _, schema = read_arff(write(tmp_path, text)).to_arrays()
    assert schema.categories[0] == ["a", "b", "z"]
    assert X[:, 0].tolist() == [1.0, 2.0]


def test_gzip_and_no_trailing_newline(tmp_path):
    text = ARFF.rstrip("\n")
    p = tmp_path / "toy.arff.gz"
    p.write_bytes(gzip.compress(text.encode()))
    X, y, _ = read_arff(p).to_arrays()
    X2, y2, _ = read_arff(write(tmp_path, ARFF)).to_arrays()
    assert np.array_equal(X, X2, equal_nan=True) and y.tolist() == y2.tolist()
    assert read_arff(p).name == "toy"


def test_many_rows_across_blocks(tmp_path):
    rows = "".join(f"{i},{'ab'[i % 2]}\n" for i in range(120_000))
    p = write(tmp_path, "@relation r\n@attribute a numeric\n@attribute c {a,b}\n@data\n" + rows)
    ds = read_arff(p, batch_size=5000)
    X, y, _ = ds.to_arrays()
    assert np.array_equal(X[:, 0], np.arange(120_000.0))
    assert y[:4].tolist() == ["a", "b", "a", "b"] and len(y) == 120_000


def test_sparse_arff_is_a_clear_error(tmp_path):
    text = "@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n{0 1.5, 1 2}\n"
    with pytest.raises(DataError, match="sparse ARFF"):
        list(read_arff(write(tmp_path, text)))


def test_header_errors(tmp_path):
    with pytest.raises(DataError, match="no @data"):
        read_arff(write(tmp_path, "@relation r\n@attribute a numeric\n", "a.arff"))
    with pytest.raises(DataError, match="not an ARFF file"):
        read_arff(write(tmp_path, "a,b\n1,2\n", "b.arff"))
    with pytest.raises(DataError, match="relational"):
        read_arff(write(tmp_path, "@relation r\n@attribute bag relational\n@data\n", "c.arff"))
    with pytest.raises(DataError, match="does not exist"):
        read_arff(tmp_path / "missing.arff")
    with pytest.raises(DataError, match="empty"):
        read_arff(write(tmp_path, "", "e.arff"))


def test_elec2_file(shared_data):
    ds = read_arff(shared_data / "elec2" / "elecNormNew.arff", target="class")
    X, y, schema = ds.to_arrays()
    assert X.shape == (45312, 8)
    assert schema.categories[schema.index("day")] == [str(d) for d in range(1, 8)]
    values, counts = np.unique(y.astype(str), return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist(), strict=False)) == {"UP": 19237, "DOWN": 26075}
    assert ds.bad_rows == 0 and ds.n_invalid == 0
