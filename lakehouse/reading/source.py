"""Every input record as one row of RECORD_SCHEMA, read in parallel partitions.

Spark's built-in JSON reader reads a multi-line array in a single task that holds the whole
file, and cannot tell a JSON Lines file from one pretty-printed object. Here the driver plans
the read (planning.py: which byte ranges of which files each task takes), and each task
frames its records in bounded memory (framing.py) and validates them (records.py) in a
Python worker, handing them to Spark as Arrow batches:

    records = read_transcripts(spark, list_input_files("landing/"))

Why a planned `mapInArrow` rather than a Spark Python data source: measured on a 524 MB array,
the data source's three planning steps each start a Python worker pool of their own, which
Spark keeps for the whole run (about 360 MB of idle processes and 3 s), while this plan is
made in the driver process that already exists and the tasks run in the executors' workers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import islice

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import to_arrow_schema

from lakehouse.reading.framing import RAW_TEXT_LIMIT, Framed, Split, frame_split
from lakehouse.reading.planning import InputFile, plan_partitions
from lakehouse.reading.records import clean_text, normalize_transcript
from lakehouse.reasons import Reason, Rejected
from lakehouse.schema import RECORD_SCHEMA

logger = logging.getLogger(__name__)

DEFAULT_MAX_SPLIT_BYTES = 64 * 1024 * 1024
DEFAULT_OPEN_COST_BYTES = 256 * 1024
# Records per Arrow batch handed to Spark: about a megabyte of transcripts. Larger batches
# were not faster and raise every worker's peak memory.
BATCH_ROWS = 256


def read_transcripts(
    spark: SparkSession,
    files: list[InputFile],
    *,
    max_split_bytes: int = DEFAULT_MAX_SPLIT_BYTES,
    open_cost_bytes: int = DEFAULT_OPEN_COST_BYTES,
) -> DataFrame:
    """One row per record of `files`; partition i reads the i-th group of planned splits."""
    groups = plan_partitions(
        files,
        parallelism=spark.sparkContext.defaultParallelism,
        max_split_bytes=max_split_bytes,
        open_cost_bytes=open_cost_bytes,
    )
    logger.info("read plan: %d files in %d partitions", len(files), len(groups))
    task_numbers = spark.range(len(groups), numPartitions=max(len(groups), 1))
    return task_numbers.mapInArrow(SplitGroupReader(groups), RECORD_SCHEMA)


class SplitGroupReader:
    """What each task runs: the planned splits travel with the function, the task number
    (its one row of `spark.range`) says which group is its own."""

    def __init__(self, groups: list[list[Split]]) -> None:
        self.groups = groups

    def __call__(self, task_numbers: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in task_numbers:
            for number in batch.column(0).to_pylist():
                yield from read_splits(self.groups[number])


def read_splits(splits: list[Split]) -> Iterator[pa.RecordBatch]:
    rows = (record_row(split.path, framed) for split in splits for framed in frame_split(split))
    yield from arrow_batches(rows)


def arrow_batches(rows: Iterator[tuple], batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Rows as Arrow batches built in C++: Spark's own per-value conversion of nested
    segments (the path taken for rows of Python tuples) costs more than parsing the JSON."""
    schema = to_arrow_schema(RECORD_SCHEMA, timezone="UTC")
    while batch := list(islice(rows, batch_rows)):
        columns = zip(*batch, strict=True)
        yield pa.RecordBatch.from_arrays(
            [pa.array(column, type=field.type) for column, field in zip(columns, schema, strict=True)], schema=schema
        )


def record_row(source_file: str, framed: Framed) -> tuple:
    """One RECORD_SCHEMA row: typed fields when the record is valid, else reason and raw text."""
    source_file = clean_text(source_file)  # file names need not be UTF-8
    repaired = not framed.text.isascii() and clean_text(framed.text) != framed.text
    if framed.error is None:
        try:
            return (source_file, framed.offset, *normalize_transcript(framed.value), repaired, None, None, None)
        except Rejected as rejected:
            reason, detail = rejected.reason, rejected.detail
        except RecursionError as error:
            # Nested deeper than Python can follow: what the exact reader says of such a
            # value, so its reason does not depend on which parser read it.
            reason, detail = Reason.INVALID_JSON, f"{type(error).__name__}: {error}"
        except Exception as error:  # noqa: BLE001 - one record must never stop the run
            reason, detail = Reason.UNPROCESSABLE_RECORD, f"{type(error).__name__}: {error}"
    else:
        reason, detail = framed.error, framed.detail
    nulls = (None,) * 7
    return (
        source_file,
        framed.offset,
        *nulls,
        repaired,
        reason.value,
        clean_text(detail or ""),
        clean_text(framed.text[:RAW_TEXT_LIMIT]),
    )
