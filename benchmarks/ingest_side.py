"""One side of `make bench-ingest`, run under spark-submit; prints one JSON line.

Both sides go up to the same thing: a counted DataFrame of validated segments (no scoring),
with a checksum over transcript ids, segment numbers and texts to prove they agree.
    builtin: Spark's JSON reader, multiLine, explicit schema, validation as column checks
    ours:    the job's reader, as the job calls it (validation happens while reading)
"""

from __future__ import annotations

import argparse
import json
import time

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from lakehouse.config import InputConfig, JobConfig
from lakehouse.pipeline import read_records
from lakehouse.reading.planning import list_input_files
from lakehouse.schema import SEGMENT_STRUCT
from lakehouse.transforms import filter_accepted

BUILTIN_SCHEMA = StructType(
    [
        StructField("transcript_id", StringType()),
        StructField("tenant_id", StringType()),
        StructField("created_at", StringType()),
        StructField("channel", StringType()),
        StructField("language", StringType()),
        StructField("segments", ArrayType(SEGMENT_STRUCT)),
    ]
)


def builtin_valid(spark: SparkSession, path: str) -> DataFrame:
    records = spark.read.schema(BUILTIN_SCHEMA).option("multiLine", "true").json(path)
    created = F.coalesce(
        F.expr("try_to_timestamp(created_at)"), F.expr("timestamp_millis(try_cast(created_at AS BIGINT))")
    )
    return records.where(
        F.col("transcript_id").isNotNull()
        & F.col("tenant_id").isNotNull()
        & created.isNotNull()
        & (F.size("segments") > 0)
    )


def ours_valid(spark: SparkSession, path: str) -> DataFrame:
    config = JobConfig(input=InputConfig(path=path))  # the job's defaults
    return read_records(spark, config, list_input_files(path)).transform(filter_accepted)


def segment_summary(valid: DataFrame) -> dict:
    """Records, segments and an order-free checksum over ids, segment numbers and texts."""
    segments = valid.select("transcript_id", F.posexplode("segments").alias("segment_index", "segment"))
    row = segments.agg(
        F.count("*").alias("segments"),
        F.count(F.when(F.col("segment_index") == 0, True)).alias("records"),
        F.expr("bit_xor(xxhash64(transcript_id, segment_index, segment.text))").alias("checksum"),
    ).first()
    return {
        "records": row["records"],
        "segments": row["segments"],
        "checksum": str(row["checksum"]),
        "partitions": segments.rdd.getNumPartitions(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=["builtin", "ours"], required=True)
    parser.add_argument("--input", required=True)
    args = parser.parse_args()
    spark = SparkSession.builder.appName(f"bench-ingest-{args.side}").getOrCreate()

    started = time.monotonic()
    valid = (builtin_valid if args.side == "builtin" else ours_valid)(spark, args.input)
    result = {"side": args.side, **segment_summary(valid), "spark_seconds": round(time.monotonic() - started, 2)}
    spark.stop()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
