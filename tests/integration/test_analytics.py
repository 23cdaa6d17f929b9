"""Call analytics on hand-made calls; every expected value is worked out in the comments."""

import pytest

from lakehouse.analytics import call_analytics, with_call_timeline
from lakehouse.config import AnalyticsConfig, SentimentRule

SCHEMA = (
    "transcript_id string, segment_index int, speaker_role string, start_seconds double, end_seconds double, "
    "word_count int, sentiment_score double, pii_counts map<string,int>, text string"
)
RULES = AnalyticsConfig(
    gap_seconds=3.0,
    phrase_rules={"escalation_request": ["speak to a manager"], "cancellation_intent": ["cancel my account"]},
    sentiment_rules={
        # a rule name may hold any character
        "customer negative.at start": SentimentRule(role="customer", quarter=1, below=-0.25),
        "customer_negative_at_end": SentimentRule(role="customer", quarter=4, below=-0.25),
    },
)

# A timed call of 40 s, so quarters are 10 s long and an utterance's quarter is where its midpoint falls.
TIMED = [
    ("t1", 0, "agent", 0.0, 4.0, 8, 0.5, {}, "Thank you for calling"),  # mid 2 -> q1
    ("t1", 1, "customer", 5.0, 10.0, 15, -0.8, {}, "I want to SPEAK to a Manager now"),  # mid 7.5 -> q1
    ("t1", 2, "agent", 9.0, 12.0, 6, 0.2, {}, "Of course"),  # starts 1 s before the customer ends; mid 10.5 -> q2
    ("t1", 3, "customer", 16.0, 20.0, 10, -0.2, {"CARD": 1}, "my card is [CARD]"),  # 4 s of silence before; q2
    ("t1", 4, "customer", 20.5, 24.0, 7, 0.4, {}, "ok that works"),  # 0.5 s gap (not counted); same turn; q3
    ("t1", 5, "agent", 23.0, 28.0, 12, 0.6, {}, "Done"),  # starts 1 s before the customer ends; mid 25.5 -> q3
    ("t1", 6, "customer", 31.0, 40.0, 18, 0.9, {"CARD": 1, "PHONE": 1}, "great, do not cancel my account"),  # 3 s gap
]
# No timings: quarters by order, floor(4 * position / 6) + 1 -> 1, 1, 2, 3, 3, 4.
UNTIMED = [
    ("t2", 0, "customer", None, None, 3, -0.6, {}, "this is bad"),
    ("t2", 1, "customer", None, None, 2, -0.4, {}, "very bad"),
    ("t2", 2, "agent", None, None, 2, 0.0, {}, "I see"),
    ("t2", 3, "customer", None, None, 1, 0.2, {}, "fine"),
    ("t2", 4, "agent", None, None, 0, None, {}, ""),
    ("t2", 5, "agent", None, None, 2, 0.8, {}, "great news"),
]


@pytest.fixture(scope="module")
def calls(spark):
    segments = spark.createDataFrame(TIMED + UNTIMED, SCHEMA)
    return {row.transcript_id: row for row in call_analytics(segments, RULES).collect()}


def test_quarters_by_time_when_timed_and_by_order_otherwise(spark):
    segments = spark.createDataFrame(TIMED + UNTIMED, SCHEMA)
    rows = with_call_timeline(segments).orderBy("transcript_id", "segment_index").collect()
    assert [r._quarter for r in rows] == [1, 1, 2, 2, 3, 3, 4] + [1, 1, 2, 3, 3, 4]


def test_sentiment_by_role_and_quarter_and_its_shift(calls):
    timed = calls["t1"]
    assert timed.quarter_basis == "time"
    customer = [timed[f"customer_sentiment_q{q}"] for q in (1, 2, 3, 4)]
    assert customer == pytest.approx([-0.8, -0.2, 0.4, 0.9])
    assert timed.customer_sentiment_shift == pytest.approx(1.7)  # 0.9 - (-0.8)
    assert [timed[f"agent_sentiment_q{q}"] for q in (1, 2, 3)] == pytest.approx([0.5, 0.2, 0.6])
    assert timed.agent_sentiment_q4 is None and timed.agent_sentiment_shift is None  # agent silent in q4
    assert timed.customer_sentiment_score_5 == pytest.approx(0.375)  # mean 0.3 / 4 = 0.075, times 5
    assert timed.agent_sentiment_score_5 == pytest.approx(5 * 1.3 / 3)

    untimed = calls["t2"]
    assert untimed.quarter_basis == "order"
    assert untimed.customer_sentiment_q1 == pytest.approx(-0.5)
    assert (untimed.customer_sentiment_q2, untimed.customer_sentiment_q3) == (None, pytest.approx(0.2))
    assert untimed.agent_sentiment_q3 is None  # its only q3 utterance has no score
    assert untimed.agent_sentiment_q4 == pytest.approx(0.8)
    assert untimed.customer_sentiment_shift is None


def test_talk_time_and_words_per_minute(calls):
    timed = calls["t1"]
    assert timed.customer_talk_seconds == pytest.approx(21.5)  # 5 + 4 + 3.5 + 9
    assert timed.agent_talk_seconds == pytest.approx(12.0)  # 4 + 3 + 5
    assert timed.customer_words_per_minute == pytest.approx(50 / 21.5 * 60)  # 15 + 10 + 7 + 18 words
    assert timed.agent_words_per_minute == pytest.approx(130.0)  # 26 words in 12 s
    untimed = calls["t2"]
    assert (untimed.customer_talk_seconds, untimed.customer_words_per_minute) == (None, None)


def test_non_talk_time_interruptions_and_turns(calls):
    timed = calls["t1"]
    assert timed.non_talk_seconds == pytest.approx(7.0)  # gaps of 4 and 3 s; the 1 s and 0.5 s gaps are talk
    assert timed.non_talk_share == pytest.approx(7.0 / 40.0)
    assert (timed.interruption_count, timed.interruption_seconds) == (2, pytest.approx(2.0))
    assert (timed.agent_interruption_count, timed.customer_interruption_count) == (2, 0)
    assert timed.turn_count == 6  # a c a cc a c

    untimed = calls["t2"]
    assert (untimed.non_talk_seconds, untimed.non_talk_share, untimed.interruption_seconds) == (None, None, None)
    assert untimed.interruption_count == 0
    assert untimed.turn_count == 4  # cc a c aa


def test_phrase_and_sentiment_flags_name_the_segment(calls):
    timed = calls["t1"]
    assert [(f.rule, f.segment_index) for f in timed.flags] == [
        ("customer negative.at start", 1),  # q1 mean -0.8 < -0.25; its lowest utterance
        ("escalation_request", 1),  # case-insensitive
        ("cancellation_intent", 6),
    ]
    assert timed.flag_rules == ["cancellation_intent", "customer negative.at start", "escalation_request"]
    untimed = calls["t2"]
    assert [(f.rule, f.segment_index) for f in untimed.flags] == [("customer negative.at start", 0)]


def test_masked_entities_are_counted_per_call(calls):
    assert calls["t1"].pii_masked_counts == {"CARD": 2, "PHONE": 1}
    assert calls["t2"].pii_masked_counts == {}
