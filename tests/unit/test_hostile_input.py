"""Hostile inputs found by probing the reader: each once crashed the run or lost records.

Every input record must come out exactly once, as a row or a quarantined row, at any split
size, and no single record may stop the run.
"""

import json

import pytest

from lakehouse.reading.framing import frame_split
from lakehouse.reading.planning import plan_partitions
from lakehouse.reading.source import record_row

R = '{"transcript_id":"a","tenant_id":"t","created_at":"2024-01-01","segments":[{"text":"x"}]}'
SPLIT_SIZES = (64, 200, 4096, 64 << 20)


def rows(path, max_split_bytes=64 << 20):
    partitions = plan_partitions(str(path), parallelism=2, max_split_bytes=max_split_bytes, open_cost_bytes=0)
    return [record_row(s.path, f) for p in partitions for s in p for f in frame_split(s)]


def outcomes(path, max_split_bytes=64 << 20):
    """(transcript_id or None, reject_reason or None) per row, in order."""
    return [(row[2], row[10]) for row in rows(path, max_split_bytes)]


def write(tmp_path, name, content) -> object:
    path = tmp_path / name
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path


@pytest.mark.parametrize(
    ("created_at", "segment"),
    [
        ('"0001-01-01T00:00:00+01:00"', '{"text":"x"}'),
        ('"9999-12-31T23:59:59-01:00"', '{"text":"x"}'),
        ("1" + "0" * 400, '{"text":"x"}'),
        ('"2024-01-01"', '{"start":1' + "0" * 400 + "}"),
        ('"2024-01-01"', '{"speaker":{"name":"bob"},"text":"x"}'),
    ],
)
def test_out_of_range_values_are_quarantined_not_fatal(tmp_path, created_at, segment):
    record = f'{{"transcript_id":"a","tenant_id":"t","created_at":{created_at},"segments":[{segment}]}}'
    path = write(tmp_path, "calls.jsonl", record + "\n" + R.replace('"a"', '"b"') + "\n")
    (bad_id, bad_reason), good = outcomes(path)
    assert bad_id is None and bad_reason in {"invalid_created_at", "invalid_field_type"}
    assert good == ("b", None)


@pytest.mark.parametrize("value", ["1" * 5000, "[" * 10000 + "]" * 10000])
def test_undecodable_json_is_quarantined_not_fatal(tmp_path, value):
    path = write(tmp_path, "calls.jsonl", f'{{"x": {value}}}\n{R}\n')
    assert outcomes(path) == [(None, "invalid_json"), ("a", None)]


def test_file_name_that_is_not_utf8_is_stored_readably(tmp_path):
    path = tmp_path / "call\udcff.json"  # the byte 0xff in a file name
    path.write_text(R)
    source_file = rows(tmp_path)[0][0]
    assert source_file.endswith("call\ufffd.json")
    source_file.encode("utf-8")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (f"[1, 2]\n{R}\n{R}\n", [(None, "not_an_object")] * 2 + [("a", None)] * 2),
        (f"[{R}]\n{R}\n", [("a", None)] * 2),
        (f"[{R}]\n[{R}]\n", [("a", None)] * 2),
        (f'{{"a": oops}}\n{R}\n{R}\n', [(None, "invalid_json"), ("a", None), ("a", None)]),
    ],
)
def test_records_after_an_odd_first_line_are_not_lost(tmp_path, content, expected):
    path = write(tmp_path, "calls.jsonl", content)
    for size in SPLIT_SIZES:
        assert outcomes(path, size) == expected, size


def test_large_pretty_printed_object_is_read_whole_not_shredded(tmp_path):
    record = json.loads(R)
    record["segments"] = [{"text": "word " * 20}] * 300
    path = write(tmp_path, "call.json", json.dumps(record, indent=2))
    for size in (4096, 64 << 20):
        assert outcomes(path, size) == [("a", None)]


def test_numbers_straddling_the_read_buffer_are_one_value(tmp_path, monkeypatch):
    from lakehouse.reading import framing

    monkeypatch.setattr(framing, "CHUNK_BYTES", 16)
    path = write(tmp_path, "export.json", "[" + " " * 9 + "1234567, 1.5, " + R + "]")
    assert outcomes(path) == [(None, "not_an_object"), (None, "not_an_object"), ("a", None)]
    assert [row[12] for row in rows(path)[:2]] == ["1234567", "1.5"]


def test_numbered_speakers_are_kept_as_text(tmp_path):
    path = write(tmp_path, "calls.jsonl", R.replace('{"text":"x"}', '{"speaker":2,"text":"x"}'))
    assert rows(path)[0][7] == [("2", None, None, "x")]
