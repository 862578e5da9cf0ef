"""JSON Lines reader: varying keys, bad lines, kinds, the Arrow and line-by-line paths agree."""

from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pytest

from streamlearn.base.errors import DataError
from streamlearn.streams import read_jsonl


def write_lines(tmp_path, lines, name="e.jsonl"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_keys_vary_new_columns_appear_missing_ones_are_nan(tmp_path):
    lines = [
        json.dumps({"bytes": 10, "proto": "tcp", "label": "ok"}),
        json.dumps({"proto": "udp", "label": "ok"}),
        json.dumps({"bytes": 3.5, "port": 53, "label": "bad"}),
    ]
    ds = read_jsonl(write_lines(tmp_path, lines), batch_size=2)
    X, y, schema = ds.to_arrays()
    assert schema.names == ["bytes", "proto", "port"]
    assert schema.kinds == ["num", "cat", "num"]
    expected = [[10, 0, math.nan], [math.nan, 1, math.nan], [3.5, math.nan, 53]]
    assert np.array_equal(X, np.array(expected, dtype=float), equal_nan=True)
    assert y.tolist() == ["ok", "ok", "bad"]
    assert ds.target == "label"  # last key of the first object


def test_bad_lines_are_skipped_and_counted_with_line_numbers(tmp_path):
    lines = ['{"a": 1, "y": "p"}', "{not json", "", "[1, 2]", '{"a": 2, "y": "q"}', "42"]
    ds = read_jsonl(write_lines(tmp_path, lines))
    X, y, _ = ds.to_arrays()
    assert X[:, 0].tolist() == [1.0, 2.0]
    assert y.tolist() == ["p", "q"]
    assert ds.bad_rows == 3
    reasons = ds.bad_row_examples
    assert reasons[0].startswith("line 2: invalid JSON")
    assert reasons[1] == "line 4: not a JSON object but a list"
    assert reasons[2] == "line 6: not a JSON object but a int"


def test_fast_and_slow_paths_give_the_same_rows(tmp_path):
    good = [
        json.dumps({"n": i * 0.5, "c": "abc"[i % 3], "b": i % 2 == 0, "y": "xy"[i % 2]}) for i in range(50)
    ]
    clean = read_jsonl(write_lines(tmp_path, good, "clean.jsonl")).to_arrays()
    dirty_ds = read_jsonl(write_lines(tmp_path, [*good[:20], "oops", *good[20:]], "dirty.jsonl"))
    dirty = dirty_ds.to_arrays()
    assert dirty_ds.bad_rows == 1
    assert np.array_equal(clean[0], dirty[0])
    assert clean[1].tolist() == dirty[1].tolist()
    assert clean[2] == dirty[2]
    assert clean[2].kinds == ["num", "cat", "num"]  # booleans are numeric 0/1
    assert clean[0][:2, 2].tolist() == [1.0, 0.0]


def test_type_changes_and_nested_values_are_invalid(tmp_path):
    lines = [
        '{"n": 1, "c": "a", "y": 1.5}',
        '{"n": "abc", "c": 7, "y": "2"}',
        '{"n": " 3 ", "c": {"deep": 1}, "y": null}',
        '{"n": [1, 2], "c": "a"}',
    ]
    ds = read_jsonl(write_lines(tmp_path, lines))
    X, y, schema = ds.to_arrays()
    assert np.array_equal(X[:, 0], [1.0, math.nan, 3.0, math.nan], equal_nan=True)
    assert schema.categories[1] == ["a", "7"]  # a number in a categorical column: its text
    assert np.array_equal(X[:, 1], [0.0, 1.0, math.nan, 0.0], equal_nan=True)
    assert np.array_equal(y, [1.5, 2.0, math.nan, math.nan], equal_nan=True)  # numeric target
    assert ds.n_invalid == 3  # "abc", {"deep": 1}, [1, 2]


def test_key_that_is_null_at_first_waits_for_a_value(tmp_path):
    lines = ['{"a": null, "y": 0}', '{"a": "x", "y": 1}']
    X, _, schema = read_jsonl(write_lines(tmp_path, lines), target="y").to_arrays()
    assert schema.kinds == ["cat"]
    assert np.array_equal(X[:, 0], [math.nan, 0.0], equal_nan=True)


def test_many_blocks_late_key_and_gzip(tmp_path):
    lines = [json.dumps({"i": i, "pad": "x" * 20, "y": i % 3}) for i in range(40_000)]
    lines.append(json.dumps({"i": 40_000, "late": 1.0, "y": 0}))
    text = "\n".join(lines) + "\n"
    p = tmp_path / "big.jsonl.gz"
    p.write_bytes(gzip.compress(text.encode()))
    assert len(text) > 1 << 20
    ds = read_jsonl(p, batch_size=3000, drop=["pad"])
    batches = list(ds)
    assert batches[0].X.shape == (3000, 1)  # "late" not seen yet: the schema grows later
    assert batches[-1].X.shape[1] == 2 and batches[0].schema is batches[-1].schema
    X, y, schema = ds.to_arrays()
    assert schema.names == ["i", "late"]
    assert X.shape == (40_001, 2)
    assert np.array_equal(X[:, 0], np.arange(40_001.0))
    assert np.isnan(X[:-1, 1]).all() and X[-1, 1] == 1.0
    assert y[:4].tolist() == [0.0, 1.0, 2.0, 0.0]


def test_target_false_and_errors(tmp_path):
    p = write_lines(tmp_path, ['{"a": 1}'])
    _, y, _ = read_jsonl(p, target=False).to_arrays()
    assert y is None
    with pytest.raises(DataError, match="No JSON object"):
        read_jsonl(write_lines(tmp_path, ["[1]", "nope"], "x.jsonl"))
    with pytest.raises(DataError, match="does not exist"):
        read_jsonl(tmp_path / "missing.jsonl")
