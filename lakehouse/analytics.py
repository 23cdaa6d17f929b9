"""Call analytics from scored segments: sentiment by role and quarter, talk time, silence,
interruptions, turns, rule flags and masked-entity counts; one row per call.

Everything is window functions and one groupBy over the segments: no Python runs per row.
Time-based metrics need every segment of the call to have a start and an end; a call without
them gets nulls there, and quarters by segment order instead of by time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.config import AnalyticsConfig, SentimentRule
from lakehouse.schema import SEGMENT_INDEX, TRANSCRIPT_ID

Transformation = Callable[[DataFrame], DataFrame]

ROLE, START, END, SCORE = "speaker_role", "start_seconds", "end_seconds", "sentiment_score"
SPEAKING_ROLES = ("agent", "customer")
QUARTERS = (1, 2, 3, 4)
VENDOR_SCALE = 5.0  # vendor exports report sentiment on -5..+5
FLAG_STRUCT = "struct<rule:string,segment_index:int>"

TIMED, QUARTER, GAP, OVERLAP, NEW_TURN = "_timed", "_quarter", "_gap_before", "_interruption_seconds", "_new_turn"


def quarter_column(role: str, quarter: int) -> str:
    return f"{role}_sentiment_q{quarter}"


ANALYTICS_COLUMNS = (
    "quarter_basis",
    *[f"{role}_sentiment_score_5" for role in SPEAKING_ROLES],
    *[quarter_column(role, q) for role in SPEAKING_ROLES for q in QUARTERS],
    *[f"{role}_sentiment_shift" for role in SPEAKING_ROLES],
    *[f"{role}_talk_seconds" for role in SPEAKING_ROLES],
    *[f"{role}_words_per_minute" for role in SPEAKING_ROLES],
    "non_talk_seconds",
    "non_talk_share",
    "interruption_count",
    "interruption_seconds",
    *[f"{role}_interruption_count" for role in SPEAKING_ROLES],
    "turn_count",
    "flag_rules",
    "flags",
    "pii_masked_counts",
)


def with_call_timeline(segments: DataFrame) -> DataFrame:
    """Per segment: its quarter of the call, the silence before it, how far it overlaps the
    other role's previous segment, and whether it starts a new turn."""
    by_call = Window.partitionBy(TRANSCRIPT_ID)
    by_time = by_call.orderBy(F.col(START).asc_nulls_last(), SEGMENT_INDEX)
    earlier = by_time.rowsBetween(Window.unboundedPreceding, -1)
    by_order = by_call.orderBy(SEGMENT_INDEX)

    start, end, role = F.col(START), F.col(END), F.col(ROLE)
    timed = F.min(F.when(start.isNotNull() & end.isNotNull(), 1).otherwise(0)).over(by_call) == 1
    call_start, call_end = F.min(start).over(by_call), F.max(end).over(by_call)
    duration = call_end - call_start
    # Quarters by the utterance's midpoint, so a long turn belongs where most of it is.
    by_time_quarter = F.floor(4 * ((start + end) / 2 - call_start) / duration) + 1
    position = F.row_number().over(by_order) - 1
    by_order_quarter = F.floor(4 * position / F.count("*").over(by_call)) + 1
    quarter = F.when(timed & (duration > 0), F.least(by_time_quarter, F.lit(4))).otherwise(by_order_quarter)

    last_end_of = {r: F.last(F.when(role == r, end), ignorenulls=True).over(earlier) for r in SPEAKING_ROLES}
    other_end = F.when(role == "agent", last_end_of["customer"]).when(role == "customer", last_end_of["agent"])
    overlap = F.when(timed & (start < other_end), F.least(end, other_end) - start)

    return (
        segments.withColumn(TIMED, timed)
        .withColumn(QUARTER, quarter.cast("int"))
        .withColumn(GAP, F.when(timed, start - F.max(end).over(earlier)))
        .withColumn(OVERLAP, overlap)
        .withColumn(NEW_TURN, F.coalesce(role != F.lag(role).over(by_order), F.lit(True)))
    )


def _of(role: str, value: Column, quarter: int | None = None) -> Column:
    condition = F.col(ROLE) == role
    if quarter is not None:
        condition = condition & (F.col(QUARTER) == quarter)
    return F.when(condition, value)


def _when_timed(value: Column) -> Column:
    return F.when(F.col(TIMED), value)


def _phrase_pattern(phrases: list[str]) -> str:
    return "(?i)\\b(?:" + "|".join(re.escape(p) for p in phrases) + ")\\b"


def _phrase_flags(rules: dict[str, list[str]]) -> Column:
    """Per segment: an array of (rule, segment_index) for each phrase rule its masked text matches."""
    hits = [
        F.when(
            F.col("text").rlike(_phrase_pattern(phrases)), F.struct(F.lit(name), F.col(SEGMENT_INDEX)).cast(FLAG_STRUCT)
        )
        for name, phrases in rules.items()
        if phrases
    ]
    empty = F.array().cast(f"array<{FLAG_STRUCT}>")
    return F.filter(F.array(*hits), lambda hit: hit.isNotNull()) if hits else empty


def _sentiment_rule_aggregates(number: int, rule: SentimentRule) -> list[Column]:
    """The role's mean score in the rule's quarter, and its lowest (or highest) scoring utterance there."""
    score = _of(rule.role, F.col(SCORE), rule.quarter)
    pick = F.min_by if rule.below is not None else F.max_by
    return [F.avg(score).alias(f"_rule{number}_mean"), pick(F.col(SEGMENT_INDEX), score).alias(f"_rule{number}_at")]


def _sentiment_flag(number: int, name: str, rule: SentimentRule) -> Column:
    # Rules are numbered, not named, in the working columns: a rule name may hold any character.
    mean = F.col(f"_rule{number}_mean")
    matched = mean < rule.below if rule.below is not None else mean > rule.above
    return F.when(matched, F.struct(F.lit(name), F.col(f"_rule{number}_at")).cast(FLAG_STRUCT))


def _summed_counts(maps: Column) -> Column:
    """Adds up a list of kind -> count maps (missing kinds count 0)."""
    start = F.create_map().cast("map<string,int>")
    return F.aggregate(
        maps,
        start,
        lambda total, counts: F.map_zip_with(
            total, counts, lambda _, a, b: F.coalesce(a, F.lit(0)) + F.coalesce(b, F.lit(0))
        ),
    )


def aggregate_calls(timeline: DataFrame, config: AnalyticsConfig) -> DataFrame:
    """One groupBy over the timeline: per call sums, means and collected flags."""
    talk = F.col(END) - F.col(START)
    gap = F.col(GAP)
    per_role = []
    for role in SPEAKING_ROLES:
        per_role += [
            F.sum(_of(role, talk)).alias(f"_{role}_talk"),
            F.sum(_of(role, F.col("word_count"))).alias(f"_{role}_words"),
            F.count(_of(role, F.col(OVERLAP))).alias(f"{role}_interruption_count"),
            *[F.avg(_of(role, F.col(SCORE), q)).alias(quarter_column(role, q)) for q in QUARTERS],
            F.avg(_of(role, F.col(SCORE))).alias(f"_{role}_mean"),
        ]
    rules = [
        agg
        for number, rule in enumerate(config.sentiment_rules.values())
        for agg in _sentiment_rule_aggregates(number, rule)
    ]
    return timeline.groupBy(TRANSCRIPT_ID).agg(
        F.bool_and(TIMED).alias(TIMED),
        (F.max(END) - F.min(START)).alias("_duration"),
        F.sum(F.when(gap >= config.gap_seconds, gap).otherwise(0.0)).alias("_non_talk"),
        F.count(OVERLAP).alias("interruption_count"),
        F.sum(F.coalesce(F.col(OVERLAP), F.lit(0.0))).alias("_interruption_seconds"),
        F.sum(F.col(NEW_TURN).cast("int")).alias("turn_count"),
        F.flatten(F.collect_list(_phrase_flags(config.phrase_rules))).alias("_phrase_flags"),
        F.collect_list(F.when(F.size("pii_counts") > 0, F.col("pii_counts"))).alias("_pii_maps"),
        *per_role,
        *rules,
    )


def with_call_metrics(config: AnalyticsConfig) -> Transformation:
    """From per-call aggregates to the published columns (nulls where timings are missing)."""

    def step(calls: DataFrame) -> DataFrame:
        timed = F.col(TIMED)
        sentiment_flags = [
            _sentiment_flag(number, name, rule) for number, (name, rule) in enumerate(config.sentiment_rules.items())
        ]
        flags = F.array_sort(
            F.concat(F.col("_phrase_flags"), F.filter(F.array(*sentiment_flags), lambda f: f.isNotNull()))
            if sentiment_flags
            else F.col("_phrase_flags"),
            lambda a, b: F.when(a.segment_index != b.segment_index, a.segment_index - b.segment_index).otherwise(
                F.when(a.rule < b.rule, -1).when(a.rule > b.rule, 1).otherwise(0)
            ),
        )
        columns = {
            "quarter_basis": F.when(timed & (F.col("_duration") > 0), "time").otherwise("order"),
            "non_talk_seconds": _when_timed(F.col("_non_talk")),
            "non_talk_share": _when_timed(F.col("_non_talk") / F.col("_duration")),
            "interruption_seconds": _when_timed(F.col("_interruption_seconds")),
            "flags": flags,
            "flag_rules": F.array_sort(F.array_distinct(flags.getField("rule"))),
            "pii_masked_counts": _summed_counts(F.col("_pii_maps")),
        }
        for role in SPEAKING_ROLES:
            talk_seconds = _when_timed(F.coalesce(F.col(f"_{role}_talk"), F.lit(0.0)))
            columns |= {
                f"{role}_sentiment_score_5": F.col(f"_{role}_mean") * VENDOR_SCALE,
                f"{role}_sentiment_shift": F.col(quarter_column(role, 4)) - F.col(quarter_column(role, 1)),
                f"{role}_talk_seconds": talk_seconds,
                f"{role}_words_per_minute": F.when(
                    talk_seconds > 0, F.coalesce(F.col(f"_{role}_words"), F.lit(0)) / (talk_seconds / 60)
                ),
            }
        return calls.withColumns(columns).select(TRANSCRIPT_ID, *ANALYTICS_COLUMNS)

    return step


def call_analytics(segments: DataFrame, config: AnalyticsConfig) -> DataFrame:
    return aggregate_calls(with_call_timeline(segments), config).transform(with_call_metrics(config))


def with_call_analytics(segments: DataFrame, config: AnalyticsConfig) -> Transformation:
    """Adds the analytics columns of each call to its summary row."""

    def step(summaries: DataFrame) -> DataFrame:
        return summaries.join(call_analytics(segments, config), on=TRANSCRIPT_ID, how="inner")

    return step
