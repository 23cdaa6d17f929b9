"""The Delta tables under a warehouse folder: writes keyed for re-runs, and layout upkeep.

Writes are upserts on each table's key, so running the job again on the same input
replaces rows instead of adding copies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.schema import CREATED_DATE, SEGMENT_INDEX, SOURCE_FILE, SOURCE_OFFSET, TENANT_ID, TRANSCRIPT_ID

logger = logging.getLogger(__name__)

# Delta OSS's OPTIMIZE output file size, in bytes (session setting; default 1 GB).
OPTIMIZE_MAX_FILE_SIZE = "spark.databricks.delta.optimize.maxFileSize"
# When true (Delta 4's default), VACUUM ignores any retention given to it but 0 hours.
VACUUM_IGNORES_RETENTION = "spark.databricks.delta.vacuum.retentionWindowIgnore.enabled"
# The parts of a commit file (Delta protocol) that say which partitions a commit touched, and how.
LOG_SCHEMA = (
    "commitInfo struct<operation: string, operationParameters: map<string, string>>, "
    "add struct<partitionValues: map<string, string>>, remove struct<partitionValues: map<string, string>>"
)


@dataclass(frozen=True)
class TableSpec:
    name: str
    keys: tuple[str, ...]
    partition_by: tuple[str, ...] = ()


SEGMENTS = TableSpec("segments", keys=(TRANSCRIPT_ID, SEGMENT_INDEX), partition_by=(CREATED_DATE,))
TRANSCRIPTS = TableSpec("transcripts", keys=(TRANSCRIPT_ID,), partition_by=(CREATED_DATE,))
QUARANTINE = TableSpec("quarantine", keys=(SOURCE_FILE, SOURCE_OFFSET))
ALL_TABLES = (SEGMENTS, TRANSCRIPTS, QUARANTINE)
# Original utterances, written only when `pii.keep_unmasked` says so; never shared with analysts.
SEGMENTS_UNMASKED = TableSpec("segments_unmasked", keys=(TRANSCRIPT_ID, SEGMENT_INDEX), partition_by=(CREATED_DATE,))


def table_path(warehouse: str, spec: TableSpec) -> str:
    return str(Path(warehouse).resolve() / spec.name)


def upsert(spark: SparkSession, rows: DataFrame, warehouse: str, spec: TableSpec) -> bool:
    """Create the table from `rows`, or merge `rows` into it on the table's key.

    Returns whether the table was created by this call.

    TODO(#8): a warehouse written before issue #8 lacks the new columns (analytics, pii_counts,
    word_count), and without Delta schema evolution a merge ignores them; its old rows also
    keep unmasked text. Such a warehouse needs a migration (or a rebuild) before this version.
    """
    path = table_path(warehouse, spec)
    started = time.monotonic()
    created = not DeltaTable.isDeltaTable(spark, path)
    if created:
        rows.write.format("delta").partitionBy(*spec.partition_by).save(path)
    else:
        on = " AND ".join(f"t.`{key}` <=> s.`{key}`" for key in spec.keys)
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(rows.alias("s"), on)
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .execute()
        )
    logger.info("%s %s in %.1f s", "created" if created else "merged into", path, time.monotonic() - started)
    return created


def optimize_partitions(
    spark: SparkSession, warehouse: str, spec: TableSpec, dates: list[str], *, target_file_mb: float
) -> list[str]:
    """Compact and Z-order by tenant the given date partitions, skipping those already in that layout.

    Delta OSS rewrites every file of a partition on each OPTIMIZE ... ZORDER BY, even when
    nothing changed since the last one; only the partitions some other commit touched since
    their last Z-order are rewritten here. Returns the dates that were rewritten.
    """
    path = table_path(warehouse, spec)
    todo = dates_needing_zorder(spark, path, dates)
    if len(todo) < len(dates):
        logger.info(
            "%s: %d of %d partitions already Z-ordered, left as they are", spec.name, len(dates) - len(todo), len(dates)
        )
    if not todo:
        return []
    started = time.monotonic()
    listed = ", ".join(f"'{date}'" for date in todo)
    with optimize_file_size(spark, target_file_mb):
        DeltaTable.forPath(spark, path).optimize().where(f"{CREATED_DATE} IN ({listed})").executeZOrderBy(TENANT_ID)
    logger.info("optimized %d partitions of %s in %.1f s", len(todo), spec.name, time.monotonic() - started)
    return todo


@contextmanager
def session_setting(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    """Set one session setting for the duration of a call, then put back what was there."""
    previous = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)


def optimize_file_size(spark: SparkSession, target_file_mb: float) -> AbstractContextManager[None]:
    """Set OPTIMIZE's output file size for the duration of a call.

    Delta OSS reads it from the session only: it rejects a `delta.targetFileSize` table property.
    """
    return session_setting(spark, OPTIMIZE_MAX_FILE_SIZE, str(int(target_file_mb * 1024 * 1024)))


def dates_needing_zorder(spark: SparkSession, path: str, dates: list[str]) -> list[str]:
    """The dates whose latest commit was not an OPTIMIZE ZORDER BY tenant, in order.

    Read from the table's commit files. A date whose last change is no longer in the log
    (older than the log retention, 30 days by default) counts as needing it: rewriting is safe.
    """
    wanted = sorted(set(dates))
    if not wanted:
        return []
    commits = _commit_actions(spark, path)
    latest = (
        commits.where(F.col("date").isin(wanted))
        .groupBy("date")
        .agg(F.max("version").alias("version"))
        .join(_zorder_versions(commits), on="version", how="left")
        .collect()
    )
    done = {row["date"] for row in latest if row["zordered"]}
    return [date for date in wanted if date not in done]


def _commit_actions(spark: SparkSession, path: str) -> DataFrame:
    """One row per action of each commit file still in the log: its version, operation and date."""
    log = spark.read.schema(LOG_SCHEMA).json(f"{path}/_delta_log/*.json")
    name = F.col("_metadata.file_name")
    return log.where(name.rlike(r"^[0-9]{20}\.json$")).select(
        F.regexp_extract(name, r"^([0-9]+)", 1).cast("long").alias("version"),
        F.col("commitInfo.operation").alias("operation"),
        F.col("commitInfo.operationParameters").getItem("zOrderBy").alias("zorder_by"),
        F.coalesce(
            F.col("add.partitionValues").getItem(CREATED_DATE),
            F.col("remove.partitionValues").getItem(CREATED_DATE),
        ).alias("date"),
    )


def _zorder_versions(commits: DataFrame) -> DataFrame:
    zordered = (F.col("operation") == "OPTIMIZE") & F.col("zorder_by").contains(f'"{TENANT_ID}"')
    return commits.where(zordered).select("version", F.lit(True).alias("zordered")).distinct()


def vacuum(spark: SparkSession, warehouse: str, spec: TableSpec, retention_hours: int) -> None:
    """Delete files the table stopped using more than `retention_hours` ago."""
    started = time.monotonic()
    # Delta 4 ignores a non-zero retention given to VACUUM and applies the table's
    # delta.deletedFileRetentionDuration (7 days by default) instead: the configured one must hold.
    with session_setting(spark, VACUUM_IGNORES_RETENTION, "false"):
        DeltaTable.forPath(spark, table_path(warehouse, spec)).vacuum(float(retention_hours))
    logger.info("vacuumed %s (retention %d h) in %.1f s", spec.name, retention_hours, time.monotonic() - started)


def delete_stale_segments(spark: SparkSession, warehouse: str, transcript_ids: DataFrame, run_id: str) -> None:
    """Drop segments of re-delivered calls that their new version no longer has.

    The merge rewrote every segment the new version has with this run's id; any segment of
    the same call still carrying an older run id belongs to a longer, earlier version.
    """
    (
        DeltaTable.forPath(spark, table_path(warehouse, SEGMENTS))
        .alias("t")
        .merge(transcript_ids.alias("s"), f"t.{TRANSCRIPT_ID} = s.{TRANSCRIPT_ID} AND t.run_id <> '{run_id}'")
        .whenMatchedDelete()
        .execute()
    )


def delete_quarantine_of_earlier_versions(spark: SparkSession, warehouse: str, files: DataFrame, run_id: str) -> None:
    """Drop quarantine rows that an earlier version of a file this run re-read left behind.

    A file replaced in the landing folder (a half-written export completed, a corrected
    re-export) is read whole again, so its old rejects no longer describe any input.
    """
    (
        DeltaTable.forPath(spark, table_path(warehouse, QUARANTINE))
        .alias("t")
        .merge(files.alias("s"), f"t.{SOURCE_FILE} = s.{SOURCE_FILE} AND t.run_id <> '{run_id}'")
        .whenMatchedDelete()
        .execute()
    )
