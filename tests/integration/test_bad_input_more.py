"""More hostile input, run through the whole job once: a landing folder whose name holds `[`,
arrays with a broken element, exports glued with their byte-order marks, a value nested
1,010 levels deep, a file linked twice, a UTF-16 file, and an object glued after a 3 MB
array where the planner cuts at 1 MB. Every record ends in exactly one table, once.
"""

import json

import pytest

from lakehouse.pipeline import run
from tests.conftest import config_for

BOM = "\ufeff"


def call(transcript_id: str, **fields) -> dict:
    segment = {"speaker": "customer", "start": 0.0, "end": 2.0, "text": "My parcel never arrived."}
    return (
        {"transcript_id": transcript_id, "tenant_id": "acme", "created_at": "2026-11-20T10:00:00Z"}
        | {"segments": [segment]}
        | fields
    )


def text(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


@pytest.fixture(scope="module")
def hostile_run(spark, tiny_model, tmp_path_factory):
    landing = tmp_path_factory.mktemp("hostile") / "landing[2026-11]"
    (landing / "sub").mkdir(parents=True)
    # An array whose fourth element holds a raw tab inside a string: the other seven count.
    elements = [text(call(f"tab-{i}")) for i in range(8)]
    elements[3] = elements[3].replace("parcel never", "parcel\tnever")
    (landing / "tab array.json").write_text("[\n" + ",\n".join(elements) + "\n]\n")
    # The same file under a second name: read once.
    (landing / "latest.json").symlink_to("tab array.json")
    # Two exports glued together, each with its byte-order mark.
    glued = [f"{BOM}[{text(call('g-1'))},{text(call('g-2'))}]\n", f"{BOM}[{text(call('g-3'))},{text(call('g-4'))}]\n"]
    (landing / "glued#1.json").write_text("".join(glued))
    # JSON Lines files concatenated with their byte-order marks.
    (landing / "sub" / "-cat ü.ndjson").write_text(f"{BOM}{text(call('c-1'))}\n{BOM}{text(call('c-2'))}\n")
    # A field nested 1,010 levels deep: orjson reads it, extra_json cannot be written.
    deep = call("d-2")
    deep_text = text(deep)[:-1] + ', "deep": ' + "[" * 1010 + "]" * 1010 + "}"
    (landing / "deep.jsonl").write_text(f"{text(call('d-1'))}\n{deep_text}\n{text(call('d-3'))}\n")
    # A UTF-16 export.
    (landing / "utf16.json").write_bytes(f"[{text(call('u-1'))}]".encode("utf-16"))
    # A 3 MB array, then an object glued after it whose many object-valued fields span the
    # planner's 1 MB cut points.
    array = [text(call(f"big-{i}", note="x" * 1000)) for i in range(2000)]
    after = call("big-glued") | {f"meta{i}": {"k": {"v": "y" * 100}} for i in range(10_000)}
    (landing / "big.json").write_text("[\n" + ",\n".join(array) + "\n]\n" + text(after) + "\n")

    warehouse = tmp_path_factory.mktemp("warehouse")
    report = run(spark, config_for(landing, warehouse, tiny_model, input__max_split_mb=1))

    def table(name):
        return spark.read.format("delta").load(str(warehouse / name))

    return report, table


def test_every_record_is_counted_once_in_exactly_one_table(hostile_run):
    report, table = hostile_run
    accepted = sorted(row.transcript_id for row in table("transcripts").select("transcript_id").collect())
    expected = sorted(
        [f"tab-{i}" for i in range(8) if i != 3]
        + ["g-1", "g-2", "g-3", "g-4", "c-1", "c-2", "d-1", "d-3", "big-glued"]
        + [f"big-{i}" for i in range(2000)]
    )
    assert accepted == expected
    assert report.input_records == len(expected) + 3
    assert report.quarantined_records == 3
    assert report.input_files == 6  # latest.json is tab array.json


def test_bad_records_are_quarantined_with_their_own_reason_and_text(hostile_run):
    _, table = hostile_run
    rows = table("quarantine").select("source_file", "reason", "detail", "raw_record").collect()
    by_file = {row.source_file.rsplit("/", 1)[1]: row for row in rows}
    assert {name: row.reason for name, row in by_file.items()} == {
        "tab array.json": "invalid_json",
        "deep.jsonl": "invalid_json",  # nested deeper than Python follows
        "utf16.json": "invalid_json",
    }
    assert '"tab-3"' in by_file["tab array.json"].raw_record and '"tab-4"' not in by_file["tab array.json"].raw_record
    assert by_file["deep.jsonl"].detail.startswith("RecursionError")
    assert by_file["utf16.json"].detail == "the file is UTF-16, not UTF-8: export transcripts as UTF-8"
