"""Live sources: positions, resume, blank lines, CSV headers, gzip, Parquet, directories, rates."""

from __future__ import annotations

import gzip
import json
import threading
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.streams.sources import (
    BoundedBuffer,
    DirectorySource,
    FileSource,
    InjectedCrash,
    MemorySource,
    Message,
    MessageBatch,
    MultiSource,
    Pacer,
)
from streamlearn.streams.sources import files as files_module


def _drain(src, max_records=3, timeout=0.0):
    out = []
    while True:
        b = src.next_batch(max_records, timeout)
        if b is None:
            return out
        out.extend((int(b.offsets[i]), b.payload(i)) for i in range(len(b)))


def test_file_source_lines_offsets_and_resume_from_every_position(tmp_path):
    path = tmp_path / "a.jsonl"
    lines = [b'{"i": %d}' % i for i in range(10)]
    raw = b"\n".join(lines[:4]) + b"\n\n\r\n" + b"\r\n".join(lines[4:]) + b"\r\n"
    path.write_bytes(raw)
    src = FileSource(path)
    src.open(None)
    everything = _drain(src)
    assert [p for _, p in everything] == lines
    assert [o for o, _ in everything] == [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]  # physical line numbers
    # resume from each snapshot: the rest, exactly
    src.open(None)
    seen = []
    while True:
        snap = src.snapshot()
        twin = FileSource(path)
        twin.open(json.loads(json.dumps(snap)))
        assert [p for _, p in _drain(twin, 4)] == lines[len(seen) :]
        b = src.next_batch(3, 0.0)
        if b is None:
            break
        seen.extend(b.payload(i) for i in range(len(b)))
    assert seen == lines


def test_file_source_fills_batches_across_blank_lines_and_last_line_without_newline(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"1\n\n\n2\n3\n\n4")
    src = FileSource(path, format="jsonl")
    src.open(None)
    b = src.next_batch(3, 0.0)
    assert [b.payload(i) for i in range(len(b))] == [b"1", b"2", b"3"]
    b = src.next_batch(3, 0.0)
    assert [b.payload(i) for i in range(len(b))] == [b"4"] and src.next_batch(3, 0.0) is None


def test_file_source_reads_in_chunks_larger_than_a_block(tmp_path, monkeypatch):
    monkeypatch.setattr(files_module, "CHUNK_BYTES", 7)
    path = tmp_path / "a.jsonl"
    lines = [("x" * (i % 13)).encode() + b"%d" % i for i in range(200)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    src = FileSource(path)
    src.open(None)
    assert [p for _, p in _drain(src, 17)] == lines


def test_gzip_file_resumes_at_decompressed_offset(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    lines = [b'{"i": %d}' % i for i in range(50)]
    with gzip.open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    src = FileSource(path)
    src.open(None)
    src.next_batch(20, 0.0)
    snap = src.snapshot()
    twin = FileSource(path)
    twin.open(snap)
    assert [p for _, p in _drain(twin, 7)] == lines[20:]
    assert src.lag() is None  # unknown for compressed files


def test_csv_header_columns_and_resume(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a,b,label\n1,x,yes\n2,y,no\n3,z,yes\n")
    src = FileSource(path)
    src.open(None)
    b = src.next_batch(2, 0.0)
    assert b.columns == ["a", "b", "label"] and b.offsets.tolist() == [1, 2]
    twin = FileSource(path)
    twin.open(src.snapshot())
    b2 = twin.next_batch(5, 0.0)
    assert b2.payload(0) == b"3,z,yes" and b2.columns == ["a", "b", "label"]
    with pytest.raises(InvalidParameterError, match="needs columns"):
        FileSource(path, header=False)


def test_resume_detects_a_replaced_or_truncated_file(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("1\n2\n3\n")
    src = FileSource(path)
    src.open(None)
    src.next_batch(3, 0.0)
    snap = src.snapshot()
    path.write_text("9\n")
    with pytest.raises(DataError, match="checkpoint"):
        FileSource(path).open(snap)


def test_follow_waits_for_new_lines_and_partial_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"1\n2")
    src = FileSource(path, follow=True, poll_seconds=0.01)
    src.open(None)
    b = src.next_batch(10, 0.05)
    assert [b.payload(i) for i in range(len(b))] == [b"1"]  # "2" may still be being written
    assert len(src.next_batch(10, 0.05)) == 0  # nothing complete: an empty batch, not the end
    with open(path, "ab") as f:
        f.write(b"2\n3\n")
    b = src.next_batch(10, 0.5)
    assert [b.payload(i) for i in range(len(b))] == [b"22", b"3"]


def test_rate_paces_the_replay(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(str(i) for i in range(300)) + "\n")
    src = FileSource(path, rate=1000)
    src.open(None)
    t0 = time.monotonic()
    n = sum(len(src.next_batch(50, 1.0)) for _ in range(6))
    elapsed = time.monotonic() - t0
    assert n == 300 and 0.25 <= elapsed < 2.0  # 300 records at 1000/s: 0.3 s


def test_pacer_returns_what_is_due_when_the_timeout_is_short():
    clock = iter(np.arange(0, 100, 0.001)).__next__
    pacer = Pacer(100.0, clock=lambda: float(clock()))
    assert pacer.allow(1, 0.0) == 1  # the first record is due at once
    pacer.sent_n(1)
    assert pacer.allow(50, 0.0) == 0  # none more due yet


def test_parquet_rows_and_resume(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(
        pa.table({"a": list(range(100)), "y": [i % 2 for i in range(100)]}), path, row_group_size=30
    )
    src = FileSource(path)
    src.open(None)
    b = src.next_batch(45, 0.0)
    assert b.table.num_rows == 45 and b.offsets.tolist() == list(range(45))
    twin = FileSource(path)
    twin.open(src.snapshot())
    rows = []
    while (b := twin.next_batch(40, 0.0)) is not None:
        rows += b.table.column("a").to_pylist()
    assert rows == list(range(45, 100)) and src.lag() == 55


def test_file_source_sharding_splits_by_line_number(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(str(i) for i in range(10)) + "\n")
    got = []
    for i in range(3):
        part = FileSource(path).shard(i, 3)
        part.open(None)
        got += [int(p) for _, p in _drain(part, 4)]
    assert sorted(got) == list(range(10))


def test_directory_source_reads_files_in_order_ignores_partial_and_resumes(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "b.jsonl").write_text("3\n4\n")
    (d / "a.jsonl").write_text("1\n2\n")
    (d / ".c.jsonl").write_text("hidden\n")
    (d / "d.jsonl.tmp").write_text("partial\n")
    src = DirectorySource(d, watch=False)
    src.open(None)
    b = src.next_batch(3, 0.0)
    assert [b.payload(i) for i in range(len(b))] == [b"1", b"2"] and b.origin == "a.jsonl"
    snap = src.snapshot()
    twin = DirectorySource(d, watch=False)
    twin.open(json.loads(json.dumps(snap)))
    assert [p for _, p in _drain(twin)] == [b"3", b"4"]
    assert [p for _, p in _drain(src)] == [b"3", b"4"]


def test_directory_source_watches_for_new_files(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    src = DirectorySource(d, watch=True, poll_seconds=0.01)
    src.open(None)
    assert len(src.next_batch(5, 0.05)) == 0
    (d / ".f1.jsonl").write_text("1\n2\n")
    (d / ".f1.jsonl").rename(d / "f1.jsonl")  # the atomic way to publish a file
    b = src.next_batch(5, 1.0)
    assert [b.payload(i) for i in range(len(b))] == [b"1", b"2"]
    snap = src.snapshot()
    assert snap["current"] == "f1.jsonl" or "f1.jsonl" in snap["done"]


def test_memory_source_abort_fires_once_and_live_mode():
    src = MemorySource([b"a", MemorySource.ABORT, b"b"])
    src.open(None)
    assert len(src.next_batch(1, 0.0)) == 1
    snap = src.snapshot()
    with pytest.raises(InjectedCrash):
        src.next_batch(10, 0.0)
    src.open(snap)  # a restart from the checkpoint passes the marker
    assert [m.payload for m in src.next_batch(10, 0.0).to_messages()] == [b"b"]
    live = MemorySource(live=True)
    live.open(None)
    assert len(live.next_batch(5, 0.01)) == 0
    threading.Timer(0.05, lambda: live.push(b"x")).start()
    assert [m.payload for m in live.next_batch(5, 2.0).to_messages()] == [b"x"]
    live.end()
    assert live.next_batch(5, 0.0) is None


def test_multi_source_round_robin_and_resume():
    a, b = MemorySource([1, 2, 3, 4], name="a"), MemorySource(["x", "y"], name="b")
    src = MultiSource([a, b])
    src.open(None)
    first = src.next_batch(2, 0.0)
    snap = src.snapshot()
    rest = _drain(src, 2)
    twin = MultiSource([MemorySource([1, 2, 3, 4]), MemorySource(["x", "y"])])
    twin.open(json.loads(json.dumps(snap)))
    assert _drain(twin, 2) == rest
    assert [first.payload(i) for i in range(len(first))] == [1, 2]
    assert sorted(str(p) for _, p in rest) == ["3", "4", "x", "y"]


def test_bounded_buffer_blocks_the_producer_when_full():
    buf = BoundedBuffer(3)
    put_done = threading.Event()

    def producer():
        for i in range(5):
            buf.put(Message(i))
        put_done.set()

    threading.Thread(target=producer, daemon=True).start()
    time.sleep(0.1)
    assert not put_done.is_set() and len(buf) == 3  # backpressure: the fourth put waits
    got = [m.payload for m in buf.take(10, 0.0)]
    assert put_done.wait(2.0)
    got += [m.payload for m in buf.take(10, 0.1)]
    assert got == [0, 1, 2, 3, 4] and buf.blocked_seconds > 0.05


def test_message_batch_from_messages_keeps_keys_and_timestamps():
    b = MessageBatch.from_messages(
        [Message(b"1", key="k", timestamp=5.0, offset=3, partition=2), Message(b"2")]
    )
    assert b.keys == ["k", None] and b.timestamps[0] == 5.0 and np.isnan(b.timestamps[1])
    assert [m.offset for m in b.to_messages()] == [3, 0] and b.partitions.tolist() == [2, 0]
