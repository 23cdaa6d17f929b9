"""OPTIMIZE of the date partitions: only the given dates, only when needed, at the set file size."""

import json

import pytest
from pyspark.sql import functions as F

from benchmarks.query import synthetic_segments
from lakehouse.schema import CREATED_DATE
from lakehouse.tables import SEGMENTS, dates_needing_zorder, optimize_partitions, table_path

DATES = ["2026-06-28", "2026-06-29", "2026-06-30"]


@pytest.fixture
def warehouse(spark, tmp_path):
    """A segments table of three days, each in several unoptimized files."""
    rows = synthetic_segments(spark, 6_000, tenants=20, days=3, partitions=3)
    rows.write.format("delta").partitionBy(CREATED_DATE).save(table_path(str(tmp_path), SEGMENTS))
    return str(tmp_path)


def history(spark, warehouse):
    return spark.sql(f"DESCRIBE HISTORY delta.`{table_path(warehouse, SEGMENTS)}`").orderBy("version").collect()


def files_by_date(spark, warehouse) -> dict[str, set[str]]:
    rows = (
        spark.read.format("delta")
        .load(table_path(warehouse, SEGMENTS))
        .select(F.col(CREATED_DATE).cast("string").alias("date"), F.col("_metadata.file_path").alias("file"))
        .distinct()
        .collect()
    )
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["date"], set()).add(row["file"])
    return found


def test_second_optimize_on_unchanged_partitions_rewrites_nothing(spark, warehouse):
    assert optimize_partitions(spark, warehouse, SEGMENTS, DATES, target_file_mb=4) == DATES
    first = history(spark, warehouse)
    assert first[-1].operation == "OPTIMIZE"
    assert int(first[-1].operationMetrics["numRemovedFiles"]) == 9  # 3 write tasks x 3 days

    assert optimize_partitions(spark, warehouse, SEGMENTS, DATES, target_file_mb=4) == []
    assert history(spark, warehouse) == first  # no new version: nothing rewritten


def test_a_date_written_after_its_optimize_is_optimized_again_alone(spark, warehouse):
    optimize_partitions(spark, warehouse, SEGMENTS, DATES, target_file_mb=4)
    late = synthetic_segments(spark, 600, tenants=20, days=1, partitions=1)
    late.write.format("delta").mode("append").save(table_path(warehouse, SEGMENTS))

    assert dates_needing_zorder(spark, table_path(warehouse, SEGMENTS), DATES) == ["2026-06-30"]
    assert optimize_partitions(spark, warehouse, SEGMENTS, DATES, target_file_mb=4) == ["2026-06-30"]
    last = history(spark, warehouse)[-1]
    assert last.operation == "OPTIMIZE"
    assert int(last.operationMetrics["numRemovedFiles"]) == 2  # the day's Z-ordered file and the late one


def test_optimize_rewrites_only_the_given_dates(spark, warehouse):
    before = files_by_date(spark, warehouse)
    optimize_partitions(spark, warehouse, SEGMENTS, ["2026-06-29"], target_file_mb=4)
    after = files_by_date(spark, warehouse)

    assert after["2026-06-28"] == before["2026-06-28"]
    assert after["2026-06-30"] == before["2026-06-30"]
    assert len(before["2026-06-29"]) == 3 and len(after["2026-06-29"]) == 1
    assert after["2026-06-29"].isdisjoint(before["2026-06-29"])
    optimize = history(spark, warehouse)[-1]
    assert json.loads(optimize.operationParameters["zOrderBy"]) == ["tenant_id"]


def test_target_file_size_splits_a_partition_into_several_files(spark, tmp_path):
    # About 4 MB of hardly compressible rows in one date partition.
    rows = spark.range(50_000, numPartitions=2).select(
        F.lit("2026-06-30").cast("date").alias(CREATED_DATE),
        F.format_string("tenant-%02d", F.col("id") % 40).alias("tenant_id"),
        F.sha2(F.col("id").cast("string"), 256).alias("text"),
    )
    for target_mb, name in ((1, "small"), (1024, "default")):
        warehouse = str(tmp_path / name)
        rows.write.format("delta").partitionBy(CREATED_DATE).save(table_path(warehouse, SEGMENTS))
        optimize_partitions(spark, warehouse, SEGMENTS, ["2026-06-30"], target_file_mb=target_mb)
        files = files_by_date(spark, warehouse)["2026-06-30"]
        if target_mb == 1:
            assert len(files) >= 3
        else:
            assert len(files) == 1
    assert spark.conf.get("spark.databricks.delta.optimize.maxFileSize", None) is None
