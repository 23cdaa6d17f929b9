"""Steps that mask personal data before anything is scored or written.

Utterances keep their word count from before masking (a card number read out is many
words, its placeholder one) and a map of what was masked; other free-text columns are
masked in place.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.schema import CREATED_DATE, SEGMENT_INDEX, TENANT_ID, TRANSCRIPT_ID
from lakehouse.transforms import Transformation, has_text
from udfs.masking import mask_column
from udfs.pii import MaskSettings

TEXT = "text"
SPEAKER = "speaker"
WORD_COUNT = "word_count"
PII_COUNTS = "pii_counts"
UNMASKED_COLUMNS = (TENANT_ID, CREATED_DATE, TRANSCRIPT_ID, SEGMENT_INDEX, TEXT)


def word_count(text: Column) -> Column:
    """Whitespace-separated words; 0 for null, empty or blank text."""
    # Unicode-aware, like has_text: a leading tab or no-break space is not a word.
    stripped = F.regexp_replace(text, r"(?U)^\s+|\s+$", "")
    return F.when(has_text(text), F.size(F.split(stripped, r"(?U)\s+"))).otherwise(F.lit(0))


def with_masked_text(settings: MaskSettings) -> Transformation:
    """Masks the utterance and its speaker label (a source may put a name or address there).

    Run after the speaker roles are mapped, so a masked label keeps its role.
    """

    def step(segments: DataFrame) -> DataFrame:
        masked = mask_column(F.col(TEXT), settings)
        return (
            segments.withColumn(WORD_COUNT, word_count(F.col(TEXT)))
            .withColumn("_masked", masked)
            .withColumn(TEXT, F.col("_masked.text"))
            .withColumn(PII_COUNTS, F.col("_masked.pii_counts"))
            .withColumn(SPEAKER, mask_column(F.col(SPEAKER), settings).getField("text"))
            .drop("_masked")
        )

    return step


def with_masked_columns(settings: MaskSettings, *columns: str) -> Transformation:
    """Mask free-text columns in place (quarantined raw records, details, extra JSON)."""

    def step(frame: DataFrame) -> DataFrame:
        for name in columns:
            frame = frame.withColumn(name, mask_column(F.col(name), settings).getField("text"))
        return frame

    return step


def select_unmasked(segments: DataFrame) -> DataFrame:
    """The original utterances, only for the separate table that `pii.keep_unmasked` allows.

    TODO(#8): a shorter re-delivery leaves the earlier version's extra rows in that table (the
    segments table deletes them), and the quarantine's unmasked raw records are not kept anywhere.
    """
    return segments.select(*UNMASKED_COLUMNS)


def masked_entity_totals(segments: DataFrame) -> dict[str, int]:
    """How many entities of each kind were masked in these segments (for the run report)."""
    rows = segments.select(F.explode(PII_COUNTS)).groupBy("key").agg(F.sum("value").alias("n")).collect()
    return {row["key"]: int(row["n"]) for row in sorted(rows, key=lambda row: row["key"])}
