"""The two sides of `make bench-ingest` read the same records, on a file small enough for a test.

The harness runs outside the test suite, so a change to the reader's signature once broke
the benchmark without any test noticing; this runs both sides' code on the real session.
"""

import json

from benchmarks.ingest import combine, print_summary
from benchmarks.ingest_side import builtin_valid, ours_valid, segment_summary
from lakehouse.generate import generate


def test_builtin_and_job_readers_agree_on_a_generated_array(spark, tmp_path):
    path = str(generate(tmp_path, size_mb=0.5, shape="array", seed=3))
    with open(path) as handle:
        calls = len(json.load(handle))

    builtin = segment_summary(builtin_valid(spark, path))
    ours = segment_summary(ours_valid(spark, path))

    assert builtin["records"] == ours["records"] == calls
    assert (builtin["segments"], builtin["checksum"]) == (ours["segments"], ours["checksum"])
    assert builtin["partitions"] == 1  # multiLine reads the array in one task


def test_one_call_folder_is_generated_by_count(tmp_path):
    folder = generate(tmp_path, size_mb=float("inf"), shape="files", seed=3, files=25)
    assert folder.name == "calls-25files-seed3"
    assert len(list(folder.iterdir())) == 25


def test_summary_says_when_the_builtin_side_was_skipped(capsys):
    ours = {"seconds": 9.5, "runs_seconds": [9.1, 9.5, 9.9], "peak_mb": 880, "peak_rss_mb": 990}
    ours |= {"partitions": 8, "records": 3, "segments": 9}
    report = {
        "input": "x.json",
        "input_mb": 2048.0,
        "builtin_multiline_2g": None,
        "ours_1g": ours | {"completed": True},
        "ours_peak_within_1gb": True,
    }
    print_summary(report)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("(b) ours, 1g: 9.5 s (runs [9.1, 9.5, 9.9]), peak 880 MB")
    assert lines[-1] == "(b) peak within 1 GB: True"


def test_repeated_runs_count_by_median_time_and_highest_peak():
    runs = [
        {
            "completed": True,
            "seconds": s,
            "peak_mb": p,
            "peak_rss_mb": p + 100,
            "records": 3,
            "segments": 9,
            "checksum": "7",
        }
        for s, p in ((20.0, 900), (18.0, 950), (25.0, 870))
    ]
    combined = combine(runs)
    assert (combined["seconds"], combined["peak_mb"], combined["peak_rss_mb"]) == (20.0, 950, 1050)
    assert combined["runs_seconds"] == [20.0, 18.0, 25.0] and combined["same_across_runs"]
    failed = {"completed": False, "error": "OutOfMemoryError"}
    assert combine([runs[0], failed]) is failed
