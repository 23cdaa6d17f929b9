"""The job: read transcripts, quarantine bad records, score utterances, write Delta tables.

records -> superseded versions marked -> quarantine table
        -> accepted -> segments -> speaker roles -> PII masked -> sentiment -> segments table
                    -> + segment summaries                  -> transcripts table
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.analytics import with_call_analytics
from lakehouse.catalog import register_tables
from lakehouse.config import JobConfig
from lakehouse.ledger import arrivals, pending_files, record_ingested
from lakehouse.lock import warehouse_lock
from lakehouse.privacy import masked_entity_totals, select_unmasked, with_masked_columns, with_masked_text
from lakehouse.reading.planning import InputFile, list_input_files
from lakehouse.reading.source import read_transcripts
from lakehouse.schema import CREATED_DATE, REJECT_REASON, RUN_ID, SEGMENTS, SOURCE_FILE, TRANSCRIPT_ID
from lakehouse.tables import (
    QUARANTINE,
    SEGMENTS_UNMASKED,
    TRANSCRIPTS,
    delete_quarantine_of_earlier_versions,
    delete_stale_segments,
    optimize_partitions,
    table_path,
    upsert,
)
from lakehouse.tables import (
    SEGMENTS as SEGMENTS_TABLE,
)
from lakehouse.transforms import (
    build_transcripts,
    explode_segments,
    filter_accepted,
    mark_superseded,
    other_speaker_labels,
    quarantine_rows,
    select_segment_columns,
    summarize_segments,
    with_sentiment,
    with_speaker_role,
)
from udfs.sentiment import ModelIdentity, model_identity

logger = logging.getLogger(__name__)


class CountMismatch(RuntimeError):
    """Records in did not equal accepted plus quarantined: something was lost."""


@dataclass
class RunReport:
    run_id: str
    started_at: str
    input_path: str
    warehouse: str
    files_found: int = 0
    input_files: int = 0
    input_bytes: int = 0
    input_records: int = 0
    accepted_transcripts: int = 0
    quarantined_records: int = 0
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    input_segments: int = 0
    segments_written: int = 0
    segments_without_text: int = 0
    segments_with_other_role: int = 0
    other_speaker_labels: dict[str, int] = field(default_factory=dict)
    pii_masked: dict[str, int] = field(default_factory=dict)
    transcripts_written: int = 0
    model_name: str = ""
    model_revision: str = ""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    segments_per_second: float = 0.0
    tables: dict[str, str] = field(default_factory=dict)
    catalog_names: list[str] = field(default_factory=list)


@contextmanager
def stage(report: RunReport, name: str) -> Iterator[None]:
    logger.info("stage %s: started", name)
    started = time.monotonic()
    yield
    seconds = round(time.monotonic() - started, 2)
    report.stage_seconds[name] = seconds
    logger.info("stage %s: done in %.1f s", name, seconds)


def read_records(spark: SparkSession, config: JobConfig, files: list[InputFile]) -> DataFrame:
    return read_transcripts(
        spark,
        files,
        max_split_bytes=config.input.max_split_mb * 1024 * 1024,
        open_cost_bytes=config.input.open_cost_kb * 1024,
    )


def count_outcomes(records: DataFrame, report: RunReport) -> dict[str, int]:
    """Fills the report's counts by outcome; returns the records read from each file, for the ledger."""
    rows = (
        records.groupBy(SOURCE_FILE, REJECT_REASON)
        .agg(F.count("*").alias("n"), F.sum(F.size(SEGMENTS)).alias("segments"))
        .collect()
    )
    by_reason: Counter[str | None] = Counter()
    by_file: Counter[str] = Counter()
    for row in rows:
        by_reason[row[REJECT_REASON]] += row["n"]
        by_file[row[SOURCE_FILE]] += row["n"]
    report.accepted_transcripts = by_reason.pop(None, 0)
    report.quarantine_by_reason = dict(sorted(by_reason.items()))
    report.quarantined_records = sum(by_reason.values())
    report.input_records = report.accepted_transcripts + report.quarantined_records
    report.input_segments = sum(int(row["segments"] or 0) for row in rows if row[REJECT_REASON] is None)
    logger.info(
        "read %d records: %d accepted with %d segments, %d quarantined %s",
        report.input_records,
        report.accepted_transcripts,
        report.input_segments,
        report.quarantined_records,
        report.quarantine_by_reason,
    )
    return dict(by_file)


def run(spark: SparkSession, config: JobConfig, *, run_id: str | None = None) -> RunReport:
    """One run over the files of the input path that no earlier run finished.

    The run holds the warehouse's lock: a second run at the same time is refused.
    """
    run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    warehouse = str(Path(config.output.warehouse).resolve())
    report = RunReport(run_id, datetime.now(UTC).isoformat(), config.input.path, warehouse)
    files = list_input_files(config.input.path)
    report.files_found = len(files)
    if not files:
        logger.info("no input files under %s; no table was written", config.input.path)
        return report
    with warehouse_lock(warehouse, run_id):
        return _run_locked(spark, config, report, files)


def _run_locked(spark: SparkSession, config: JobConfig, report: RunReport, files: list[InputFile]) -> RunReport:
    run_id, warehouse = report.run_id, report.warehouse
    identity = model_identity(config.model.path)
    report.model_name, report.model_revision = identity.name, identity.revision
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(config.spark.arrow_batch_rows))

    if config.input.incremental:
        files = pending_files(spark, warehouse, files)
    report.input_files, report.input_bytes = len(files), sum(f.size for f in files)
    logger.info(
        "run %s: %d input files, %.1f MB under %s", run_id, len(files), report.input_bytes / 1e6, config.input.path
    )
    if not files:
        logger.info("nothing new to read; no table was written")
        write_report(report)
        return report

    landed = arrivals(spark, files)  # when each file arrived: orders re-exports, names re-read files
    with stage(report, "read"):
        records = (
            read_records(spark, config, files).transform(mark_superseded(landed)).persist(StorageLevel.MEMORY_AND_DISK)
        )
        records_per_file = count_outcomes(records, report)

    with stage(report, "quarantine"):
        # Written even when empty, so the table every report names always exists.
        quarantined = records.transform(quarantine_rows(run_id)).transform(
            with_masked_columns(config.pii.mask_settings(), "detail", "raw_record")
        )
        if not upsert(spark, quarantined, warehouse, QUARANTINE):
            delete_quarantine_of_earlier_versions(spark, warehouse, landed.select(SOURCE_FILE), run_id)

    accepted = records.transform(filter_accepted)
    if report.accepted_transcripts:
        write_scored(spark, accepted, config, identity, report)

    report.tables = {spec.name: table_path(warehouse, spec) for spec in (SEGMENTS_TABLE, TRANSCRIPTS, QUARANTINE)}
    check_counts(report)
    # Last: until the ledger commits, a re-run reads these files again (and merges, not appends).
    record_ingested(spark, warehouse, files, records_per_file, run_id)
    records.unpersist()
    report.catalog_names = register_tables(spark, warehouse, config.output.database)
    write_report(report)
    return report


def write_scored(
    spark: SparkSession, accepted: DataFrame, config: JobConfig, identity: ModelIdentity, report: RunReport
) -> None:
    warehouse, run_id = report.warehouse, report.run_id
    masking = config.pii.mask_settings()
    if config.pii.keep_unmasked:
        upsert(spark, accepted.transform(explode_segments).transform(select_unmasked), warehouse, SEGMENTS_UNMASKED)
    with stage(report, "score_segments"):
        segments = (
            accepted.transform(explode_segments)
            .transform(with_speaker_role(config.speaker_roles))
            # Scoring dominates the run: spread it evenly over every core.
            .repartition(spark.sparkContext.defaultParallelism * 2)
            # Personal data never reaches the model or the table.
            .transform(with_masked_text(masking))
            .transform(with_sentiment(config.model.path, config.model.scorer_settings(), identity))
            .transform(select_segment_columns(run_id))
        )
        if not upsert(spark, segments, warehouse, SEGMENTS_TABLE):
            delete_stale_segments(spark, warehouse, accepted.select(TRANSCRIPT_ID), run_id)

    written = spark.read.format("delta").load(table_path(warehouse, SEGMENTS_TABLE)).where(F.col(RUN_ID) == run_id)
    counts = written.agg(F.count("*"), F.count("score_skipped_reason")).first()
    report.segments_written, report.segments_without_text = counts[0], counts[1]
    seconds = report.stage_seconds["score_segments"]
    report.segments_per_second = round(report.segments_written / seconds, 1) if seconds else 0.0
    logger.info(
        "scored %d segments (%.0f per second); %d had no text and were not scored",
        report.segments_written,
        report.segments_per_second,
        report.segments_without_text,
    )
    report.segments_with_other_role, report.other_speaker_labels = other_speaker_labels(written)
    report.pii_masked = masked_entity_totals(written)
    logger.info(
        "%d segments had a speaker label mapped to no role (now 'other'): %s; masked entities: %s",
        report.segments_with_other_role,
        report.other_speaker_labels,
        report.pii_masked,
    )

    with stage(report, "transcripts"):
        summaries = summarize_segments(written).transform(with_call_analytics(written, config.analytics))
        transcripts = accepted.transform(with_masked_columns(masking, "extra_json")).transform(
            build_transcripts(run_id, summaries)
        )
        upsert(spark, transcripts, warehouse, TRANSCRIPTS)
        report.transcripts_written = (
            spark.read.format("delta").load(table_path(warehouse, TRANSCRIPTS)).where(F.col(RUN_ID) == run_id).count()
        )

    if config.output.optimize:
        with stage(report, "optimize"):
            dates = [str(row[0]) for row in written.select(CREATED_DATE).distinct().collect()]
            for spec in (SEGMENTS_TABLE, TRANSCRIPTS):
                optimize_partitions(spark, warehouse, spec, dates, target_file_mb=config.output.target_file_mb)


def check_counts(report: RunReport) -> None:
    """Every record is in exactly one place, and every accepted utterance was written."""
    problems = []
    if report.transcripts_written != report.accepted_transcripts:
        problems.append(f"{report.accepted_transcripts} accepted but {report.transcripts_written} transcripts written")
    if report.segments_written != report.input_segments:
        problems.append(f"{report.input_segments} segments accepted but {report.segments_written} written")
    if problems:
        raise CountMismatch("; ".join(problems))
    logger.info(
        "counts add up: %d records = %d transcripts + %d quarantined",
        report.input_records,
        report.transcripts_written,
        report.quarantined_records,
    )


def write_report(report: RunReport) -> Path:
    path = Path(report.warehouse) / "_runs" / f"{report.run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), indent=2) + "\n")
    logger.info("run report: %s", path)
    return path
