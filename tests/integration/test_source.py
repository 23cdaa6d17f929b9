from collections import Counter

from lakehouse.reading.planning import list_input_files
from lakehouse.reading.source import read_transcripts


def read(spark, path, **options):
    return read_transcripts(spark, list_input_files(str(path)), **options)


def test_sample_reads_every_shape_and_quarantines_the_bad_records(spark, sample_copy):
    records = read(spark, sample_copy)
    reasons = Counter(row.reject_reason for row in records.select("reject_reason").collect())
    assert reasons == {
        None: 80,  # 40 JSON Lines + 25 in the array + 15 one-call files
        "missing_tenant_id": 1,
        "invalid_created_at": 1,
        "empty_segments": 1,
        "not_an_object": 1,
        "truncated_record": 1,
    }
    bad = records.where("reject_reason = 'truncated_record'").collect()[0]
    assert bad.source_file.endswith("bad-records.jsonl") and bad.raw_record.startswith(
        '{"transcript_id": "bad-cut-off"'
    )


def test_shared_transcripts_all_read_in_parallel_partitions(spark, shared_transcripts):
    records = read(spark, shared_transcripts)
    assert records.rdd.getNumPartitions() >= 2
    summary = records.selectExpr(
        "count(*) AS n", "count(reject_reason) AS bad", "sum(size(segments)) AS segments"
    ).collect()[0]
    assert (summary.n, summary.bad, summary.segments) == (7221, 0, 64268)


def test_large_jsonl_is_split_across_tasks_without_loss(spark, shared_transcripts):
    records = read(spark, shared_transcripts / "taskmaster4.jsonl", max_split_bytes=256 * 1024, open_cost_bytes=0)
    assert records.rdd.getNumPartitions() >= 8
    ids = [row.transcript_id for row in records.select("transcript_id").collect()]
    assert len(ids) == len(set(ids)) == 3710


def test_each_partition_reads_exactly_its_planned_group(spark, shared_transcripts):
    from pyspark.sql import functions as F

    from lakehouse.reading.planning import plan_partitions

    files = list_input_files(str(shared_transcripts / "taskmaster4.jsonl"))
    options = {"max_split_bytes": 512 * 1024, "open_cost_bytes": 0}
    groups = plan_partitions(files, parallelism=spark.sparkContext.defaultParallelism, **options)
    records = read_transcripts(spark, files, **options)
    placed = records.select(F.spark_partition_id().alias("partition"), "source_offset").collect()

    assert records.rdd.getNumPartitions() == len(groups) > 2
    for row in placed:
        (split,) = groups[row.partition]  # one byte range of the one file per group here
        assert split.start <= row.source_offset < split.end
    assert len(placed) == 3710


def test_no_files_is_an_empty_frame_with_the_record_schema(spark):
    from lakehouse.schema import RECORD_SCHEMA

    records = read_transcripts(spark, [])
    assert records.schema == RECORD_SCHEMA and records.count() == 0
