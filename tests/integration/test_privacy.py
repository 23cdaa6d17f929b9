"""The real job on hand-made calls full of personal data: nothing unmasked in any table."""

import json

from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from lakehouse.pipeline import run
from tests.conftest import config_for

CARD, CARD_DASHED, EMAIL, PHONE, IBAN = (
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "jane.doe@example.com",
    "(415) 555-0132",
    "GB82 WEST 1234 5698 7654 32",
)
SECRETS = [CARD, CARD_DASHED, EMAIL, PHONE, IBAN, "4111111111111111", "5500000000000004", "5550132", "98765432"]
NEAR_MISS_CARD, DATE = "4111 1111 1111 1112", "2026-03-15"


def call(tid, segments, **extra):
    return {
        "transcript_id": tid,
        "tenant_id": "acme",
        "created_at": "2026-11-26T10:00:00Z",
        "segments": segments,
        **extra,
    }


def segment(speaker, start, end, text):
    return {"speaker": speaker, "start": start, "end": end, "text": text}


def write_input(folder):
    folder.mkdir()
    calls = [
        call(
            "p1",
            [
                segment("agent", 0.0, 3.0, "Thanks for calling, how can I help?"),
                segment("customer", 3.5, 9.0, f"My card is {CARD} and my email is {EMAIL}"),
                segment("agent", 13.0, 16.0, f"Your IBAN {IBAN} is noted; call {PHONE} if needed."),
                segment("customer", 16.5, 20.0, f"I want to speak to a manager. Also {CARD_DASHED}."),
                segment(f"Supervisor {EMAIL}", 20.0, 22.0, "Hello, I'm the supervisor."),
            ],
            crm_note=f"call back on {PHONE}",
        ),
        call(
            "p2",
            [
                segment("customer", 0.0, 4.0, f"Reference {NEAR_MISS_CARD} from {DATE}."),
                segment("agent", 4.0, 6.0, "Thank you."),
            ],
        ),
    ]
    lines = [json.dumps(c) for c in calls]
    # Quarantined (no tenant): its raw text is stored, so it must be masked too.
    lines.append(
        json.dumps(
            {
                "transcript_id": "p3",
                "created_at": "2026-11-26T10:00:00Z",
                "segments": [{"speaker": "customer", "text": f"card {CARD}, mail {EMAIL}, iban {IBAN}, phone {PHONE}"}],
            }
        )
    )
    (folder / "calls.jsonl").write_text("\n".join(lines) + "\n")


def string_values(frame):
    """Every value of the frame as text, nested maps, arrays and structs included."""
    columns = [
        F.col(f.name) if isinstance(f.dataType, StringType) else F.to_json(F.struct(F.col(f.name)))
        for f in frame.schema.fields
    ]
    return [value for row in frame.select(*columns).collect() for value in row if value is not None]


def test_no_unmasked_value_in_any_written_table(spark, tiny_model, tmp_path):
    write_input(tmp_path / "in")
    warehouse = tmp_path / "warehouse"
    report = run(spark, config_for(tmp_path / "in", warehouse, tiny_model))
    assert (report.transcripts_written, report.quarantined_records) == (2, 1)
    assert report.pii_masked == {"CARD": 2, "EMAIL": 1, "IBAN": 1, "PHONE": 1}
    assert (report.segments_with_other_role, report.other_speaker_labels) == (1, {"Supervisor [EMAIL]": 1})

    tables = sorted(p.name for p in warehouse.iterdir() if not p.name.startswith("_"))
    assert tables == ["quarantine", "segments", "transcripts"]  # no unmasked table unless configured
    for name in tables:
        values = "\n".join(string_values(spark.read.format("delta").load(str(warehouse / name))))
        digits_only = "".join(ch for ch in values if ch.isdigit() or ch == "\n")
        for secret in SECRETS:
            assert secret not in values, f"{secret!r} stored unmasked in {name}"
        for secret in ("4111111111111111", "5500000000000004", "98765432"):
            assert secret not in digits_only, f"{secret!r} digits in {name}"

    segments = spark.read.format("delta").load(str(warehouse / "segments"))
    texts = {(r.transcript_id, r.segment_index): r.text for r in segments.collect()}
    assert texts[("p1", 1)] == "My card is [CARD] and my email is [EMAIL]"
    assert texts[("p1", 2)] == "Your IBAN [IBAN] is noted; call [PHONE] if needed."
    assert texts[("p2", 0)] == f"Reference {NEAR_MISS_CARD} from {DATE}."  # near misses kept

    calls = {r.transcript_id: r for r in spark.read.format("delta").load(str(warehouse / "transcripts")).collect()}
    assert calls["p1"].pii_masked_counts == {"CARD": 2, "EMAIL": 1, "IBAN": 1, "PHONE": 1}
    assert "[PHONE]" in calls["p1"].extra_json
    assert [(f.rule, f.segment_index) for f in calls["p1"].flags][:1] == [("escalation_request", 3)]
    assert calls["p1"].non_talk_seconds == 4.0  # 9.0 -> 13.0
    quarantine = spark.read.format("delta").load(str(warehouse / "quarantine")).first()
    assert "[CARD]" in quarantine.raw_record and "[EMAIL]" in quarantine.raw_record


def test_unmasked_text_only_in_its_own_table_when_configured(spark, tiny_model, tmp_path):
    write_input(tmp_path / "in")
    warehouse = tmp_path / "warehouse"
    config = config_for(tmp_path / "in", warehouse, tiny_model)
    config = type(config)(**{**config.__dict__, "pii": type(config.pii)(keep_unmasked=True)})
    run(spark, config)
    unmasked = spark.read.format("delta").load(str(warehouse / "segments_unmasked"))
    assert unmasked.columns == ["tenant_id", "created_date", "transcript_id", "segment_index", "text"]
    assert CARD in "\n".join(string_values(unmasked))
    assert CARD not in "\n".join(string_values(spark.read.format("delta").load(str(warehouse / "segments"))))
