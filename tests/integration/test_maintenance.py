"""The maintenance job's library side: re-optimize a date range, then VACUUM with the retention."""

from pathlib import Path

import pytest
from pyspark.sql import functions as F

from benchmarks.query import synthetic_segments
from lakehouse.config import ConfigError, OutputConfig
from lakehouse.maintenance import DateRange, maintain
from lakehouse.schema import CREATED_DATE
from lakehouse.tables import SEGMENTS, table_path, vacuum


@pytest.fixture
def warehouse(spark, tmp_path):
    """A segments table of four days, 2026-06-27 to 06-30, each in two unoptimized files."""
    rows = synthetic_segments(spark, 4_000, tenants=20, days=4, partitions=2)
    rows.write.format("delta").partitionBy(CREATED_DATE).save(table_path(str(tmp_path), SEGMENTS))
    return str(tmp_path)


def parquet_files(warehouse: str) -> set[Path]:
    return set(Path(table_path(warehouse, SEGMENTS)).rglob("*.parquet"))


def live_files_per_date(spark, warehouse: str) -> dict[str, int]:
    rows = (
        spark.read.format("delta")
        .load(table_path(warehouse, SEGMENTS))
        .groupBy(F.col(CREATED_DATE).cast("string").alias("date"))
        .agg(F.countDistinct("_metadata.file_path").alias("files"))
        .collect()
    )
    return {row["date"]: row["files"] for row in rows}


def test_maintain_optimizes_only_the_range_and_keeps_files_within_retention(spark, warehouse):
    on_disk = parquet_files(warehouse)
    report = maintain(spark, OutputConfig(warehouse=warehouse), DateRange.parse("2026-06-28", "2026-06-29"))

    assert report.optimized_dates == {"segments": ["2026-06-28", "2026-06-29"]}
    assert live_files_per_date(spark, warehouse) == {"2026-06-27": 2, "2026-06-28": 1, "2026-06-29": 1, "2026-06-30": 2}
    # The replaced files are younger than the 7-day retention: VACUUM kept them for readers of older versions.
    assert on_disk <= parquet_files(warehouse)
    operations = [
        row.operation for row in spark.sql(f"DESCRIBE HISTORY delta.`{table_path(warehouse, SEGMENTS)}`").collect()
    ]
    assert operations[:3] == ["VACUUM END", "VACUUM START", "OPTIMIZE"]

    again = maintain(spark, OutputConfig(warehouse=warehouse), DateRange.parse("2026-06-01", "2026-06-30"))
    assert again.optimized_dates == {"segments": ["2026-06-27", "2026-06-30"]}


def test_vacuum_deletes_files_removed_longer_ago_than_the_retention(spark, warehouse):
    maintain(spark, OutputConfig(warehouse=warehouse), DateRange.parse("2026-06-27", "2026-06-30"))
    live = {
        Path(row[0].removeprefix("file:"))
        for row in spark.read.format("delta")
        .load(table_path(warehouse, SEGMENTS))
        .select("_metadata.file_path")
        .distinct()
        .collect()
    }
    assert len(parquet_files(warehouse)) == 8 + 4

    # Zero hours is below Delta's safety check (and below what the config allows); only a test may do this.
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    try:
        vacuum(spark, warehouse, SEGMENTS, 0)
    finally:
        spark.conf.unset("spark.databricks.delta.retentionDurationCheck.enabled")
    assert parquet_files(warehouse) == live


def test_vacuum_applies_the_configured_retention_not_the_tables_own(spark, warehouse):
    """Delta 4 ignored the retention given to VACUUM and applied the table property instead: here
    the property says 0 hours, so every replaced file went, though the config said 7 days."""
    path = table_path(warehouse, SEGMENTS)
    zero = "'delta.deletedFileRetentionDuration' = 'interval 0 hours'"
    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ({zero})")
    maintain(spark, OutputConfig(warehouse=warehouse), DateRange.parse("2026-06-27", "2026-06-30"))
    assert len(parquet_files(warehouse)) == 8 + 4  # the replaced files are kept for the configured 168 h


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (None, "2026-06-30", "both dates of the range are required"),
        ("2026-06-30", "2026-06-01", "the range ends before it starts"),
        ("30/06/2026", "2026-07-01", "dates must be YYYY-MM-DD"),
    ],
)
def test_bad_ranges_are_config_errors(first, last, message):
    with pytest.raises(ConfigError, match=message):
        DateRange.parse(first, last)


def test_a_retention_under_seven_days_is_refused(spark, warehouse):
    with pytest.raises(ConfigError, match="vacuum_retention_hours must be at least 168"):
        maintain(
            spark,
            OutputConfig(warehouse=warehouse, vacuum_retention_hours=24),
            DateRange.parse("2026-06-27", "2026-06-30"),
        )
