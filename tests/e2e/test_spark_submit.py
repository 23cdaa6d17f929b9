"""`make run` as a user runs it: spark-submit, the default model, the bundled sample."""

import pytest

from tests.conftest import make

pytestmark = pytest.mark.slow


def test_make_run_on_the_sample_prints_the_tables_and_counts(tmp_path, spark):
    warehouse = tmp_path / "warehouse"
    result = make("run", f"WAREHOUSE={warehouse}", timeout=900)
    # spark-submit passes the job's stderr (its log) on through its own stdout.
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    lines = result.stdout.strip().splitlines()
    assert f"table segments: {warehouse}/segments" in lines
    assert lines[-1] == "records=85 transcripts=80 segments=2412 quarantined=5"
    assert "counts add up: 85 records = 80 transcripts + 5 quarantined" in result.stdout

    scored = spark.read.format("delta").load(str(warehouse / "segments"))
    assert scored.where("model_name = 'minilm-l6-sentiment'").count() == 2412
    assert "Spark UI at http://127.0.0.1:" in result.stdout or "Spark UI at http://localhost:" in result.stdout
    # A run that went well prints no stack trace (Spark's expected misses are quieted in conf/log4j2.properties).
    output = result.stdout + result.stderr
    assert "\tat org.apache" not in output, [line for line in output.splitlines() if "WARN" in line]


def test_missing_input_is_one_line_exit_2_and_nothing_written(tmp_path):
    warehouse = tmp_path / "warehouse"
    result = make("run", f"INPUT={tmp_path}/nope", f"WAREHOUSE={warehouse}", timeout=900)
    assert result.returncode != 0
    assert f"error: input path does not exist: {tmp_path}/nope" in result.stdout.splitlines()
    assert not warehouse.exists()
