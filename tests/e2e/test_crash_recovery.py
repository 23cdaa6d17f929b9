"""A real run killed with SIGKILL mid-way, then run again: every transcript exactly once.

The whole process group of `make run` (spark-submit's JVM, the Python driver, its workers)
is killed, as when a machine or container dies, at a point where some tables have already
committed and the ledger has not.
"""

import os
import signal
import subprocess

import pytest
from pyspark.sql import functions as F

from tests.conftest import PROJECT_ROOT, make

pytestmark = pytest.mark.slow


def start_run(warehouse, model) -> subprocess.Popen:
    return subprocess.Popen(
        ["make", "--no-print-directory", "run", f"WAREHOUSE={warehouse}", f"MODEL={model}"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill_when(process: subprocess.Popen, marker: str) -> list[str]:
    seen = []
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    return seen


@pytest.mark.parametrize(
    "marker",
    [
        "stage score_segments: started",  # the quarantine has committed, nothing else
        "stage transcripts: started",  # segments have committed, transcripts not
    ],
)
def test_a_run_killed_midway_and_run_again_holds_each_transcript_once(spark, tiny_model, tmp_path, marker):
    warehouse = tmp_path / "warehouse"
    killed = kill_when(start_run(warehouse, tiny_model), marker)
    assert any(marker in line for line in killed), "".join(killed)[-3000:]
    assert not (warehouse / "_ingested_files").exists()  # the ledger is the last commit

    again = make("run", f"WAREHOUSE={warehouse}", f"MODEL={tiny_model}", timeout=900)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    # Every record of the sample again: scored + quarantined = input records.
    assert again.stdout.strip().splitlines()[-1] == "records=85 transcripts=80 segments=2412 quarantined=5"

    def load(name):
        return spark.read.format("delta").load(str(warehouse / name))

    transcripts, segments = load("transcripts"), load("segments")
    assert (transcripts.count(), transcripts.select("transcript_id").distinct().count()) == (80, 80)
    assert (segments.count(), segments.select("transcript_id", "segment_index").distinct().count()) == (2412, 2412)
    assert load("quarantine").count() == 5
    assert load("_ingested_files").agg(F.sum("records")).first()[0] == 85
