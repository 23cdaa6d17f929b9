"""The `transcripts` Spark data source: every input record as one row, in parallel partitions.

Spark's built-in JSON reader reads a multi-line array in a single task that holds the whole
file, and cannot tell a JSON Lines file from one pretty-printed object. This source plans
its own splits (see planning.py), frames records in bounded memory (framing.py) and
validates them (records.py) in the Python workers, one partition per task.

    spark.dataSource.register(TranscriptDataSource)
    spark.read.format("transcripts").option("path", "landing/").load()
    spark.read.format("transcripts").option("files", encode_paths(paths)).load()  # chosen files
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice

import pyarrow as pa
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import StructType

from lakehouse.reading.framing import RAW_TEXT_LIMIT, Framed, Split, frame_split
from lakehouse.reading.planning import InputFile, plan_partitions
from lakehouse.reading.records import clean_text, normalize_transcript
from lakehouse.reasons import Rejected
from lakehouse.schema import RECORD_SCHEMA

FORMAT_NAME = "transcripts"
DEFAULT_MAX_SPLIT_BYTES = 64 * 1024 * 1024
DEFAULT_OPEN_COST_BYTES = 256 * 1024
# Records per Arrow batch handed to Spark: a few MB of transcripts.
BATCH_ROWS = 512


def encode_paths(paths: list[str]) -> str:
    """File names as one option string; hex keeps any byte a name may hold (newlines, non-UTF-8)."""
    return " ".join(os.fsencode(path).hex() for path in paths)


def decode_paths(encoded: str) -> list[str]:
    return [os.fsdecode(bytes.fromhex(token)) for token in encoded.split()]


class SplitGroup(InputPartition):
    def __init__(self, splits: list[Split]) -> None:
        super().__init__(len(splits))
        self.splits = splits


class TranscriptDataSource(DataSource):
    @classmethod
    def name(cls) -> str:
        return FORMAT_NAME

    def schema(self) -> StructType:
        return RECORD_SCHEMA

    def reader(self, schema: StructType) -> DataSourceReader:
        return TranscriptReader(self.options)


class TranscriptReader(DataSourceReader):
    def __init__(self, options: dict[str, str]) -> None:
        if "path" not in options and "files" not in options:
            raise ValueError("the transcripts source needs .option('path', <file, folder or glob>) or 'files'")
        self.location = options.get("path")
        self.files = options.get("files")
        self.parallelism = int(options.get("parallelism", "2"))
        self.max_split_bytes = int(options.get("maxSplitBytes", DEFAULT_MAX_SPLIT_BYTES))
        self.open_cost_bytes = int(options.get("openCostBytes", DEFAULT_OPEN_COST_BYTES))

    def partitions(self) -> list[SplitGroup]:
        chosen = [InputFile.at(path) for path in decode_paths(self.files)] if self.files else None
        groups = plan_partitions(
            chosen if chosen is not None else self.location,
            parallelism=self.parallelism,
            max_split_bytes=self.max_split_bytes,
            open_cost_bytes=self.open_cost_bytes,
        )
        return [SplitGroup(splits) for splits in groups]

    def read(self, partition: SplitGroup) -> Iterator[pa.RecordBatch]:
        rows = (record_row(split.path, framed) for split in partition.splits for framed in frame_split(split))
        yield from arrow_batches(rows)


def arrow_batches(rows: Iterator[tuple], batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Rows as Arrow batches built in C++: Spark's own per-value conversion of nested
    segments (the path taken when read() yields tuples) costs more than parsing the JSON."""
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
