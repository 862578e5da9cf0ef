"""CSV reader: dialects, header inference, kinds, missing/invalid values, bad rows, errors."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams import read_csv
from streamlearn.streams.csv_reader import has_header, sniff_delimiter


def write(tmp_path, name, content, mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(content)
    else:
        with open(p, "w", newline="", encoding="utf-8") as f:
            f.write(content)
    return p


def arrays(ds):
    X, y, schema = ds.to_arrays()
    return X, (None if y is None else y.tolist()), schema


def nan_equal(a, b):
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


def test_bom_crlf_header_and_default_target(tmp_path):
    p = write(tmp_path, "a.csv", b"\xef\xbb\xbfsize,proto,label\r\n10,tcp,ok\r\n20.5,udp,bad\r\n", mode="wb")
    X, y, schema = arrays(read_csv(p))
    assert schema.names == ["size", "proto"]  # BOM not part of the first name
    assert schema.kinds == ["num", "cat"]
    assert X.tolist() == [[10.0, 0.0], [20.5, 1.0]]
    assert y == ["ok", "bad"]
    assert schema.categories[1] == ["tcp", "udp"]


@pytest.mark.parametrize("sep", [";", "\t", "|", ","])
def test_delimiter_is_sniffed(tmp_path, sep):
    rows = [["a", "b", "c"], ["1", "x", "2.5"], ["3", "y", "4"]]
    p = write(tmp_path, "d.csv", "\n".join(sep.join(r) for r in rows) + "\n")
    ds = read_csv(p, target="c")
    assert ds.delimiter == sep
    X, y, schema = arrays(ds)
    assert schema.names == ["a", "b"]
    assert X.tolist() == [[1.0, 0.0], [3.0, 1.0]]
    assert y == [2.5, 4.0]


def test_semicolon_with_decimal_commas_is_not_mistaken_for_comma():
    assert sniff_delimiter(["a;b;c", "1,5;2,5;3", "4;5;6,1"]) == ";"


def test_given_delimiter_wins(tmp_path):
    p = write(tmp_path, "d.txt", "a;b,c\n1;2,3\n")
    ds = read_csv(p, delimiter=",", target=False)
    assert ds.columns == ["a;b", "c"]


def test_quoted_fields(tmp_path):
    p = write(tmp_path, "q.csv", 'name,n,label\n"a, b",1,"say ""hi"""\n"plain",2,x\n')
    X, y, schema = arrays(read_csv(p))
    assert schema.categories[0] == ["a, b", "plain"]
    assert y == ['say "hi"', "x"]
    assert X[:, 1].tolist() == [1.0, 2.0]


def test_no_header_names_are_positions(tmp_path):
    p = write(tmp_path, "n.csv", "0,tcp,1.5,normal\n2,udp,3,attack\n")
    ds = read_csv(p)
    assert ds.header is False
    X, y, schema = arrays(ds)
    assert schema.names == [0, 1, 2]
    assert y == ["normal", "attack"]
    assert X.tolist() == [[0.0, 0.0, 1.5], [2.0, 1.0, 3.0]]


def test_no_header_with_names_and_forced_header_false(tmp_path):
    p = write(tmp_path, "n.csv", "x,y,z\nu,v,w\n")  # all text: a header would be guessed
    assert read_csv(p).header is True
    ds = read_csv(p, header=False, names=["a", "b", "c"], target="a")
    _X, y, schema = arrays(ds)
    assert schema.names == ["b", "c"]
    assert y == ["x", "u"]
    with pytest.raises(DataError, match="names= gives 2 names"):
        read_csv(p, header=False, names=["a", "b"])


def test_header_inference():
    assert has_header([["a", "b"], ["1", "2"]])
    assert not has_header([["1", "a"], ["2", "b"]])
    assert not has_header([["tcp", "SF"], ["udp", "SF"], ["tcp", "S0"]])  # values recur below
    assert has_header([["proto", "flag"], ["tcp", "SF"], ["udp", "S0"]])
    assert not has_header([["a", ""], ["b", "c"]])  # an empty name: data


def test_blank_lines_are_skipped_not_counted(tmp_path):
    p = write(tmp_path, "b.csv", "\n\na,b\n1,2\n\n\n3,4\n\n")
    ds = read_csv(p)
    X, y, _ = arrays(ds)
    assert X.tolist() == [[1.0], [3.0]]
    assert y == [2.0, 4.0]
    assert ds.bad_rows == 0


def test_ragged_rows_are_skipped_and_counted(tmp_path):
    p = write(tmp_path, "r.csv", "a,b,c\n1,2,x\n3,4\n5,6,y\n7,8,z,extra\n9,10,w\n")
    ds = read_csv(p)
    X, y, _ = arrays(ds)
    assert X.tolist() == [[1.0, 2.0], [5.0, 6.0], [9.0, 10.0]]
    assert y == ["x", "y", "w"]
    assert ds.bad_rows == 2
    assert ds.bad_row_examples == ["row 3: expected 3 fields, got 2", "row 5: expected 3 fields, got 4"]
    # the counters describe the latest iteration only
    list(ds)
    assert ds.bad_rows == 2


def test_missing_tokens_are_nan_and_not_invalid(tmp_path):
    p = write(tmp_path, "m.csv", "a,b,c\n1,?,x\nNA,2,\nnan,,?\n4,5,y\n")
    ds = read_csv(p, target=False)
    X, _, schema = arrays(ds)
    assert schema.kinds == ["num", "num", "cat"]
    assert nan_equal(
        X, [[1, math.nan, 0], [math.nan, 2, math.nan], [math.nan, math.nan, math.nan], [4, 5, 1]]
    )
    assert ds.n_invalid == 0


def test_text_in_numeric_column_after_first_block_is_nan_and_counted(tmp_path):
    # the first Arrow block (1 MB) is numeric only; "abc" and "inf" come later
    n = 150_000
    lines = ["value,label"] + [f"{i % 1000}.25,{'a' if i % 2 else 'b'}" for i in range(n)]
    lines += ["abc,a", "inf,b", " 7 ,a", "8,b"]
    p = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    assert p.stat().st_size > 1 << 20
    ds = read_csv(p, batch_size=4096)
    X, y, schema = arrays(ds)
    assert schema.kinds == ["num"]
    assert len(X) == n + 4
    assert X[0, 0] == 0.25 and X[n - 1, 0] == (n - 1) % 1000 + 0.25
    assert nan_equal(X[-4:, 0], [math.nan, math.nan, 7.0, 8.0])
    assert ds.n_invalid == 2
    assert y[-4:] == ["a", "b", "a", "b"]


def test_text_in_first_block_makes_column_categorical_unless_forced(tmp_path):
    p = write(tmp_path, "t.csv", "a,b\n1,x\nabc,y\n3,z\n")
    _, _, schema = arrays(read_csv(p, target=False))
    assert schema.kinds == ["cat", "cat"]
    ds = read_csv(p, target=False, numeric=["a"], categorical=[0 + 1])
    X, _, schema = arrays(ds)
    assert schema.kinds == ["num", "cat"]
    assert nan_equal(X[:, 0], [1, math.nan, 3])
    assert ds.n_invalid == 1


def test_categorical_override_keeps_numbers_as_text(tmp_path):
    p = write(tmp_path, "c.csv", "port,y\n80,1\n443,0\n80,1\n")
    X, y, schema = arrays(read_csv(p, categorical=["port", "y"]))
    assert schema.categories[0] == ["80", "443"]
    assert X[:, 0].tolist() == [0.0, 1.0, 0.0]
    assert y == ["1", "0", "1"]


def test_target_by_name_index_none_and_missing_values(tmp_path):
    p = write(tmp_path, "t.csv", "y,a,b\n1.5,2,x\n?,3,y\n,4,x\n")
    _X, y, schema = arrays(read_csv(p, target="y"))
    assert schema.names == ["a", "b"]
    assert nan_equal(y, [1.5, math.nan, math.nan])
    _, y2, _ = arrays(read_csv(p, target=0))
    assert nan_equal(y2, y)
    _, y3, schema3 = arrays(read_csv(p, target=-1))
    assert y3 == ["x", "y", "x"] and schema3.names == ["y", "a"]
    _, y4, schema4 = arrays(read_csv(p, target=False))
    assert y4 is None and schema4.names == ["y", "a", "b"]
    p2 = write(tmp_path, "t2.csv", "a,label\n1,x\n2,?\n3,\n")
    _, y5, _ = arrays(read_csv(p2))
    assert y5 == ["x", None, None]


def test_unknown_target_or_drop_names_the_columns(tmp_path):
    p = write(tmp_path, "t.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match=r"No column 'c'.*'a', 'b'"):
        read_csv(p, target="c")
    with pytest.raises(DataError, match="drop"):
        read_csv(p, drop=["zz"])


def test_drop_columns(tmp_path):
    p = write(tmp_path, "d.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n")
    X, y, schema = arrays(read_csv(p, drop=["b", 3]))
    assert schema.names == ["a"]
    assert X.tolist() == [[1.0], [5.0]]
    assert y == [3.0, 7.0]  # last kept column is the target


def test_gzip_equals_plain(tmp_path):
    text = "a,b,label\n" + "".join(f"{i},{i % 3},{'x' if i % 2 else 'y'}\n" for i in range(2000))
    plain = write(tmp_path, "p.csv", text)
    gz = tmp_path / "p.csv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    X1, y1, s1 = arrays(read_csv(plain))
    X2, y2, s2 = arrays(read_csv(gz))
    assert np.array_equal(X1, X2) and y1 == y2 and s1 == s2
    assert read_csv(gz).name == "p"


def test_batches_are_independent_of_batch_size_and_share_the_schema(tmp_path):
    text = "a,b,label\n" + "".join(f"{i},{'abcdefg'[i % 7]},{i % 2}\n" for i in range(2500))
    p = write(tmp_path, "s.csv", text)
    ref, yref, _ = arrays(read_csv(p, batch_size=10_000))
    for bs in (1, 7, 1000):
        ds = read_csv(p, batch_size=bs)
        batches = list(ds)
        assert all(len(b) == bs for b in batches[:-1])
        assert [b.offset for b in batches] == list(range(0, 2500, bs))
        assert all(b.schema is batches[0].schema for b in batches)
        X = np.concatenate([b.X for b in batches])
        assert np.array_equal(X, ref)
        assert np.concatenate([b.y for b in batches]).tolist() == yref
    # codes follow first appearance, so every batch size sees the same vocabulary
    assert ds.schema.categories[1] == list("abcdefg")


def test_reiteration_is_identical_and_n_rows_known_after(tmp_path):
    p = write(tmp_path, "r.csv", "a,b\n1,x\n2,y\n3,x\n")
    ds = read_csv(p, batch_size=2)
    assert ds.n_rows is None
    first = [(b.X.tolist(), b.y.tolist()) for b in ds]
    assert ds.n_rows == 3
    assert [(b.X.tolist(), b.y.tolist()) for b in ds] == first


def test_records_take_and_schema_before_iteration(tmp_path):
    p = write(tmp_path, "r.csv", "a,b,y\n1,x,u\n,y,v\n3,x,w\n")
    ds = read_csv(p)
    assert ds.schema.names == ["a", "b"]  # peeks the first batch
    assert list(ds.records()) == [({"a": 1.0, "b": "x"}, "u"), ({"b": "y"}, "v"), ({"a": 3.0, "b": "x"}, "w")]
    two = ds.take(2)
    assert [len(b) for b in two] == [2]
    assert two.n_rows == 2
    assert two.to_arrays()[1].tolist() == ["u", "v"]


def test_header_only_file_has_columns_and_no_rows(tmp_path):
    p = write(tmp_path, "h.csv", "a,b,c\n")
    ds = read_csv(p, header=True)
    X, _y, schema = ds.to_arrays()
    assert X.shape == (0, 2) and schema.names == ["a", "b"]


def test_duplicate_and_empty_header_names_are_made_unique(tmp_path):
    p = write(tmp_path, "u.csv", "a,a,,y\n1,2,3,4\n")
    ds = read_csv(p, header=True)
    assert ds.columns == ["a", "a.1", "column_2", "y"]


def test_missing_empty_and_directory_raise_data_error_with_path(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DataError, match=r"nope\.csv"):
        read_csv(missing)
    empty = write(tmp_path, "empty.csv", "")
    with pytest.raises(DataError, match=r"empty\.csv.*empty"):
        read_csv(empty)
    blank = write(tmp_path, "blank.csv", "\n\n  \n")
    with pytest.raises(DataError, match=r"blank\.csv"):
        read_csv(blank)
    with pytest.raises(DataError, match="not a file"):
        read_csv(tmp_path)


def test_corrupt_gzip_raises_data_error(tmp_path):
    p = tmp_path / "bad.csv.gz"
    p.write_bytes(b"this is not gzip data at all")
    with pytest.raises(DataError, match=r"bad\.csv\.gz"):
        list(read_csv(p))


def test_non_utf8_file_raises_data_error_with_hint_and_reads_with_encoding(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes("name,n\ncaf\xe9,1\nna\xefve,2\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin-1"):
        list(read_csv(p))
    _X, y, schema = arrays(read_csv(p, encoding="latin-1"))
    assert schema.categories[0] == ["café", "naïve"]
    assert y == [1.0, 2.0]


def test_bad_parameters():
    with pytest.raises(InvalidParameterError, match="batch_size"):
        read_csv(__file__, batch_size=0)
    with pytest.raises(InvalidParameterError, match="delimiter"):
        read_csv(__file__, delimiter=";;")
    with pytest.raises(InvalidParameterError, match="header"):
        read_csv(__file__, header="yes")  # type: ignore[arg-type]


def test_target_without_values_in_the_first_block_stays_text(tmp_path):
    # labels arrive late: the first block (1 MB) has none
    n = 120_000
    lines = ["a,label"] + [f"{i}," for i in range(n)] + ["1,attack", "2,normal"]
    p = write(tmp_path, "late.csv", "\n".join(lines) + "\n")
    _, y, _ = arrays(read_csv(p, batch_size=50_000))
    assert y[:2] == [None, None] and y[-2:] == ["attack", "normal"]
    _, y2, _ = arrays(read_csv(p, numeric=["label"]))
    assert math.isnan(y2[0]) and math.isnan(y2[-1])
