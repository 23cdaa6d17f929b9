"""`make bench-ingest`: Spark's multiLine JSON reader versus the job's reader, in one run.

(a) Spark's built-in reader with multiLine=true and an explicit schema, at 2g driver memory
(at the default 1g it runs out of heap on a 500 MB array); (b) the job's reader at the
default 1g. Each runs in its own spark-submit; wall time and the peak memory of its whole
process tree are measured from outside. The two alternate, three times each by default, and
the median time and highest peak of each count (single runs here vary by 15%). Then (b)
alone on a folder of 20,000 one-call files.
Figures are printed and written to reports/bench-ingest.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
from pathlib import Path

from benchmarks.memory import Measured, run_measured
from lakehouse.generate import generate
from lakehouse.session import LOG4J_CONFIG, PROJECT_ROOT, SPARK_DEFAULTS, delta_jars

logger = logging.getLogger(__name__)

GENERATED = PROJECT_ROOT / "data" / "generated"


def spark_submit(script: str, *, driver_memory: str, args: list[str]) -> list[str]:
    venv_bin = Path(sys.executable).parent
    return [
        str(venv_bin / "spark-submit"),
        "--master", "local[*]",
        "--properties-file", str(SPARK_DEFAULTS),
        "--driver-memory", driver_memory,
        "--jars", ",".join(delta_jars()),
        "--driver-java-options", f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        str(PROJECT_ROOT / "benchmarks" / script),
        *args,
    ]  # fmt: skip


def spark_env() -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": f"{venv_bin}:{os.environ['PATH']}",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYTHONPATH": str(PROJECT_ROOT),
    }


def measure_side(side: str, path: str, driver_memory: str) -> dict:
    logger.info("reading %s with %s at %s driver memory", path, side, driver_memory)
    measured: Measured = run_measured(
        spark_submit("ingest_side.py", driver_memory=driver_memory, args=["--side", side, "--input", path]),
        env=spark_env(),
        cwd=str(PROJECT_ROOT),
    )
    lines = [line for line in measured.stdout.splitlines() if line.startswith("RESULT ")]
    outcome = {"side": side, "driver_memory": driver_memory, "completed": measured.returncode == 0 and bool(lines)}
    outcome.update(
        seconds=round(measured.seconds, 2), peak_mb=round(measured.peak_mb), peak_rss_mb=round(measured.peak_rss_mb)
    )
    if outcome["completed"]:
        outcome.update(json.loads(lines[-1].removeprefix("RESULT ")))
    else:
        tail = (measured.stdout + measured.stderr).strip().splitlines()[-5:]
        errors = [line for line in tail if "Error" in line or "Exception" in line]
        outcome["error"] = (errors or tail or [""])[-1]
    logger.info("%s: %s", side, {k: v for k, v in outcome.items() if k != "error"})
    return outcome


def combine(runs: list[dict]) -> dict:
    """Repeated runs of one side as one: the median time, the highest peak, every time kept."""
    if not all(run["completed"] for run in runs):
        return next(run for run in runs if not run["completed"])
    combined = dict(runs[0])
    combined.update(
        seconds=statistics.median(run["seconds"] for run in runs),
        peak_mb=max(run["peak_mb"] for run in runs),
        peak_rss_mb=max(run["peak_rss_mb"] for run in runs),
        runs_seconds=[run["seconds"] for run in runs],
        runs_peak_mb=[run["peak_mb"] for run in runs],
        same_across_runs=len({(run["records"], run["segments"], run["checksum"]) for run in runs}) == 1,
    )
    return combined


def measure_sides(path: str, repeats: int, with_builtin: bool) -> tuple[dict | None, dict]:
    """(a) and (b) alternately, `repeats` times each, so that both see the same machine."""
    builtin_runs, ours_runs = [], []
    for _ in range(repeats):
        if with_builtin:
            builtin_runs.append(measure_side("builtin", path, "2g"))
        ours_runs.append(measure_side("ours", path, "1g"))
    return (combine(builtin_runs) if with_builtin else None), combine(ours_runs)


def ensure_array(size_mb: float) -> str:
    target = GENERATED / f"calls-{size_mb:g}mb-seed7.json"
    if not target.exists():
        generate(GENERATED, size_mb=size_mb, shape="array", seed=7)
    return str(target)


def ensure_files(count: int) -> str:
    target = GENERATED / f"calls-{count}files-seed7"
    if not target.exists():
        generate(GENERATED, size_mb=float("inf"), shape="files", seed=7, files=count)
    return str(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", help="a JSON array file to use instead of the generated 500 MB one")
    parser.add_argument("--size-mb", type=float, default=500, help="size of the generated array")
    parser.add_argument("--files", type=int, default=20_000, help="how many one-call files to read (0: none)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side (median time, highest peak)")
    parser.add_argument(
        "--no-builtin", action="store_true", help="skip (a), e.g. for arrays far beyond its 2g (then no ratio)"
    )
    parser.add_argument("--report", type=Path, default=PROJECT_ROOT / "reports" / "bench-ingest.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    path = args.file or ensure_array(args.size_mb)
    builtin, ours = measure_sides(path, args.repeats, with_builtin=not args.no_builtin)
    report = {
        "input": path,
        "input_mb": round(Path(path).stat().st_size / 1e6, 1),
        "repeats": args.repeats,
        "builtin_multiline_2g": builtin,
        "ours_1g": ours,
        "ours_peak_within_1gb": ours["completed"] and ours["peak_mb"] <= 1000,
    }
    if builtin:
        report["ratio_seconds_ours_over_builtin"] = round(ours["seconds"] / builtin["seconds"], 3)
        report["same_records"] = all(builtin.get(k) == ours.get(k) for k in ("records", "segments", "checksum"))
    if args.files:
        folder = ensure_files(args.files)
        report["one_call_files_ours_1g"] = measure_side("ours", folder, "1g") | {"file_count": args.files}

    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    print_summary(report)
    return 0 if ours["completed"] else 1


def print_summary(report: dict) -> None:
    print(f"input: {report['input']} ({report['input_mb']} MB)")
    for name, key in (("(a) builtin multiLine, 2g", "builtin_multiline_2g"), ("(b) ours, 1g", "ours_1g")):
        if side := report[key]:
            print(
                f"{name}: {side['seconds']} s (runs {side.get('runs_seconds')}), peak {side['peak_mb']} MB "
                f"(RSS sum {side['peak_rss_mb']} MB), "
                f"partitions {side.get('partitions')}, records {side.get('records')}, segments {side.get('segments')}"
                + ("" if side["completed"] else f", FAILED: {side.get('error')}")
            )
    if files := report.get("one_call_files_ours_1g"):
        print(
            f"{files['file_count']} one-call files, ours at 1g: {files['seconds']} s, peak {files['peak_mb']} MB, "
            f"partitions {files.get('partitions')}, records {files.get('records')}"
        )
    print(f"(b) peak within 1 GB: {report['ours_peak_within_1gb']}")
    if "ratio_seconds_ours_over_builtin" in report:
        print(f"same records: {report['same_records']}")
        print(f"ratio (b)/(a) seconds: {report['ratio_seconds_ours_over_builtin']}")


if __name__ == "__main__":
    sys.exit(main())
