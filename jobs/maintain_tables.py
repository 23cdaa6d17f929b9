"""Re-optimize a range of dates and VACUUM the tables. Run with spark-submit (`make maintain`).

    spark-submit ... jobs/maintain_tables.py --config conf/local.yaml \
        --warehouse DIR --from YYYY-MM-DD --to YYYY-MM-DD

Partitions already Z-ordered and unchanged since are left alone. VACUUM keeps files removed
less than `output.vacuum_retention_hours` ago (at least 7 days).
Exit codes: 0 done; 2 configuration error (one line starting `error:`); 4 a run holds the
warehouse (try later); 1 anything else.
"""

from __future__ import annotations

import argparse
import logging
import sys

from lakehouse.config import ConfigError, load_config

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 4

logger = logging.getLogger("jobs.maintain_tables")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Re-optimize a date range of the Delta tables and VACUUM them.")
    parser.add_argument("--config", default="conf/local.yaml", help="YAML config (default: %(default)s)")
    parser.add_argument("--warehouse", help="folder of the Delta tables (overrides output.warehouse)")
    parser.add_argument("--from", dest="first", help="first date to re-optimize, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="last date to re-optimize, YYYY-MM-DD (inclusive)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("py4j").setLevel(logging.WARNING)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(args.config, {"output.warehouse": args.warehouse} if args.warehouse else None)
        from lakehouse.maintenance import DateRange, check_request, maintain

        dates = DateRange.parse(args.first, args.last)
        check_request(config.output)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG

    from pyspark.sql import SparkSession

    from lakehouse.lock import RunInProgress, warehouse_lock

    spark = SparkSession.builder.appName("maintain-tables").getOrCreate()
    try:
        # Upkeep rewrites the same files a run writes: never both at once.
        with warehouse_lock(config.output.warehouse, "maintenance"):
            report = maintain(spark, config.output, dates)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except RunInProgress as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    finally:
        spark.stop()

    for name, optimized in report.optimized_dates.items():
        print(f"optimized {name}: {len(optimized)} partitions between {report.first} and {report.last}")
    print(f"vacuumed {', '.join(report.vacuumed)} (retention {report.retention_hours} h)")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
