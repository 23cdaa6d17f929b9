"""One landing folder holding every kind of bad input the job promises to handle, run once.

Each case has its rule (README, "Input contract" and "Quarantine reasons"): either the record
is accepted as documented, or it is quarantined with its reason. None stops the run, and every
record ends in exactly one table.
"""

import json

import pytest

from lakehouse.pipeline import run
from tests.conftest import config_for

SEGMENT = {"speaker": "customer", "start": 0.0, "end": 2.0, "text": "My parcel never arrived."}


def call(transcript_id: str, **fields) -> dict:
    record = {"transcript_id": transcript_id, "tenant_id": "acme", "created_at": "2026-11-20T10:00:00Z"}
    record["segments"] = [SEGMENT]
    return record | fields


def lines(*records) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


@pytest.fixture(scope="module")
def hostile_run(spark, tiny_model, tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    # 1. a UTF-8 byte-order mark before the first record
    (landing / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + lines(call("bom-1")).encode())
    # 2. a JSON Lines file whose last line is cut off mid-record
    (landing / "cut.jsonl").write_text(lines(call("cut-1")) + json.dumps(call("cut-2"))[:40])
    # 3. one key in different spellings; two spellings with different values conflict
    (landing / "case.jsonl").write_text(
        lines(
            {"TranscriptID": "case-1", "tenantId": "acme", "Created_At": "2026-11-20T10:00:00Z", "SEGMENTS": [SEGMENT]},
            call("case-2", tenantId="other"),
        )
    )
    # 4. created_at in every form
    (landing / "times.jsonl").write_text(
        lines(
            call("t-offset", created_at="2026-11-20T12:00:00+02:00"),
            call("t-naive", created_at="2026-11-20T10:00:00"),
            call("t-millis", created_at=1795168800000),
            call("t-seconds", created_at=1795168800),
            call("t-garbage", created_at="last tuesday"),
            call("t-null", created_at=None),
            {k: v for k, v in call("t-missing").items() if k != "created_at"},
        )
    )
    # 5. texts: empty, null, whitespace, 5,000 words, emoji, invalid UTF-8 bytes
    texts = {"x-empty": "", "x-null": None, "x-space": " \t\n\u00a0\u2003 "}
    texts |= {"x-long": "terrible " * 5000, "x-emoji": "great 😀👍"}
    body = lines(*(call(tid, segments=[SEGMENT | {"text": text}]) for tid, text in texts.items()))
    broken = lines(call("x-bytes", segments=[SEGMENT | {"text": "caf\u00e9 PLACEHOLDER"}]))
    (landing / "texts.jsonl").write_bytes(body.encode() + broken.encode().replace(b"PLACEHOLDER", b"\xff\xfe"))
    # 6. a field nobody declared; a known field of the wrong type
    (landing / "fields.jsonl").write_text(
        lines(call("f-unknown", queue="billing", csat={"score": 4}), call("f-wrong", tenant_id=["acme"]))
    )
    # 7. a file that is not JSON, an empty file, an array holding a non-object element
    (landing / "notes.json").write_text("this export failed, sorry\n")
    (landing / "empty.json").write_text("")
    (landing / "array.json").write_text(json.dumps([call("a-1"), 42, call("a-2")], indent=2))
    # 8. segments empty or missing
    (landing / "segments.jsonl").write_text(
        lines(call("s-empty", segments=[]), {k: v for k, v in call("s-missing").items() if k != "segments"})
    )
    warehouse = tmp_path_factory.mktemp("warehouse")
    report = run(spark, config_for(landing, warehouse, tiny_model))

    def table(name):
        return spark.read.format("delta").load(str(warehouse / name))

    return report, table


def test_every_record_lands_in_exactly_one_place_and_the_run_finishes(hostile_run):
    report, table = hostile_run
    assert report.quarantine_by_reason == {
        "conflicting_keys": 1,
        "empty_file": 1,
        "empty_segments": 1,
        "invalid_created_at": 1,
        "invalid_field_type": 1,
        "invalid_json": 1,
        "missing_created_at": 2,
        "missing_segments": 1,
        "not_an_object": 1,
        "truncated_record": 1,
    }
    accepted = {r.transcript_id for r in table("transcripts").collect()}
    assert accepted == {
        "bom-1", "cut-1", "case-1", "t-offset", "t-naive", "t-millis", "t-seconds",
        "x-empty", "x-null", "x-space", "x-long", "x-emoji", "x-bytes", "f-unknown", "a-1", "a-2",
    }  # fmt: skip
    assert report.input_records == len(accepted) + 11 == report.accepted_transcripts + report.quarantined_records
    assert table("quarantine").count() == 11


def test_created_at_forms_all_mean_the_same_instant_in_utc(hostile_run):
    _, table = hostile_run
    rows = table("transcripts").where("transcript_id LIKE 't-%'").collect()
    assert {r.transcript_id: str(r.created_at) for r in rows} == {
        "t-offset": "2026-11-20 10:00:00",
        "t-naive": "2026-11-20 10:00:00",  # no offset: taken as UTC
        "t-millis": "2026-11-20 10:00:00",
        "t-seconds": "2026-11-20 10:00:00",
    }


def test_texts_are_scored_or_skipped_with_a_reason(hostile_run):
    _, table = hostile_run
    rows = {r.transcript_id: r for r in table("segments").where("transcript_id LIKE 'x-%'").collect()}
    for empty in ("x-empty", "x-null", "x-space"):
        assert (rows[empty].score_skipped_reason, rows[empty].sentiment_score) == ("empty_text", None)
    assert rows["x-long"].truncated and rows["x-long"].token_count > 5000
    assert rows["x-emoji"].text == "great 😀👍" and rows["x-emoji"].sentiment_label is not None
    assert rows["x-bytes"].text == "café \ufffd\ufffd" and rows["x-bytes"].sentiment_label is not None


def test_unknown_fields_are_kept_and_wrong_types_are_named(hostile_run):
    _, table = hostile_run
    kept = table("transcripts").where("transcript_id = 'f-unknown'").first()
    assert json.loads(kept.extra_json) == {"queue": "billing", "csat": {"score": 4}}
    wrong = table("quarantine").where("reason = 'invalid_field_type'").first()
    assert "tenant_id" in wrong.detail and "f-wrong" in wrong.raw_record


def test_bad_files_are_quarantined_with_their_file_and_offset(hostile_run):
    _, table = hostile_run
    rows = {(r.reason, r.source_file.rsplit("/", 1)[-1]): r for r in table("quarantine").collect()}
    assert ("invalid_json", "notes.json") in rows and ("empty_file", "empty.json") in rows
    assert ("truncated_record", "cut.jsonl") in rows and ("not_an_object", "array.json") in rows
    cut_at = rows[("truncated_record", "cut.jsonl")].source_offset
    assert cut_at == len(lines(call("cut-1")).encode())
