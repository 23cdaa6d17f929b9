"""The query benchmark's synthetic segments: the job's columns and types, the tenant skew and days asked."""

import pytest
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, MapType, StringType

from benchmarks.query import (
    LAST_DAY,
    last_days_query,
    queried_tenants,
    scan_metrics,
    synthetic_segments,
    tenant_name,
    tenant_share,
)
from lakehouse.schema import CREATED_DATE, RECORD_SCHEMA, SCORE_STRUCT, TENANT_ID
from lakehouse.transforms import SEGMENT_COLUMNS, explode_segments, with_speaker_role

ROWS = 200_000


@pytest.fixture(scope="module")
def segments(spark):
    return synthetic_segments(spark, ROWS, partitions=2).cache()


def test_columns_and_types_are_the_jobs_segments_table(spark, segments):
    exploded = spark.createDataFrame([], RECORD_SCHEMA).transform(explode_segments).transform(with_speaker_role({}))
    expected = {field.name: field.dataType for field in [*exploded.schema.fields, *SCORE_STRUCT.fields]}
    expected |= dict.fromkeys(("score_skipped_reason", "model_name", "model_revision", "run_id"), StringType())
    expected |= {"word_count": IntegerType(), "pii_counts": MapType(StringType(), IntegerType())}  # from masking

    assert segments.columns == list(SEGMENT_COLUMNS)
    assert {field.name: field.dataType for field in segments.schema.fields} == expected


def test_rows_days_and_tenant_skew_are_as_asked(segments):
    assert segments.count() == ROWS
    days = segments.agg(F.countDistinct(CREATED_DATE), F.min(CREATED_DATE), F.max(CREATED_DATE)).first()
    assert days[0] == 180 and days[2] == LAST_DAY and (days[2] - days[1]).days == 179

    sizes = {row[TENANT_ID]: row["count"] for row in segments.groupBy(TENANT_ID).count().collect()}
    assert 480 <= len(sizes) <= 500 and set(sizes) <= {tenant_name(rank) for rank in range(500)}
    # The largest tenant holds about 12.6% of the rows, the ten largest about 27%: calls of ten land whole.
    assert sizes[tenant_name(0)] / ROWS == pytest.approx(tenant_share(0), abs=0.01)
    top_ten = sum(sorted(sizes.values(), reverse=True)[:10]) / ROWS
    assert top_ten == pytest.approx(sum(tenant_share(rank) for rank in range(10)), abs=0.02)
    assert max(sizes.values()) > 100 * min(sizes.values())


def test_sentiment_columns_are_consistent(segments):
    bad = segments.where(
        (F.abs(F.col("p_negative") + F.col("p_neutral") + F.col("p_positive") - 1) > 1e-9)
        | (F.abs(F.col("sentiment_score") - (F.col("p_positive") - F.col("p_negative"))) > 1e-9)
        | ~F.col("sentiment_label").isin("negative", "neutral", "positive")
        | (F.length("text") == 0)
    )
    assert bad.count() == 0


def test_scan_metrics_count_the_files_the_query_read(spark, segments, tmp_path):
    path = str(tmp_path / "segments")
    segments.repartition(CREATED_DATE).write.format("delta").partitionBy(CREATED_DATE).save(path)
    query = last_days_query(spark, path, queried_tenants()["large"])
    rows = query.collect()[0]["n"]

    expected = (
        segments.where((F.col(TENANT_ID) == tenant_name(0)) & (F.col(CREATED_DATE) >= F.date_sub(F.lit(LAST_DAY), 6)))
    ).count()
    assert rows == expected > 0
    assert scan_metrics(query)["files_read"] == 7  # one file per day, seven days


def test_a_one_tenant_week_runs_in_a_handful_of_tasks(spark, segments, tmp_path):
    """Delta filters the file list in `snapshotPartitions` tasks per query: 50 by default, which cost
    a small query on 2 cores 0.3 s before it read a byte. The project's defaults set 2."""
    path = str(tmp_path / "segments")
    segments.write.format("delta").partitionBy(CREATED_DATE).save(path)
    last_days_query(spark, path, queried_tenants()["small"]).collect()  # the snapshot is built and cached

    context = spark.sparkContext
    context.setJobGroup("one-tenant-week", "tasks of one query")
    try:
        last_days_query(spark, path, queried_tenants()["small"]).collect()
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
    tracker = context.statusTracker()
    stages = [
        tracker.getStageInfo(stage)
        for job in tracker.getJobIdsForGroup("one-tenant-week")
        for stage in tracker.getJobInfo(job).stageIds
    ]
    tasks = [stage.numTasks for stage in stages if stage is not None]
    assert max(tasks) <= 2 and sum(tasks) <= 12, tasks
