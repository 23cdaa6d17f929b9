from datetime import UTC, datetime

import pytest

from lakehouse.reading.records import clean_text, key_form, normalize_transcript, parse_created_at
from lakehouse.reasons import Reason, Rejected

UTC = UTC


def transcript(**changes):
    record = {
        "transcript_id": "t1",
        "tenant_id": "acme",
        "created_at": "2026-11-26T05:39:38-05:00",
        "segments": [{"speaker": "agent", "start": 0.0, "end": 1.5, "text": "Hello"}],
    }
    record.update(changes)
    return record


def reason_of(value) -> Reason:
    with pytest.raises(Rejected) as caught:
        normalize_transcript(value)
    return caught.value.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-26T05:39:38-05:00", datetime(2026, 11, 26, 10, 39, 38, tzinfo=UTC)),
        ("2026-11-26T10:39:38Z", datetime(2026, 11, 26, 10, 39, 38, tzinfo=UTC)),
        ("2026-11-26T10:39:38", datetime(2026, 11, 26, 10, 39, 38, tzinfo=UTC)),  # no offset: UTC
        ("2026-11-26T23:30:00+05:30", datetime(2026, 11, 26, 18, 0, 0, tzinfo=UTC)),
        (1795689578000, datetime(2026, 11, 26, 10, 39, 38, tzinfo=UTC)),  # epoch milliseconds
        (1795689578, datetime(2026, 11, 26, 10, 39, 38, tzinfo=UTC)),  # epoch seconds
    ],
)
def test_created_at_formats_become_utc(value, expected):
    assert parse_created_at(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, Reason.MISSING_CREATED_AT),
        ("", Reason.MISSING_CREATED_AT),
        ("last Tuesday", Reason.INVALID_CREATED_AT),
        (True, Reason.INVALID_CREATED_AT),
        ({"at": 1}, Reason.INVALID_CREATED_AT),
        ("1850-01-01T00:00:00Z", Reason.INVALID_CREATED_AT),
        (float("nan"), Reason.INVALID_CREATED_AT),
    ],
)
def test_bad_created_at_is_rejected_with_its_reason(value, reason):
    with pytest.raises(Rejected) as caught:
        parse_created_at(value)
    assert caught.value.reason is reason


def test_valid_transcript_normalizes_to_typed_fields():
    fields = normalize_transcript(transcript(channel="voice", queue="billing"))
    assert fields == (
        "t1",
        "acme",
        datetime(2026, 11, 26, 10, 39, 38, tzinfo=UTC),
        "voice",
        None,
        [("agent", 0.0, 1.5, "Hello")],
        '{"queue": "billing"}',
    )


def test_keys_in_any_case_or_spelling_are_the_same_field():
    record = {
        "TranscriptID": "t1",
        "tenantId": "acme",
        "Created_At": "2026-11-26T10:39:38Z",
        "Segments": [{"Speaker": "agent", "TEXT": "Hi"}],
    }
    assert normalize_transcript(record)[:2] == ("t1", "acme")
    assert normalize_transcript(record)[5] == [("agent", None, None, "Hi")]
    assert key_form("TenantID") == key_form("tenant_id") == "tenantid"


def test_two_spellings_with_different_values_conflict():
    assert reason_of(transcript(tenantId="other")) is Reason.CONFLICTING_KEYS


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"transcript_id": None}, Reason.MISSING_TRANSCRIPT_ID),
        ({"transcript_id": "  "}, Reason.MISSING_TRANSCRIPT_ID),
        ({"tenant_id": None}, Reason.MISSING_TENANT_ID),
        ({"tenant_id": ["acme"]}, Reason.INVALID_FIELD_TYPE),
        ({"segments": None}, Reason.MISSING_SEGMENTS),
        ({"segments": []}, Reason.EMPTY_SEGMENTS),
        ({"segments": "hello"}, Reason.INVALID_FIELD_TYPE),
        ({"segments": ["hello"]}, Reason.INVALID_SEGMENT),
        ({"segments": [{"speaker": "a", "start": "zero", "text": "x"}]}, Reason.INVALID_FIELD_TYPE),
        ({"segments": [{"speaker": "a", "text": 42}]}, Reason.INVALID_FIELD_TYPE),
        ({"channel": 3}, Reason.INVALID_FIELD_TYPE),
    ],
)
def test_contract_violations_are_rejected(change, reason):
    assert reason_of(transcript(**change)) is reason


def test_missing_segments_key_is_rejected():
    record = transcript()
    del record["segments"]
    assert reason_of(record) is Reason.MISSING_SEGMENTS


@pytest.mark.parametrize("value", [[1, 2], "text", 7, None])
def test_non_objects_are_rejected(value):
    assert reason_of(value) is Reason.NOT_AN_OBJECT


def test_numeric_ids_become_strings():
    assert normalize_transcript(transcript(transcript_id=123))[0] == "123"


def test_null_and_empty_text_are_kept_for_the_scorer_to_skip():
    segments = [{"speaker": "a", "text": None}, {"speaker": "b", "text": "   "}, {"speaker": "c"}]
    assert normalize_transcript(transcript(segments=segments))[5] == [
        ("a", None, None, None),
        ("b", None, None, "   "),
        ("c", None, None, None),
    ]


def test_clean_text_replaces_what_utf8_cannot_store():
    assert clean_text("caf\udce9 ok") == "caf\ufffd ok"
    assert clean_text("lone \ud83d half") == "lone \ufffd half"
    assert clean_text("emoji 😀 stays") == "emoji 😀 stays"
