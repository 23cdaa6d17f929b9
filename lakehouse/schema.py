"""Column names and schemas shared by the reader, the transformations and the tables.

Delta keeps file statistics on the first 32 columns only, so every table starts with the
columns that queries filter on (tenant, time, date) and ends with long free text.
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

TENANT_ID = "tenant_id"
CREATED_AT = "created_at"
CREATED_DATE = "created_date"
TRANSCRIPT_ID = "transcript_id"
SEGMENT_INDEX = "segment_index"
SEGMENTS = "segments"
SOURCE_FILE = "source_file"
SOURCE_OFFSET = "source_offset"
REJECT_REASON = "reject_reason"
REJECT_DETAIL = "reject_detail"
RAW_RECORD = "raw_record"
RUN_ID = "run_id"

SEGMENT_STRUCT = StructType(
    [
        StructField("speaker", StringType()),
        StructField("start", DoubleType()),
        StructField("end", DoubleType()),
        StructField("text", StringType()),
    ]
)

# What the transcript reader yields: one row per input record, accepted or rejected.
# Accepted rows carry the typed fields; rejected rows carry a reason and their raw text.
RECORD_SCHEMA = StructType(
    [
        StructField(SOURCE_FILE, StringType(), nullable=False),
        StructField(SOURCE_OFFSET, LongType(), nullable=False),
        StructField(TRANSCRIPT_ID, StringType()),
        StructField(TENANT_ID, StringType()),
        StructField(CREATED_AT, TimestampType()),
        StructField("channel", StringType()),
        StructField("language", StringType()),
        StructField(SEGMENTS, ArrayType(SEGMENT_STRUCT)),
        StructField("extra_json", StringType()),
        StructField("text_repaired", BooleanType()),
        StructField(REJECT_REASON, StringType()),
        StructField(REJECT_DETAIL, StringType()),
        StructField(RAW_RECORD, StringType()),
    ]
)

SCORE_STRUCT = StructType(
    [
        StructField("sentiment_label", StringType()),
        StructField("sentiment_score", DoubleType()),
        StructField("p_negative", DoubleType()),
        StructField("p_neutral", DoubleType()),
        StructField("p_positive", DoubleType()),
        StructField("truncated", BooleanType()),
        StructField("token_count", IntegerType()),
    ]
)
