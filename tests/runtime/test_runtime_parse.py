"""Parsing and validation: rows, labels, keys, event times; every dead-letter reason."""

from __future__ import annotations

import json

import numpy as np
import pytest

from streamlearn.runtime.parse import Parser, RecordSchema
from streamlearn.streams.sources import Message, MessageBatch, PipelineConfigError


def _batch(items, origin="test"):
    return MessageBatch.from_messages([Message(x, offset=i) for i, x in enumerate(items)], origin)


def _lines(lines, columns=None):
    block = b"\n".join(lines)
    sizes = np.array([len(x) for x in lines])
    starts = np.concatenate([[0], np.cumsum(sizes + 1)[:-1]])
    return MessageBatch(
        offsets=np.arange(len(lines)),
        partitions=np.zeros(len(lines), np.int64),
        block=block,
        starts=starts,
        ends=starts + sizes,
        columns=columns,
        origin="f",
    )


def _dead(parsed):
    return dict(zip(parsed.dead.offsets, parsed.dead.reasons))


def test_clean_block_becomes_rows_in_schema_layout():
    p = Parser(RecordSchema(label="y", key="id"))
    lines = [
        json.dumps({"id": i, "bytes": i * 10, "proto": "tcp" if i % 2 else "udp", "y": i % 3 == 0})
        for i in range(6)
    ]
    out = p.parse(_lines([x.encode() for x in lines]))
    assert p.schema.names == ["bytes", "proto"] and p.schema.kinds == ["num", "cat"]
    assert out.X[:, 0].tolist() == [0, 10, 20, 30, 40, 50]
    assert out.X[:, 1].tolist() == [0, 1, 0, 1, 0, 1]  # codes in order of first appearance
    assert out.labels.tolist() == [True, False, False, True, False, False]
    assert out.keys == list(range(6)) and not len(out.dead)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"id": 9, "bytes": ', "invalid JSON"),
        (b"[1, 2]", "not a JSON object but list"),
        (b'"text"', "not a JSON object but str"),
        (b'{"id": 9, "bytes": "many", "y": true}', "field 'bytes': expected a number, got 'many'"),
        (b'{"id": 9, "bytes": {"x": 1}, "y": true}', "field 'bytes': expected a number, got a nested value"),
        (b'{"id": 9, "bytes": [1, "a"], "y": true}', "field 'bytes': expected a number, got a nested value"),
        (b'{"id": 9, "bytes": 5, "y": {"a": 1}}', "label: must be a string, number or bool"),
        (b"{}", "record has no features and no label"),
    ],
)
def test_each_bad_line_is_a_dead_letter_and_the_rest_go_on(line, reason):
    p = Parser(RecordSchema(label="y", key="id"))
    good = [json.dumps({"id": i, "bytes": float(i), "y": True}).encode() for i in range(5)]
    out = p.parse(_lines([*good[:2], line, *good[2:]]))
    assert out.offsets.tolist() == [0, 1, 3, 4, 5]
    assert out.X[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert list(_dead(out)) == [2] and _dead(out)[2].startswith(reason)
    assert out.dead.payloads == [line.decode()]


def test_declared_fields_required_range_values_extra_and_label():
    schema = RecordSchema(
        {
            "bytes": {"type": "number", "min": 0, "max": 100, "required": True},
            "proto": {"type": "category", "values": ["tcp", "udp"]},
        },
        label="y",
        extra_fields="reject",
    )
    p = Parser(schema, label_required=True)
    recs = [
        {"bytes": 5, "proto": "tcp", "y": 1},
        {"bytes": -1, "proto": "tcp", "y": 1},
        {"bytes": 500, "proto": "udp", "y": 1},
        {"proto": "udp", "y": 0},
        {"bytes": 5, "proto": "gre", "y": 0},
        {"bytes": 5, "proto": "udp", "y": 0, "extra": 1},
        {"bytes": 5, "proto": "udp"},
        {"bytes": "7", "proto": "udp", "y": 0},
    ]
    out = p.parse(_batch(recs))
    assert _dead(out) == {
        1: "field 'bytes': -1.0 is below min 0",
        2: "field 'bytes': 500.0 is above max 100",
        3: "missing required field 'bytes'",
        4: "field 'proto': 'gre' is not one of ['tcp', 'udp']",
        5: "unexpected field 'extra'",
        6: "missing label field 'y'",
    }
    assert out.offsets.tolist() == [0, 7] and out.X.tolist() == [[5.0, 0.0], [7.0, 1.0]]


def test_oversized_records_are_dead_letters_with_a_truncated_payload():
    p = Parser(RecordSchema(label="y", max_record_bytes=30))
    big = json.dumps({"a": 1, "pad": "x" * 100, "y": 1}).encode()
    out = p.parse(_lines([b'{"a": 1, "y": 1}', big]))
    assert _dead(out) == {1: f"record of {len(big)} bytes exceeds max_record_bytes=30"}
    assert out.dead.payloads[0] == big[:30].decode() and out.dead.sizes == [len(big)]


def test_inferred_kinds_are_fixed_by_the_first_value_seen():
    p = Parser(RecordSchema(label="y"))
    p.parse(_batch([b'{"a": 1, "b": "x", "y": 1}']))
    out = p.parse(_batch([b'{"a": "2.5", "b": 3, "y": 1}', b'{"a": "abc", "b": "x", "y": 1}']))
    assert out.X.tolist() == [[2.5, 1.0]]  # numeric text is a number; a number is coded by its text
    assert p.schema.categories[1] == ["x", "3"]
    assert _dead(out) == {1: "field 'a': expected a number, got 'abc'"}


def test_csv_payloads_wrong_field_counts_and_label_types():
    p = Parser(RecordSchema({"a": "number", "b": "category"}, label="y", label_type="bool"), format="csv")
    lines = [b"1,x,true", b"2,y", b"3,z,1,4", b"4,x,0", b"5,x,maybe", b'6,"q,r",yes']
    out = p.parse(_lines(lines, columns=["a", "b", "y"]))
    assert _dead(out) == {
        1: "expected 3 fields, got 2",
        2: "expected 3 fields, got 4",
        4: "label: 'maybe' is not a bool",
    }
    assert out.labels.tolist() == [True, False, True] and out.X[:, 0].tolist() == [1.0, 4.0, 6.0]
    assert p.schema.categories[1] == ["x", "q,r"]


def test_label_only_records_and_keys():
    p = Parser(RecordSchema(label="y", key="id"))
    out = p.parse(_batch([{"id": "a", "x": 1.0}, {"id": "a", "y": "cat"}, {"y": "dog"}]))
    assert out.has_features.tolist() == [True, False] and out.has_label.tolist() == [False, True]
    assert _dead(out) == {2: "label record without key 'id'"}
    unkeyed = Parser(RecordSchema(label="y"))
    assert _dead(unkeyed.parse(_batch([{"y": 1}]))) == {0: "record has a label but no features (and no key)"}


def test_label_stream_parser_reads_key_and_label_only():
    p = Parser(RecordSchema(label="y", key="id"), role="labels")
    out = p.parse(_batch([{"id": 1, "y": True, "x": 5}, {"id": 2}, {"y": False}]))
    assert out.keys == [1] and out.labels.tolist() == [True] and p.schema.width == 0
    assert _dead(out) == {1: "missing label field 'y'", 2: "label record without key 'id'"}


def test_event_times_numbers_and_iso_strings():
    p = Parser(RecordSchema(label="y", timestamp="ts"))
    out = p.parse(
        _batch(
            [
                {"ts": 1700000000.5, "a": 1, "y": 1},
                {"ts": "2024-01-01T00:00:00Z", "a": 1, "y": 1},
                {"ts": "2024-01-01T01:00:00+01:00", "a": 1, "y": 1},
                {"ts": "yesterday", "a": 1, "y": 1},
                {"a": 1, "y": 1},
            ]
        )
    )
    assert out.times[:3].tolist() == [1700000000.5, 1704067200.0, 1704067200.0]
    assert np.isnan(out.times[3])  # no event time: the pipeline gives it the stream's time
    assert _dead(out) == {3: "field 'ts': 'yesterday' is not a timestamp"}


def test_message_key_as_join_key():
    p = Parser(RecordSchema(label="y", key="$key"))
    b = MessageBatch.from_messages([Message(b'{"a": 1}', key="k1"), Message(b'{"y": 0}', key="k1")])
    out = p.parse(b)
    assert out.keys == ["k1", "k1"]


def test_parser_state_round_trip_keeps_category_codes():
    p = Parser(RecordSchema(label="y"))
    p.parse(_batch([{"c": "b", "y": 1}, {"c": "a", "y": 1}]))
    twin = Parser(RecordSchema(label="y"))
    twin.set_state(json.loads(json.dumps(p.state())))
    assert twin.parse(_batch([{"c": "a", "y": 1}])).X.tolist() == [[1.0]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fields": {"a": "nmber"}}, "number or category"),
        ({"fields": {"a": {"type": "number", "mn": 0}}}, "did you mean 'min'"),
        ({"fields": {"a": {"type": "category", "min": 0}}}, "only number fields have a range"),
        ({"extra_fields": "drop"}, "extra_fields"),
        ({"label": "y", "key": "y"}, "different fields"),
        ({"label_type": "boolean"}, "label_type"),
    ],
)
def test_schema_errors_say_what_to_fix(kwargs, message):
    with pytest.raises(PipelineConfigError, match=message):
        RecordSchema(**kwargs)


def test_arrow_rows_temporal_dictionary_and_infinite_values():
    """Parquet-like rows: times become seconds since the epoch, dictionary columns categories
    (codes in order of first appearance) and labels, infinities missing."""
    import datetime as dt

    import pyarrow as pa

    rows = pa.RecordBatch.from_pydict(
        {
            "id": [0, 1, 2],
            "t": pa.array(
                [dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 1, 0, 0, 1, 500000), None], pa.timestamp("ms")
            ),
            "d": pa.array([dt.date(2025, 1, 2), None, dt.date(2025, 1, 3)], pa.date32()),
            "k": pa.array(["b", None, "a"]).dictionary_encode(),
            "n": pa.array([1.0, float("inf"), 2.0]),
            "y": pa.array(["p", "q", None]).dictionary_encode(),
        }
    )
    parser = Parser(RecordSchema(label="y", key="id"))
    p = parser.parse(MessageBatch(offsets=np.arange(3), partitions=np.zeros(3, np.int64), table=rows))
    assert p.schema.names == ["t", "d", "k", "n"] and p.schema.categories[2] == ["b", "a"]
    day = 86400.0
    expected = [
        [1735689600.0, 1735689600.0 + day, 0.0, 1.0],  # 2025-01-01T00:00:00Z, 2025-01-02
        [1735689601.5, np.nan, np.nan, np.nan],
        [np.nan, 1735689600.0 + 2 * day, 1.0, 2.0],
    ]
    assert np.array_equal(p.X, expected, equal_nan=True)
    assert p.labels.tolist() == ["p", "q", None] and p.has_label.tolist() == [True, True, False]
    assert p.keys == [0, 1, 2] and not p.dead.reasons
