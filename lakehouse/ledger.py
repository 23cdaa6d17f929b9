"""Which input files the tables already hold: a Delta table, written last by every run.

A file is known by its path, size and modification time, so a file re-exported under the same
name counts as new. Because a run commits its ledger entries only after every table write
has committed, a run killed at any point leaves its files unrecorded, and the next run reads
them again; the tables' merges on their keys make that second pass replace, not duplicate.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from lakehouse.reading.planning import InputFile
from lakehouse.reading.records import clean_text
from lakehouse.schema import SOURCE_FILE
from lakehouse.tables import TableSpec, table_path, upsert

logger = logging.getLogger(__name__)

PATH, SIZE, MODIFIED_AT = "path", "size_bytes", "modified_at"
LEDGER = TableSpec("_ingested_files", keys=(PATH, SIZE, MODIFIED_AT))
LEDGER_SCHEMA = f"{PATH} string, {SIZE} long, {MODIFIED_AT} double, records long, run_id string, ingested_at timestamp"


def file_key(file: InputFile) -> tuple[str, int, float]:
    return clean_text(file.path), file.size, file.modified_at


def pending_files(spark: SparkSession, warehouse: str, files: list[InputFile]) -> list[InputFile]:
    """The files no successful run has ingested yet."""
    path = table_path(warehouse, LEDGER)
    if not DeltaTable.isDeltaTable(spark, path):
        return files
    done = {tuple(row) for row in spark.read.format("delta").load(path).select(PATH, SIZE, MODIFIED_AT).collect()}
    pending = [file for file in files if file_key(file) not in done]
    logger.info(
        "%d of %d input files are new (%d already ingested)", len(pending), len(files), len(files) - len(pending)
    )
    return pending


def arrivals(spark: SparkSession, files: list[InputFile]) -> DataFrame:
    """(source_file, arrived_at) for ordering versions of a transcript by when their file landed."""
    rows = [(clean_text(file.path), file.modified_at) for file in files]
    return spark.createDataFrame(rows, f"{SOURCE_FILE} string, arrived_at double")


def record_ingested(
    spark: SparkSession, warehouse: str, files: list[InputFile], records_per_file: dict[str, int], run_id: str
) -> None:
    """Commit this run's files to the ledger: the run's last write."""
    now = datetime.now(UTC)
    rows = [(*file_key(file), records_per_file.get(file_key(file)[0], 0), run_id, now) for file in files]
    upsert(spark, spark.createDataFrame(rows, LEDGER_SCHEMA), warehouse, LEDGER)
    logger.info("ledger: %d files recorded as ingested by run %s", len(rows), run_id)
