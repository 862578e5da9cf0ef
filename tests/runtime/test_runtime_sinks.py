"""Sinks: JSON encoding, exactly-once file output across resumes, CSV, Parquet parts, memory."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from streamlearn.base.errors import DataError
from streamlearn.streams.sinks import (
    FileSink,
    MemorySink,
    ParquetSink,
    StdoutSink,
    encode_json_rows,
    encode_jsonl,
)


def test_encode_jsonl_matches_json_for_every_type():
    rng = np.random.default_rng(0)
    floats = rng.normal(size=50) * 10.0 ** rng.integers(-20, 20, size=50)
    rb = pa.RecordBatch.from_pydict(
        {
            "i": pa.array(range(50), pa.int64()),
            "f": pa.array(floats),
            "s": pa.array([f'é"\\{i % 3}' if i % 7 else None for i in range(50)]),
            "b": pa.array([bool(i % 2) if i % 5 else None for i in range(50)]),
            "n": pa.nulls(50),
            "l": pa.array([[i, i + 1] for i in range(50)]),
        }
    )
    rows = [json.loads(line) for line in encode_jsonl(rb).decode().splitlines()]
    assert rows == rb.to_pylist()  # floats round-trip exactly (repr), strings escaped, nulls
    assert [json.loads(r) for r in encode_json_rows(rb)] == rows


def test_encode_jsonl_writes_null_for_nan_and_infinity():
    rb = pa.RecordBatch.from_pydict({"p": [1.5, math.nan, math.inf], "%s": [1, 2, 3]})
    assert encode_jsonl(rb).decode().splitlines() == [
        '{"p":1.5,"%s":1}',
        '{"p":null,"%s":2}',
        '{"p":null,"%s":3}',
    ]


def _batch(ids):
    return pa.RecordBatch.from_pydict({"id": ids, "prediction": [f"c{i}" for i in ids]})


def test_file_sink_cuts_back_to_the_checkpoint_on_resume(tmp_path):
    path = tmp_path / "out" / "p.jsonl"
    sink = FileSink(path)
    sink.open(None)
    sink.write(_batch([0, 1]))
    sink.flush()
    sink.sync()
    snap = sink.snapshot()
    sink.write(_batch([2, 3]))  # written after the checkpoint, then the process dies
    sink.close()
    assert path.read_text().count("\n") == 4
    again = FileSink(path)
    again.open(snap)
    again.write(_batch([2, 3]))  # the replayed records write the same lines again
    again.close()
    assert [json.loads(x)["id"] for x in path.read_text().splitlines()] == [0, 1, 2, 3]


def test_file_sink_refuses_a_file_shorter_than_the_checkpoint(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("x\n")
    with pytest.raises(DataError, match="shorter than the checkpoint"):
        FileSink(path).open({"bytes": 100})


def test_fresh_start_truncates_or_appends(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("old\n")
    s = FileSink(path, append=True)
    s.open(None)
    s.write(_batch([1]))
    s.close()
    assert path.read_text().splitlines()[0] == "old"
    s = FileSink(path)
    s.open(None)
    s.close()
    assert path.read_text() == ""


def test_csv_sink_writes_the_header_once_across_resume(tmp_path):
    path = tmp_path / "p.csv"
    s = FileSink(path)
    s.open(None)
    s.write(_batch([1]))
    s.flush()
    snap = s.snapshot()
    s.close()
    s = FileSink(path)
    s.open(snap)
    s.write(_batch([2]))
    s.close()
    assert path.read_text().replace('"', "").splitlines() == ["id,prediction", "1,c1", "2,c2"]


def test_parquet_sink_parts_and_resume_deletes_later_parts(tmp_path):
    d = tmp_path / "pq"
    s = ParquetSink(d)
    s.open(None)
    s.write(pa.RecordBatch.from_pydict({"id": [0], "prediction": pa.nulls(1)}))
    s.write(_batch([1]))
    s.flush()
    snap = s.snapshot()
    s.write(_batch([2]))
    s.flush()  # part 2, after the checkpoint
    assert sorted(p.name for p in d.iterdir()) == ["part-000001.parquet", "part-000002.parquet"]
    s2 = ParquetSink(d)
    s2.open(snap)
    assert sorted(p.name for p in d.iterdir()) == ["part-000001.parquet"]
    s2.write(_batch([2]))
    s2.close()
    t = pq.read_table(d)
    assert sorted(t.column("id").to_pylist()) == [0, 1, 2]


def test_memory_sink_is_exactly_once_when_reused():
    s = MemorySink()
    s.open(None)
    s.write(_batch([1, 2]))
    s.flush()
    snap = s.snapshot()
    s.write(_batch([3]))
    s.open(snap)
    assert [r["id"] for r in s.rows] == [1, 2]


def test_stdout_sink_prints_json_lines():
    buf = io.BytesIO()
    s = StdoutSink(buf)
    s.write(_batch([7]))
    s.flush()
    assert json.loads(buf.getvalue()) == {"id": 7, "prediction": "c7"}


def test_sharded_file_sink_paths(tmp_path):
    s = FileSink(tmp_path / "pred.jsonl").shard(2, 4)
    assert s.path.name == "pred-w2.jsonl"
