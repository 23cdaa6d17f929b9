"""The Delta tables under a warehouse folder: writes keyed for re-runs, and layout upkeep.

Writes are upserts on each table's key, so running the job again on the same input
replaces rows instead of adding copies.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from lakehouse.schema import CREATED_DATE, SEGMENT_INDEX, SOURCE_FILE, SOURCE_OFFSET, TENANT_ID, TRANSCRIPT_ID

logger = logging.getLogger(__name__)


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


def optimize_partitions(spark: SparkSession, warehouse: str, spec: TableSpec, dates: list[str]) -> None:
    """Compact and Z-order by tenant only the date partitions this run wrote."""
    if not dates:
        return
    started = time.monotonic()
    listed = ", ".join(f"'{date}'" for date in sorted(dates))
    (
        DeltaTable.forPath(spark, table_path(warehouse, spec))
        .optimize()
        .where(f"{CREATED_DATE} IN ({listed})")
        .executeZOrderBy(TENANT_ID)
    )
    logger.info("optimized %d partitions of %s in %.1f s", len(dates), spec.name, time.monotonic() - started)


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
