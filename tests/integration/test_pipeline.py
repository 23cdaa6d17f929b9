"""The whole job in-process on real input, with the tiny model standing in for the default one."""

import json
import shutil
from pathlib import Path

import pytest

from lakehouse.lock import RunInProgress, warehouse_lock
from lakehouse.pipeline import run
from tests.conftest import config_for


def table(spark, warehouse, name):
    return spark.read.format("delta").load(str(warehouse / name))


def test_every_shared_transcript_and_utterance_lands(spark, shared_run):
    report, warehouse = shared_run
    assert (report.input_files, report.input_records, report.quarantined_records) == (1415, 7221, 0)
    assert table(spark, warehouse, "transcripts").count() == 7221
    segments = table(spark, warehouse, "segments")
    assert segments.count() == 64268
    assert segments.where("score_skipped_reason = 'empty_text'").count() == 7
    assert segments.where("sentiment_score IS NULL").count() == 7
    assert segments.where("sentiment_score NOT BETWEEN -1 AND 1").count() == 0
    assert report.segments_without_text == 7
    assert table(spark, warehouse, "quarantine").count() == 0  # created, empty


def test_tables_put_the_filter_columns_first_and_text_last(spark, shared_run):
    _, warehouse = shared_run
    for name in ("segments", "transcripts"):
        assert table(spark, warehouse, name).columns[:4] == ["tenant_id", "created_at", "created_date", "transcript_id"]
    assert table(spark, warehouse, "segments").columns[-1] == "text"


def test_tables_are_partitioned_by_date_and_zordered(spark, shared_run):
    _, warehouse = shared_run
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{warehouse / 'segments'}`").collect()[0]
    assert detail.partitionColumns == ["created_date"]
    operations = [r.operation for r in spark.sql(f"DESCRIBE HISTORY delta.`{warehouse / 'segments'}`").collect()]
    assert "OPTIMIZE" in operations
    optimize = spark.sql(f"DESCRIBE HISTORY delta.`{warehouse / 'segments'}`").where("operation = 'OPTIMIZE'").first()
    assert json.loads(optimize.operationParameters["zOrderBy"]) == ["tenant_id"]


def test_transcript_rows_agree_with_their_segments(spark, shared_run):
    _, warehouse = shared_run
    call = table(spark, warehouse, "transcripts").where("transcript_id = 'sgd-dev-1_00000'").first()
    segments = table(spark, warehouse, "segments").where("transcript_id = 'sgd-dev-1_00000'")
    assert call.segment_count == segments.count()
    assert call.tenant_id == "svc-restaurants"
    assert str(call.created_at) == "2026-11-26 10:39:38"  # 05:39:38-05:00 in UTC
    mean = segments.selectExpr("avg(sentiment_score)").first()[0]
    assert call.sentiment_score == pytest.approx(mean)
    roles = segments.groupBy("speaker_role").count().collect()
    assert {r.speaker_role: r["count"] for r in roles} == {
        "customer": call.customer_segment_count,
        "agent": call.agent_segment_count,
    }


def test_run_report_is_written_with_the_counts(shared_run):
    report, warehouse = shared_run
    saved = json.loads((warehouse / "_runs" / f"{report.run_id}.json").read_text())
    assert saved["segments_written"] == 64268 and saved["transcripts_written"] == 7221
    assert set(saved["stage_seconds"]) >= {"read", "score_segments", "transcripts", "optimize"}


def test_sample_quarantine_and_rerun_without_duplicates(spark, sample_copy, tiny_model, tmp_path):
    warehouse = tmp_path / "warehouse"
    first = run(spark, config_for(sample_copy, warehouse, tiny_model))
    assert (first.input_records, first.transcripts_written, first.quarantined_records) == (85, 80, 5)
    quarantine = table(spark, warehouse, "quarantine")
    assert sorted(r.reason for r in quarantine.collect()) == [
        "empty_segments",
        "invalid_created_at",
        "missing_tenant_id",
        "not_an_object",
        "truncated_record",
    ]
    segment_count = table(spark, warehouse, "segments").count()

    # Everything again (as after a crash before the ledger committed): merged, not appended.
    second = run(spark, config_for(sample_copy, warehouse, tiny_model, input__incremental=False))
    assert second.transcripts_written == 80
    assert table(spark, warehouse, "transcripts").count() == 80
    assert table(spark, warehouse, "segments").count() == segment_count
    assert table(spark, warehouse, "quarantine").count() == 5


def test_redelivered_shorter_call_replaces_all_its_segments(spark, sample_copy, tiny_model, tmp_path):
    warehouse = tmp_path / "warehouse"
    single = sample_copy / "single-calls"
    run(spark, config_for(single, warehouse, tiny_model))
    path = sorted(single.iterdir())[0]
    call = json.loads(path.read_text())
    call["segments"] = call["segments"][:2]
    redelivery = tmp_path / "redelivery"
    redelivery.mkdir()
    (redelivery / path.name).write_text(json.dumps(call))

    run(spark, config_for(redelivery, warehouse, tiny_model))
    segments = table(spark, warehouse, "segments").where(f"transcript_id = '{call['transcript_id']}'")
    assert sorted(r.segment_index for r in segments.collect()) == [0, 1]
    assert table(spark, warehouse, "transcripts").count() == 15


def test_no_input_files_writes_nothing(spark, tiny_model, tmp_path):
    (tmp_path / "empty-landing").mkdir()
    report = run(spark, config_for(tmp_path / "empty-landing", tmp_path / "warehouse", tiny_model))
    assert report.input_files == 0 and not (tmp_path / "warehouse").exists()


def delta_versions(spark, warehouse):
    return {
        path.name: spark.sql(f"DESCRIBE HISTORY delta.`{path}`").agg({"version": "max"}).first()[0]
        for path in sorted(warehouse.iterdir())
        if (path / "_delta_log").is_dir()
    }


def test_rerun_of_an_unchanged_landing_folder_writes_no_delta_version(spark, sample_copy, tiny_model, tmp_path):
    warehouse = tmp_path / "warehouse"
    run(spark, config_for(sample_copy, warehouse, tiny_model))
    before = delta_versions(spark, warehouse)
    assert set(before) == {"_ingested_files", "quarantine", "segments", "transcripts"}

    again = run(spark, config_for(sample_copy, warehouse, tiny_model))
    assert (again.files_found, again.input_files, again.input_records) == (18, 0, 0)
    assert delta_versions(spark, warehouse) == before
    assert json.loads((warehouse / "_runs" / f"{again.run_id}.json").read_text())["input_files"] == 0


def test_a_run_reads_only_the_files_that_arrived_since_the_last_one(spark, sample_copy, tiny_model, tmp_path):
    warehouse, landing = tmp_path / "warehouse", tmp_path / "landing"
    landing.mkdir()
    shutil.copy(sample_copy / "calls.jsonl", landing / "day-1.jsonl")
    first = run(spark, config_for(landing, warehouse, tiny_model))

    day_2 = [json.loads(line) for line in (sample_copy / "calls.jsonl").read_text().splitlines()[:3]]
    day_2[0]["segments"] = day_2[0]["segments"][:1]  # a re-export of a call, now shorter
    day_2[1]["transcript_id"] = day_2[2]["transcript_id"] = "brand-new-call"  # twice in the new file
    (landing / "day-2.jsonl").write_text("".join(json.dumps(call) + "\n" for call in day_2))
    second = run(spark, config_for(landing, warehouse, tiny_model))

    assert (second.files_found, second.input_files, second.input_records) == (2, 1, 3)
    assert (second.accepted_transcripts, second.quarantine_by_reason) == (2, {"superseded_duplicate": 1})
    transcripts = table(spark, warehouse, "transcripts")
    assert transcripts.count() == first.accepted_transcripts + 1
    replaced = table(spark, warehouse, "segments").where(f"transcript_id = '{day_2[0]['transcript_id']}'")
    assert replaced.count() == 1
    ledger = table(spark, warehouse, "_ingested_files").orderBy("path").collect()
    assert [(Path(r.path).name, r.records) for r in ledger] == [
        ("day-1.jsonl", first.input_records),
        ("day-2.jsonl", 3),
    ]


def test_a_second_run_on_the_same_warehouse_is_refused_while_one_holds_it(spark, sample_copy, tiny_model, tmp_path):
    warehouse = tmp_path / "warehouse"
    with warehouse_lock(str(warehouse), "the-first-run"), pytest.raises(RunInProgress, match="the-first-run"):
        run(spark, config_for(sample_copy, warehouse, tiny_model))
    assert not (warehouse / "segments").exists()


def test_a_half_written_file_completed_later_leaves_no_stale_quarantine_row(spark, sample_copy, tiny_model, tmp_path):
    warehouse, landing = tmp_path / "warehouse", tmp_path / "landing"
    landing.mkdir()
    whole = (sample_copy / "calls.jsonl").read_text().splitlines()[0] + "\n"
    (landing / "export.jsonl").write_text(whole[:300])  # the exporter is still writing
    first = run(spark, config_for(landing, warehouse, tiny_model))
    assert first.quarantine_by_reason == {"truncated_record": 1}

    (landing / "export.jsonl").write_text(whole)  # finished: same name, new size and time
    second = run(spark, config_for(landing, warehouse, tiny_model))
    assert (second.input_files, second.accepted_transcripts, second.quarantined_records) == (1, 1, 0)
    assert table(spark, warehouse, "quarantine").count() == 0
    assert table(spark, warehouse, "transcripts").count() == 1
