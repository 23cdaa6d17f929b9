from datetime import date, datetime

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from lakehouse.reasons import Reason
from lakehouse.schema import RECORD_SCHEMA
from lakehouse.transforms import explode_segments, has_text, mark_superseded, speaker_role, summarize_segments

ROLES = {"agent": ["agent", "SYSTEM"], "customer": ["user"]}


def record(tid, segments, *, source="f.jsonl", offset=0, reason=None):
    created = None if reason else datetime(2026, 11, 26, 23, 30)
    tenant = None if reason else "acme"
    return (source, offset, tid, tenant, created, "voice", "en", segments, None, False, reason, None, None)


def test_explode_segments_numbers_utterances_in_order_with_their_utc_date(spark):
    records = spark.createDataFrame(
        [record("t1", [("agent", 0.0, 1.0, "hi"), ("user", 1.5, 2.0, None)])], RECORD_SCHEMA
    )
    rows = (
        explode_segments(records).select("transcript_id", "segment_index", "speaker", "created_date", "text").collect()
    )
    assert [tuple(r) for r in rows] == [
        ("t1", 0, "agent", date(2026, 11, 26), "hi"),
        ("t1", 1, "user", date(2026, 11, 26), None),
    ]


def test_speaker_role_maps_labels_in_any_case_and_the_rest_to_other(spark):
    speakers = spark.createDataFrame([("agent",), ("system",), (" USER ",), ("bot",), (None,)], "speaker string")
    actual = speakers.withColumn("role", speaker_role(F.col("speaker"), ROLES))
    expected = spark.createDataFrame(
        [("agent", "agent"), ("system", "agent"), (" USER ", "customer"), ("bot", "other"), (None, "other")],
        "speaker string, role string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_summary_of_hand_made_segments(spark):
    segments = (
        spark.createDataFrame(
            [
                ("t1", "agent", 0.0, 4.0, "positive", 0.8, 0.1, 0.0, 0.9),
                ("t1", "customer", 5.0, 9.0, "negative", -0.6, 0.7, 0.2, 0.1),
                ("t1", "customer", 9.5, 12.0, "neutral", 0.0, 0.2, 0.6, 0.2),
                ("t1", "other", 12.0, 12.5, None, None, None, None, None),
            ],
            "transcript_id string, speaker_role string, start_seconds double, end_seconds double, "
            "sentiment_label string, sentiment_score double, p_negative double, p_neutral double, p_positive double",
        )
        .withColumn("model_name", F.lit("m"))
        .withColumn("model_revision", F.lit("r"))
    )
    row = summarize_segments(segments).collect()[0]
    assert (row.segment_count, row.scored_segment_count) == (4, 3)
    assert row.duration_seconds == 12.5
    assert row.sentiment_score == pytest.approx(0.2 / 3)
    assert row.agent_sentiment_score == pytest.approx(0.8)
    assert row.customer_sentiment_score == pytest.approx(-0.3)
    assert row.other_sentiment_score is None
    assert (row.agent_segment_count, row.customer_segment_count, row.other_segment_count) == (1, 2, 1)
    assert (row.negative_segment_count, row.positive_segment_count) == (1, 1)
    assert row.min_segment_score == pytest.approx(-0.6)
    # mean probabilities: negative 1/3, neutral 0.8/3, positive 1.2/3
    assert row.sentiment_label == "positive"


def arrivals(spark, **landed_at):
    return spark.createDataFrame(list(landed_at.items()), "source_file string, arrived_at double")


def superseded_outcome(spark, records, **landed_at):
    marked = records.transform(mark_superseded(arrivals(spark, **{f"{k}.jsonl": v for k, v in landed_at.items()})))
    assert marked.columns == records.columns
    rows = marked.select("transcript_id", "source_file", "reject_reason").collect()
    return sorted((r.transcript_id or "", r.source_file, r.reject_reason or "") for r in rows)


def test_only_the_version_that_landed_last_is_kept(spark):
    seg = [("agent", 0.0, 1.0, "hi")]
    records = spark.createDataFrame(
        [
            record("t1", seg, source="a.jsonl", offset=0),
            record("t1", seg, source="b.jsonl", offset=0),
            record("t2", seg, source="a.jsonl", offset=50),
            record(None, None, source="a.jsonl", offset=99, reason="invalid_json"),
        ],
        RECORD_SCHEMA,
    )
    # b.jsonl landed first, a.jsonl (a re-export) later: a's version wins despite its name.
    assert superseded_outcome(spark, records, a=2000.0, b=1000.0) == [
        ("", "a.jsonl", "invalid_json"),
        ("t1", "a.jsonl", ""),
        ("t1", "b.jsonl", Reason.SUPERSEDED_DUPLICATE.value),
        ("t2", "a.jsonl", ""),
    ]
    # Landed at the same time: the later path, then the later offset, wins.
    assert superseded_outcome(spark, records, a=1000.0, b=1000.0)[1:3] == [
        ("t1", "a.jsonl", Reason.SUPERSEDED_DUPLICATE.value),
        ("t1", "b.jsonl", ""),
    ]


def test_a_broken_later_copy_does_not_knock_out_the_valid_version(spark):
    seg = [("agent", 0.0, 1.0, "hi")]
    records = spark.createDataFrame(
        [
            record("t1", seg, source="a.jsonl", offset=0),
            record("t1", seg, source="b.jsonl", offset=0, reason="invalid_created_at"),
        ],
        RECORD_SCHEMA,
    )
    assert superseded_outcome(spark, records, a=1000.0, b=2000.0) == [
        ("t1", "a.jsonl", ""),
        ("t1", "b.jsonl", "invalid_created_at"),
    ]


def test_has_text_is_false_for_null_empty_and_any_unicode_whitespace(spark):
    texts = [(None,), ("",), ("   ",), (" \t\n\r ",), ("\u00a0\u2003",), ("ok",), (" hi \t",)]
    rows = spark.createDataFrame(texts, "text string").select(has_text(F.col("text")).alias("has")).collect()
    assert [r.has for r in rows] == [False, False, False, False, False, True, True]
