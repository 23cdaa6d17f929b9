from collections import Counter

from lakehouse.reading.source import FORMAT_NAME, TranscriptDataSource


def read(spark, path, **options):
    spark.dataSource.register(TranscriptDataSource)
    reader = spark.read.format(FORMAT_NAME).option("path", str(path))
    for key, value in options.items():
        reader = reader.option(key, str(value))
    return reader.load()


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
    records = read(spark, shared_transcripts, parallelism=2)
    assert records.rdd.getNumPartitions() >= 2
    summary = records.selectExpr(
        "count(*) AS n", "count(reject_reason) AS bad", "sum(size(segments)) AS segments"
    ).collect()[0]
    assert (summary.n, summary.bad, summary.segments) == (7221, 0, 64268)


def test_large_jsonl_is_split_across_tasks_without_loss(spark, shared_transcripts):
    records = read(spark, shared_transcripts / "taskmaster4.jsonl", maxSplitBytes=256 * 1024, openCostBytes=0)
    assert records.rdd.getNumPartitions() >= 8
    ids = [row.transcript_id for row in records.select("transcript_id").collect()]
    assert len(ids) == len(set(ids)) == 3710
