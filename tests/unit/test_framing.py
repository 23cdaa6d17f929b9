import json
import random

import pytest

from lakehouse.reading import framing
from lakehouse.reading.framing import Shape, Split, frame_split
from lakehouse.reading.planning import detect_shape, list_input_files, pack_partitions, plan_partitions
from lakehouse.reasons import Reason


def records(count: int) -> list[dict]:
    rng = random.Random(count)
    return [
        {"transcript_id": f"t{i}", "text": "x" * rng.randint(0, 300) + ' "quoted" {brace} [bracket] é'}
        for i in range(count)
    ]


def framed(path, shape: Shape, start: int = 0, end: int | None = None):
    size = path.stat().st_size
    return list(frame_split(Split(str(path), shape, start, size if end is None else end)))


def values(items) -> list:
    return [item.value for item in items]


def test_jsonl_splits_at_any_byte_yield_each_record_exactly_once(tmp_path):
    expected = records(200)
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in expected))
    size = path.stat().st_size
    for cut_count in (2, 3, 7, 31):
        cuts = sorted({0, size, *random.Random(cut_count).sample(range(1, size), cut_count)})
        got = [
            v for start, end in zip(cuts, cuts[1:], strict=False) for v in values(framed(path, Shape.JSONL, start, end))
        ]
        assert got == expected


def test_jsonl_offsets_point_at_each_record(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"b": "\xc3\xa9"}\n')
    items = framed(path, Shape.JSONL)
    assert [(i.offset, i.value) for i in items] == [(0, {"a": 1}), (10, {"b": "é"})]


def test_pretty_array_streams_in_chunks_smaller_than_a_record(tmp_path, monkeypatch):
    monkeypatch.setattr(framing, "CHUNK_BYTES", 64)
    expected = records(50)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(expected, indent=2, ensure_ascii=False))
    items = framed(path, Shape.ARRAY)
    assert values(items) == expected
    data = path.read_bytes()
    # Each offset is where the element's own bytes begin.
    assert all(data[item.offset : item.offset + 1] == b"{" for item in items)
    assert json.loads(data[items[3].offset :].decode().split("\n  },")[0] + "}") == expected[3]


def test_array_split_at_an_element_start_takes_the_rest(tmp_path):
    expected = records(20)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(expected))
    items = framed(path, Shape.ARRAY)
    middle = items[10].offset
    first = framed(path, Shape.ARRAY, 0, middle)
    second = framed(path, Shape.ARRAY, middle)
    assert values(first) == expected[:10] and values(second) == expected[10:]


def test_byte_order_mark_is_skipped_in_every_shape(tmp_path):
    bom = b"\xef\xbb\xbf"
    (tmp_path / "a.jsonl").write_bytes(bom + b'{"a": 1}\n{"a": 2}\n')
    (tmp_path / "b.json").write_bytes(bom + b'[{"a": 1}]')
    (tmp_path / "c.json").write_bytes(bom + b'{\n "a": 1\n}')
    assert values(framed(tmp_path / "a.jsonl", Shape.JSONL)) == [{"a": 1}, {"a": 2}]
    assert values(framed(tmp_path / "b.json", Shape.ARRAY)) == [{"a": 1}]
    assert values(framed(tmp_path / "c.json", Shape.OBJECT)) == [{"a": 1}]


def test_cut_off_last_line_is_a_truncated_record(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text('{"a": 1}\n{"a": 2, "b": "unfinis')
    items = framed(path, Shape.JSONL)
    assert items[0].value == {"a": 1}
    assert items[1].error is Reason.TRUNCATED_RECORD and items[1].text.startswith('{"a": 2')


def test_bad_line_in_the_middle_is_invalid_json_and_the_rest_is_read(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text('{"a": 1}\nnot json\n{"a": 3}\n')
    items = framed(path, Shape.JSONL)
    assert [i.error for i in items] == [None, Reason.INVALID_JSON, None]


def test_non_object_array_elements_are_framed_for_quarantine(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[{"a": 1}, 42, "x", {"a": 2}]')
    assert values(framed(path, Shape.ARRAY)) == [{"a": 1}, 42, "x", {"a": 2}]


def test_truncated_array_keeps_what_was_complete(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[{"a": 1}, {"a": 2}, {"a": 3, "b": "cut')
    items = framed(path, Shape.ARRAY)
    assert values(items[:2]) == [{"a": 1}, {"a": 2}]
    assert items[2].error is Reason.TRUNCATED_RECORD


def test_empty_and_whitespace_files_are_one_empty_file_record(tmp_path):
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "blank.json").write_bytes(b"  \n ")
    for name in ("empty.json", "blank.json"):
        assert [i.error for i in framed(tmp_path / name, Shape.OBJECT)] == [Reason.EMPTY_FILE]


def test_small_jsonl_file_read_whole_falls_back_to_lines(tmp_path):
    path = tmp_path / "calls.json"
    path.write_text('{"a": 1}\n{"a": 2}\n')
    assert values(framed(path, Shape.OBJECT)) == [{"a": 1}, {"a": 2}]


def test_shapes_are_detected_from_the_first_byte(tmp_path):
    (tmp_path / "a.json").write_text(' \n [{"a": 1}]')
    (tmp_path / "b.json").write_text('{"a": 1}')
    assert detect_shape(str(tmp_path / "a.json"), 10, 1 << 20) is Shape.ARRAY
    assert detect_shape(str(tmp_path / "b.json"), 8, 1 << 20) is Shape.OBJECT
    assert detect_shape(str(tmp_path / "b.json"), 8, 4) is Shape.JSONL


def test_folder_listing_takes_json_files_recursively_and_skips_the_rest(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.json", "b.JSONL", "sub/c.ndjson", "README.md", ".hidden.json", "_SUCCESS"):
        (tmp_path / name).write_text("{}")
    names = [f.path.removeprefix(str(tmp_path) + "/") for f in list_input_files(str(tmp_path))]
    assert names == ["a.json", "b.JSONL", "sub/c.ndjson"]


def test_missing_input_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="input path does not exist"):
        list_input_files(str(tmp_path / "nope"))


def test_many_small_files_are_packed_into_few_partitions(tmp_path):
    for i in range(300):
        (tmp_path / f"call-{i:03}.json").write_text(json.dumps({"transcript_id": str(i)}))
    partitions = plan_partitions(str(tmp_path), parallelism=2, max_split_bytes=64 << 20, open_cost_bytes=256 << 10)
    assert 2 <= len(partitions) <= 4
    assert sum(len(p) for p in partitions) == 300


def test_large_jsonl_is_cut_into_byte_ranges():
    splits = [Split("f", Shape.JSONL, start, start + 10) for start in range(0, 100, 10)]
    assert [len(p) for p in pack_partitions(splits, target_bytes=25, open_cost_bytes=0)] == [2, 2, 2, 2, 2]


def test_large_array_is_cut_at_element_starts_and_read_without_loss(tmp_path):
    expected = records(300)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(expected, indent=2, ensure_ascii=False))
    partitions = plan_partitions(str(path), parallelism=2, max_split_bytes=8 * 1024, open_cost_bytes=0)
    splits = [split for partition in partitions for split in partition]
    assert len(splits) >= 8 and all(split.shape is Shape.ARRAY for split in splits)
    assert [s.end for s in splits[:-1]] == [s.start for s in splits[1:]]
    assert [v for split in splits for v in values(frame_split(split))] == expected


def test_files_in_hidden_or_underscore_folders_are_not_input(tmp_path):
    for relative in (".staging/partial.json", "_temporary/0/part.json", "day-1/ok.json", "ok.jsonl"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("{}")
    names = sorted(f.path.removeprefix(str(tmp_path) + "/") for f in list_input_files(str(tmp_path)))
    assert names == ["day-1/ok.json", "ok.jsonl"]


# Arrays that the block reader (runs of objects parsed by orjson) must read exactly as the
# element-by-element reader does: same offsets, texts, values, reasons and details.
AWKWARD_ARRAYS = {
    "pretty": json.dumps(records(40), indent=2, ensure_ascii=False).encode(),
    "compact": json.dumps(records(40), separators=(",", ":")).encode(),
    "braces and escapes in strings": json.dumps(
        [{"t": '},{"x": [', "u": "\\\\", "v": 'a\\"b', "w": "}\n  {"} for _ in range(30)]
    ).encode(),
    "mixed elements": b'[{"a": 1}, 2, "three", [4], {"b": {"c": 5}}, null, {"d": 6}]',
    "nan and huge numbers": b'[{"a": 1}, {"n": NaN}, {"big": 1234567890123456789012}, {"inf": 1e400}, {"z": 0}]',
    "lone surrogate escape": b'[{"a": 1}, {"s": "\\ud800"}, {"b": 2}]',
    "invalid utf-8": b'[{"a": 1}, {"s": "\xff\xfe"}, {"b": 2}]',
    "broken element": b'[{"a": 1}, {"b": 2,, }, {"c": 3}]',
    "glued arrays and objects": b'[{"a": 1}, {"b": 2}]\n[{"c": 3}]\n{"d": {"e": 4}}\n',
    "cut off": json.dumps(records(20), indent=1).encode()[:-300],
    "bom and space": b'\xef\xbb\xbf  [\n{"a": 1} ,\n\n {"b": 2}\t]',
    "trailing comma": b'[{"a": 1}, {"b": 2},]',
    "empty": b"[]",
    "one element far larger than the buffer": json.dumps([{"a": 1}, {"t": "x" * 50_000}, {"b": 2}, {"c": 3}]).encode(),
}


def comparable(items) -> list[tuple]:
    return [(item.offset, item.text, repr(item.value), item.error, item.detail) for item in items]


@pytest.mark.parametrize("name", sorted(AWKWARD_ARRAYS))
@pytest.mark.parametrize("chunk_bytes", [7, 64, 1 << 20])
def test_block_reader_reads_arrays_exactly_as_the_element_reader(tmp_path, monkeypatch, name, chunk_bytes):
    monkeypatch.setattr(framing, "CHUNK_BYTES", chunk_bytes)
    path = tmp_path / "export.json"
    path.write_bytes(AWKWARD_ARRAYS[name])
    size = path.stat().st_size
    with open(path, "rb") as handle:
        expected = comparable(framing.frame_array_elements(handle, 0, size))
    with open(path, "rb") as handle:
        assert comparable(framing.frame_array(handle, 0, size)) == expected


def test_block_reader_gives_the_same_records_from_every_element_start(tmp_path, monkeypatch):
    monkeypatch.setattr(framing, "CHUNK_BYTES", 100)
    path = tmp_path / "export.json"
    path.write_bytes(AWKWARD_ARRAYS["pretty"])
    size = path.stat().st_size
    with open(path, "rb") as handle:
        whole = list(framing.frame_array_elements(handle, 0, size))
    starts = [item.offset for item in whole]
    for cut in starts[1::7]:
        with open(path, "rb") as handle:
            head = list(framing.frame_array(handle, 0, cut))
            tail = list(framing.frame_array(handle, cut, size))
        assert comparable(head + tail) == comparable(whole)


def test_loads_keeps_the_standard_librarys_values():
    assert framing.loads('{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert framing.loads('{"x": 1e400}') == {"x": float("inf")}
    assert framing.loads('"\\ud800"') == "\ud800"
    assert framing.loads('{"a": [1, 2.5, "é"]}') == {"a": [1, 2.5, "é"]}
