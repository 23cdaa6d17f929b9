"""Score transcripts into Delta tables. Run with spark-submit (see the Makefile's `run`).

    spark-submit ... jobs/score_transcripts.py --config conf/local.yaml \
        [--input PATH] [--warehouse DIR] [--model DIR] [--reprocess]

Each run reads only the files no earlier run has finished (see lakehouse/ledger.py), so a
scheduled or repeated run is safe; `--reprocess` reads everything again.

Exit codes: 0 done (also when there was nothing new); 2 configuration or input-path error
(nothing written); 3 counts did not add up (see the log); 4 another run holds the
warehouse (nothing written; try later); 1 anything else (re-running is safe).
"""

from __future__ import annotations

import argparse
import logging
import sys

from lakehouse.config import ConfigError, load_config

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_COUNTS, EXIT_BUSY = 0, 1, 2, 3, 4

logger = logging.getLogger("jobs.score_transcripts")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Score transcript JSON into Delta tables.")
    parser.add_argument("--config", default="conf/local.yaml", help="YAML config (default: %(default)s)")
    parser.add_argument("--input", help="file, folder or glob of transcript JSON (overrides input.path)")
    parser.add_argument("--warehouse", help="folder for the Delta tables (overrides output.warehouse)")
    parser.add_argument("--model", help="Hugging Face model folder (overrides model.path)")
    parser.add_argument("--reprocess", action="store_true", help="read every input file, not only new ones")
    return parser.parse_args(argv)


def overrides(args: argparse.Namespace) -> dict[str, str | bool]:
    given = {"input.path": args.input, "output.warehouse": args.warehouse, "model.path": args.model}
    chosen: dict[str, str | bool] = {key: value for key, value in given.items() if value}
    if args.reprocess:
        chosen["input.incremental"] = False
    return chosen


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("py4j").setLevel(logging.WARNING)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(args.config, overrides(args))
        from lakehouse.preflight import check_paths

        check_paths(config)
    except (ConfigError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG

    from pyspark.sql import SparkSession

    from lakehouse.lock import RunInProgress
    from lakehouse.pipeline import CountMismatch, run

    spark = SparkSession.builder.appName("transcript-sentiment").getOrCreate()
    if spark.sparkContext.uiWebUrl:
        logger.info("Spark UI at %s (open while the job runs)", spark.sparkContext.uiWebUrl)
    try:
        report = run(spark, config)
    except CountMismatch as error:
        logger.error("%s", error)
        return EXIT_COUNTS
    except RunInProgress as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    finally:
        spark.stop()

    for name, path in report.tables.items():
        print(f"table {name}: {path}")
    if report.catalog_names:
        print(f"by name: {', '.join(report.catalog_names)}")
    print(
        f"records={report.input_records} transcripts={report.transcripts_written} "
        f"segments={report.segments_written} quarantined={report.quarantined_records}"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
