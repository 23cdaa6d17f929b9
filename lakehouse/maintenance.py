"""Table upkeep outside the scoring run: re-optimize a range of dates, then VACUUM.

The job optimizes the dates it wrote right after writing them; this is for the rest: a date
range to put back into the Z-ordered layout (after a failed run, a changed file size, late
deletes) and the removal of files the tables no longer use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.config import ConfigError, OutputConfig
from lakehouse.schema import CREATED_DATE
from lakehouse.tables import ALL_TABLES, TableSpec, optimize_partitions, table_path, vacuum

logger = logging.getLogger(__name__)

# Delta refuses to VACUUM with less (readers of older versions could lose their files).
MIN_RETENTION_HOURS = 168


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date

    @classmethod
    def parse(cls, first: str | None, last: str | None) -> DateRange:
        if not first or not last:
            raise ConfigError("both dates of the range are required (FROM=YYYY-MM-DD TO=YYYY-MM-DD)")
        try:
            parsed = cls(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError:
            raise ConfigError(f"dates must be YYYY-MM-DD, got {first!r} and {last!r}") from None
        if parsed.first > parsed.last:
            raise ConfigError(f"the range ends before it starts: {first} > {last}")
        return parsed

    def days(self) -> list[str]:
        return [str(self.first + timedelta(days=n)) for n in range((self.last - self.first).days + 1)]


@dataclass
class MaintenanceReport:
    warehouse: str
    first: str
    last: str
    retention_hours: int
    optimized_dates: dict[str, list[str]] = field(default_factory=dict)
    vacuumed: list[str] = field(default_factory=list)


def check_request(output: OutputConfig) -> None:
    """What can be checked before Spark starts: the warehouse folder and the retention."""
    if not Path(output.warehouse).is_dir():
        raise ConfigError(f"warehouse folder does not exist: {output.warehouse}")
    if output.vacuum_retention_hours < MIN_RETENTION_HOURS:
        raise ConfigError(
            f"output.vacuum_retention_hours must be at least {MIN_RETENTION_HOURS} (7 days), "
            f"got {output.vacuum_retention_hours}"
        )


def maintain(spark: SparkSession, output: OutputConfig, dates: DateRange) -> MaintenanceReport:
    """Z-order the range's partitions that need it (date-partitioned tables), then VACUUM every table."""
    check_request(output)
    report = MaintenanceReport(output.warehouse, str(dates.first), str(dates.last), output.vacuum_retention_hours)
    tables = [spec for spec in ALL_TABLES if DeltaTable.isDeltaTable(spark, table_path(output.warehouse, spec))]
    if not tables:
        raise ConfigError(f"no Delta tables under {output.warehouse}")

    for spec in tables:
        if CREATED_DATE in spec.partition_by:
            present = dates_present(spark, output.warehouse, spec, dates)
            report.optimized_dates[spec.name] = optimize_partitions(
                spark, output.warehouse, spec, present, target_file_mb=output.target_file_mb
            )

    for spec in tables:
        vacuum(spark, output.warehouse, spec, output.vacuum_retention_hours)
        report.vacuumed.append(spec.name)
    return report


def dates_present(spark: SparkSession, warehouse: str, spec: TableSpec, dates: DateRange) -> list[str]:
    """The range's dates that have rows in the table (only partition values are read)."""
    rows = (
        spark.read.format("delta")
        .load(table_path(warehouse, spec))
        .where(F.col(CREATED_DATE).between(dates.first, dates.last))
        .select(CREATED_DATE)
        .distinct()
        .collect()
    )
    present = sorted(str(row[0]) for row in rows)
    logger.info("%s: %d of the %d dates in range have rows", spec.name, len(present), len(dates.days()))
    return present
