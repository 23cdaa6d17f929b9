"""DataFrame-to-DataFrame steps of the job, each small and testable on its own."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.analytics import ANALYTICS_COLUMNS
from lakehouse.reasons import Reason
from lakehouse.schema import (
    CREATED_AT,
    CREATED_DATE,
    RAW_RECORD,
    REJECT_DETAIL,
    REJECT_REASON,
    RUN_ID,
    SEGMENT_INDEX,
    SOURCE_FILE,
    SOURCE_OFFSET,
    TENANT_ID,
    TRANSCRIPT_ID,
)
from udfs.sentiment import ModelIdentity, score_column
from udfs.settings import ScorerSettings

Transformation = Callable[[DataFrame], DataFrame]
ARRIVED_AT = "arrived_at"
SUPERSEDED_DETAIL = "a later version of this transcript_id is in the same input"

EMPTY_TEXT = "empty_text"
SUPERSEDED = Reason.SUPERSEDED_DUPLICATE.value
ROLES = ("agent", "customer", "other")


def filter_accepted(records: DataFrame) -> DataFrame:
    return records.where(F.col(REJECT_REASON).isNull())


def quarantine_rows(run_id: str) -> Transformation:
    def step(records: DataFrame) -> DataFrame:
        return records.where(F.col(REJECT_REASON).isNotNull()).select(
            F.col(REJECT_REASON).alias("reason"),
            F.col(REJECT_DETAIL).alias("detail"),
            SOURCE_FILE,
            SOURCE_OFFSET,
            F.lit(run_id).alias(RUN_ID),
            F.current_timestamp().alias("quarantined_at"),
            F.col(RAW_RECORD),
        )

    return step


def explode_segments(transcripts: DataFrame) -> DataFrame:
    """One row per utterance, numbered in call order from 0."""
    return transcripts.select(
        TENANT_ID,
        CREATED_AT,
        F.to_date(CREATED_AT).alias(CREATED_DATE),
        TRANSCRIPT_ID,
        F.posexplode("segments").alias(SEGMENT_INDEX, "segment"),
        "channel",
        "language",
        SOURCE_FILE,
    ).select(
        TENANT_ID,
        CREATED_AT,
        CREATED_DATE,
        TRANSCRIPT_ID,
        SEGMENT_INDEX,
        F.col("segment.speaker").alias("speaker"),
        F.col("segment.start").alias("start_seconds"),
        F.col("segment.end").alias("end_seconds"),
        "channel",
        "language",
        SOURCE_FILE,
        F.col("segment.text").alias("text"),
    )


def speaker_role(speaker: Column, roles: dict[str, list[str]]) -> Column:
    """The role a speaker label maps to (case-insensitive); unlisted labels are 'other'."""
    label = F.lower(F.trim(speaker))
    role = F.lit("other")
    for name, labels in roles.items():
        role = F.when(label.isin([x.lower() for x in labels]), F.lit(name)).otherwise(role)
    return role


def with_speaker_role(roles: dict[str, list[str]]) -> Transformation:
    def step(segments: DataFrame) -> DataFrame:
        return segments.withColumn("speaker_role", speaker_role(F.col("speaker"), roles))

    return step


def other_speaker_labels(segments: DataFrame, *, limit: int = 20) -> tuple[int, dict[str, int]]:
    """Segments whose label mapped to no configured role, and the most frequent such labels.

    Labels are free text from the source, so they are masked and cut short before they are
    logged or reported.
    """
    rows = segments.where(F.col("speaker_role") == "other").groupBy("speaker").count().collect()
    ranked = sorted(rows, key=lambda row: (-row["count"], row.speaker or ""))
    labels = {_safe_label(row.speaker): row["count"] for row in ranked[:limit]}
    return sum(row["count"] for row in rows), labels


def _safe_label(label: str | None) -> str:
    from udfs.pii import mask_text

    return "<none>" if label is None else (mask_text(label)[0] or "")[:40]


def has_text(text: Column) -> Column:
    # Not F.trim: it strips only the space character, so a tab or a no-break space got scored.
    return text.isNotNull() & ~text.rlike(r"(?U)^\s*$")


def with_sentiment(model_dir: str, settings: ScorerSettings, identity: ModelIdentity) -> Transformation:
    """Score every utterance with text; empty ones get null scores and a reason, not a model call."""

    def step(segments: DataFrame) -> DataFrame:
        text = F.col("text")
        scores = score_column(F.when(has_text(text), text), model_dir, settings)
        return (
            segments.withColumn("score", scores)
            .withColumn("score_skipped_reason", F.when(~has_text(text), F.lit(EMPTY_TEXT)))
            .select(
                "*",
                *[F.col(f"score.{name}").alias(name) for name in SCORE_FIELDS],
                F.lit(identity.name).alias("model_name"),
                F.lit(identity.revision).alias("model_revision"),
            )
            .drop("score")
        )

    return step


SCORE_FIELDS = (
    "sentiment_label",
    "sentiment_score",
    "p_negative",
    "p_neutral",
    "p_positive",
    "token_count",
    "truncated",
)

SEGMENT_COLUMNS = (
    TENANT_ID,
    CREATED_AT,
    CREATED_DATE,
    TRANSCRIPT_ID,
    SEGMENT_INDEX,
    "speaker",
    "speaker_role",
    "start_seconds",
    "end_seconds",
    *SCORE_FIELDS,
    "score_skipped_reason",
    "word_count",
    "pii_counts",
    "channel",
    "language",
    "model_name",
    "model_revision",
    RUN_ID,
    SOURCE_FILE,
    "text",  # long free text last: Delta keeps no statistics on it anyway
)


def select_segment_columns(run_id: str) -> Transformation:
    def step(segments: DataFrame) -> DataFrame:
        return segments.withColumn(RUN_ID, F.lit(run_id)).select(*SEGMENT_COLUMNS)

    return step


def _role_mean(role: str) -> Column:
    return F.avg(F.when(F.col("speaker_role") == role, F.col("sentiment_score"))).alias(f"{role}_sentiment_score")


def _role_count(role: str) -> Column:
    return F.count(F.when(F.col("speaker_role") == role, True)).alias(f"{role}_segment_count")


def summarize_segments(segments: DataFrame) -> DataFrame:
    """Per call, from its scored segments: overall and per-role sentiment, counts, duration."""
    summary = segments.groupBy(TRANSCRIPT_ID).agg(
        F.count("*").alias("segment_count"),
        F.count("sentiment_score").alias("scored_segment_count"),
        (F.max("end_seconds") - F.min("start_seconds")).alias("duration_seconds"),
        F.avg("sentiment_score").alias("sentiment_score"),
        F.avg("p_negative").alias("p_negative"),
        F.avg("p_neutral").alias("p_neutral"),
        F.avg("p_positive").alias("p_positive"),
        *[_role_mean(role) for role in ROLES],
        *[_role_count(role) for role in ROLES],
        F.count(F.when(F.col("sentiment_label") == "negative", True)).alias("negative_segment_count"),
        F.count(F.when(F.col("sentiment_label") == "positive", True)).alias("positive_segment_count"),
        F.min("sentiment_score").alias("min_segment_score"),
        F.first("model_name").alias("model_name"),
        F.first("model_revision").alias("model_revision"),
    )
    return summary.withColumn("sentiment_label", _label_of_mean())


def build_transcripts(run_id: str, summaries: DataFrame) -> Transformation:
    """One row per accepted call: its own fields joined with its segment summary."""

    def step(accepted: DataFrame) -> DataFrame:
        calls = accepted.select(
            TENANT_ID,
            CREATED_AT,
            F.to_date(CREATED_AT).alias(CREATED_DATE),
            TRANSCRIPT_ID,
            "channel",
            "language",
            SOURCE_FILE,
            SOURCE_OFFSET,
            "extra_json",
        )
        return (
            calls.join(summaries, on=TRANSCRIPT_ID, how="inner")
            .withColumn(RUN_ID, F.lit(run_id))
            .select(*TRANSCRIPT_COLUMNS)
        )

    return step


def mark_superseded(arrivals: DataFrame) -> Transformation:
    """Flag all but the latest version of a transcript id seen in this input.

    Latest means in the file that landed last (`arrivals`: source_file, arrived_at), then
    by file path and by position in the file. Earlier versions go to the quarantine.
    """

    def apply(records: DataFrame) -> DataFrame:
        # Valid versions rank first: a broken later copy is quarantined for what is wrong with
        # it and does not knock out the valid one.
        latest_first = Window.partitionBy(TRANSCRIPT_ID).orderBy(
            F.col(REJECT_REASON).isNull().desc(),
            F.col(ARRIVED_AT).desc_nulls_last(),
            F.col(SOURCE_FILE).desc(),
            F.col(SOURCE_OFFSET).desc(),
        )
        superseded = F.col(REJECT_REASON).isNull() & (F.row_number().over(latest_first) > 1)
        return (
            records.join(F.broadcast(arrivals), on=SOURCE_FILE, how="left")
            .withColumn(REJECT_REASON, F.when(superseded, F.lit(SUPERSEDED)).otherwise(F.col(REJECT_REASON)))
            .withColumn(
                REJECT_DETAIL,
                F.when(F.col(REJECT_REASON) == SUPERSEDED, F.lit(SUPERSEDED_DETAIL)).otherwise(F.col(REJECT_DETAIL)),
            )
            .select(*records.columns)
        )

    return apply


def _label_of_mean() -> Column:
    """The class with the highest mean probability over the call's scored segments."""
    negative, neutral, positive = F.col("p_negative"), F.col("p_neutral"), F.col("p_positive")
    return (
        F.when(negative.isNull(), F.lit(None))
        .when((negative >= neutral) & (negative >= positive), F.lit("negative"))
        .when(positive >= neutral, F.lit("positive"))
        .otherwise(F.lit("neutral"))
    )


TRANSCRIPT_COLUMNS = (
    TENANT_ID,
    CREATED_AT,
    CREATED_DATE,
    TRANSCRIPT_ID,
    "segment_count",
    "scored_segment_count",
    "duration_seconds",
    "sentiment_label",
    "sentiment_score",
    "p_negative",
    "p_neutral",
    "p_positive",
    *[f"{role}_sentiment_score" for role in ROLES],
    *[f"{role}_segment_count" for role in ROLES],
    "negative_segment_count",
    "positive_segment_count",
    "min_segment_score",
    *ANALYTICS_COLUMNS,
    "channel",
    "language",
    "model_name",
    "model_revision",
    RUN_ID,
    SOURCE_FILE,
    SOURCE_OFFSET,
    "extra_json",
)
