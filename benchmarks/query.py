"""`make bench-query`: "tenant X, last 7 days" on one synthetic segments table in four layouts.

A seeded synthetic `segments` table (the job's columns and types; about 500 tenants whose
sizes follow a steep power law; 180 days; sentiment filled with Spark functions, no model)
is written as
  (1) one unpartitioned Delta table, no clustering;
  (2) partitioned by created_date, one file per day (what OPTIMIZE at Delta's 1 GB default
      leaves for days smaller than that);
  (3) the job's layout: partitioned by created_date, then OPTIMIZE ZORDER BY (tenant_id) at
      the job's target file size (output.target_file_mb);
  (4) liquid clustering, CLUSTER BY (tenant_id, created_date), then OPTIMIZE.
For the largest tenant and the smallest, "count and average score over the last 7 days" runs
five times per layout; the scan's SQL metrics give the files and bytes read. Writing times and
OPTIMIZE time per partition give the write penalty. A sweep re-Z-orders the queried week alone
at several file sizes (files per day, files read, latency). Figures are printed and written to
reports/bench-query.json, after each layout too, so a long run leaves what it measured.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.config import load_config
from lakehouse.schema import CREATED_AT, CREATED_DATE, SEGMENT_INDEX, TENANT_ID, TRANSCRIPT_ID
from lakehouse.session import PROJECT_ROOT, local_session
from lakehouse.tables import optimize_file_size
from lakehouse.transforms import SEGMENT_COLUMNS

logger = logging.getLogger(__name__)

TENANTS = 500
DAYS = 180
LAST_DAY = date(2026, 6, 30)
SEGMENTS_PER_CALL = 10
# Tenant sizes: tenant r (0-based) holds ((r+1)/N)^(1/SKEW) - (r/N)^(1/SKEW) of the rows,
# from about 12.6% for the largest to 0.07% for the smallest of 500.
SKEW = 3.0
QUERY_DAYS = 7
REPEATS = 5
VOCABULARY = (
    "thanks for calling how can I help my order never arrived the bill is wrong again please hold "
    "while I check that sounds great I am really unhappy with this refund you have been very helpful"
)


# Names are spread over the ranks so that neither the largest tenant nor the smallest sorts
# first or last: a min/max statistic would otherwise skip files for them whatever the layout.
NAME_STRIDE = 293  # coprime with TENANTS


def tenant_name(rank: int, tenants: int = TENANTS) -> str:
    return f"tenant-{(rank * NAME_STRIDE + tenants // 2) % tenants:04d}"


def tenant_share(rank: int, tenants: int = TENANTS) -> float:
    """The expected fraction of rows that belong to the tenant of this rank (0 is the largest)."""
    return ((rank + 1) / tenants) ** (1 / SKEW) - (rank / tenants) ** (1 / SKEW)


def _uniform(call: Column, salt: int) -> Column:
    """A deterministic number in [0, 1) per call and salt."""
    return F.pmod(F.xxhash64(call, F.lit(salt)), F.lit(1 << 31)) / F.lit(float(1 << 31))


def synthetic_segments(
    spark: SparkSession, rows: int, *, tenants: int = TENANTS, days: int = DAYS, partitions: int = 8
) -> DataFrame:
    """`rows` utterances in calls of ten, with the columns and types of the job's segments table."""
    first_day = LAST_DAY - timedelta(days=days - 1)
    row = F.col("id")
    call = F.floor(row / SEGMENTS_PER_CALL)
    index = (row % SEGMENTS_PER_CALL).cast("int")
    tenant = F.least(F.floor(F.pow(_uniform(call, 1), SKEW) * tenants), F.lit(tenants - 1)).cast("int")
    day = F.floor(_uniform(call, 2) * days).cast("int")
    started = F.timestamp_seconds(
        F.unix_timestamp(F.date_add(F.lit(first_day), day).cast("timestamp"))
        + F.floor(_uniform(call, 3) * 86_000)
        + index * 8
    )
    negative, positive = _uniform(row, 4), _uniform(row, 5)
    total = negative + positive + F.lit(0.5)
    vocabulary = VOCABULARY.split(" ")
    words = F.array(*[F.lit(word) for word in vocabulary])
    picks = [(F.floor(_uniform(row, 10 + n) * len(vocabulary)) + 1).cast("int") for n in range(9)]
    text = F.concat_ws(" ", *[F.element_at(words, pick) for pick in picks])
    frame = spark.range(0, rows, numPartitions=partitions).select(
        F.format_string("tenant-%04d", F.pmod(tenant * NAME_STRIDE + tenants // 2, F.lit(tenants))).alias(TENANT_ID),
        started.alias(CREATED_AT),
        F.to_date(started).alias(CREATED_DATE),
        F.format_string("call-%010d", call).alias(TRANSCRIPT_ID),
        index.alias(SEGMENT_INDEX),
        F.when(index % 2 == 0, "agent").otherwise("customer").alias("speaker"),
        F.when(index % 2 == 0, "agent").otherwise("customer").alias("speaker_role"),
        (index * 8.0).alias("start_seconds"),
        (index * 8.0 + 7.5).alias("end_seconds"),
        (negative / total).alias("p_negative"),
        (F.lit(0.5) / total).alias("p_neutral"),
        (positive / total).alias("p_positive"),
        F.format_string("calls-%03d.jsonl", F.floor(call / 10_000)).alias("source_file"),
        text.alias("text"),
    )
    return frame.select(
        "*",
        (F.col("p_positive") - F.col("p_negative")).alias("sentiment_score"),
        F.when((F.col("p_negative") > F.col("p_positive")) & (F.col("p_negative") > F.col("p_neutral")), "negative")
        .when(F.col("p_positive") > F.col("p_neutral"), "positive")
        .otherwise("neutral")
        .alias("sentiment_label"),
        (F.size(F.split("text", " ")) + 2).alias("token_count"),
        F.lit(False).alias("truncated"),
        F.lit(None).cast("string").alias("score_skipped_reason"),
        F.size(F.split("text", " ")).alias("word_count"),
        F.create_map().cast("map<string,int>").alias("pii_counts"),
        F.lit("voice").alias("channel"),
        F.lit("en").alias("language"),
        F.lit("synthetic").alias("model_name"),
        F.lit("none").alias("model_revision"),
        F.lit("bench-query").alias("run_id"),
    ).select(*SEGMENT_COLUMNS)


def scan_metrics(frame: DataFrame) -> dict[str, int]:
    """Files and bytes the query's file scans read, from their SQL metrics after it ran."""
    totals = {"files_read": 0, "bytes_read": 0}
    for scan in _scans(frame._jdf.queryExecution().executedPlan()):
        metrics = scan.metrics()
        totals["files_read"] += int(metrics.apply("numFiles").value())
        totals["bytes_read"] += int(metrics.apply("filesSize").value())
    return totals


def _scans(plan) -> list:
    name = plan.getClass().getSimpleName()
    if name == "FileSourceScanExec":
        return [plan]
    if name == "AdaptiveSparkPlanExec":
        return _scans(plan.executedPlan())
    if name.endswith("QueryStageExec"):
        return _scans(plan.plan())
    children = plan.children().iterator()
    found = []
    while children.hasNext():
        found += _scans(children.next())
    return found


def last_days_query(spark: SparkSession, path: str, tenant: str) -> DataFrame:
    since = LAST_DAY - timedelta(days=QUERY_DAYS - 1)
    return (
        spark.read.format("delta")
        .load(path)
        .where((F.col(TENANT_ID) == tenant) & (F.col(CREATED_DATE) >= F.lit(since)))
        .agg(F.count("*").alias("n"), F.avg("sentiment_score").alias("avg_score"))
    )


def measure_query(spark: SparkSession, path: str, tenant: str) -> dict:
    seconds, answer, metrics = [], None, {}
    for _ in range(REPEATS):
        started = time.monotonic()  # from the table's name: the snapshot check is part of the answer
        frame = last_days_query(spark, path, tenant)
        answer = frame.collect()[0]
        seconds.append(time.monotonic() - started)
        metrics = scan_metrics(frame)
    return {
        "rows": answer["n"],
        "avg_score": round(answer["avg_score"], 6) if answer["avg_score"] is not None else None,
        **metrics,
        "median_seconds": round(statistics.median(seconds), 3),
        "seconds": [round(s, 3) for s in seconds],
    }


def table_files(spark: SparkSession, path: str) -> dict[str, int]:
    detail = DeltaTable.forPath(spark, path).detail().first()
    return {"files": detail["numFiles"], "bytes": detail["sizeInBytes"]}


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return round(time.monotonic() - started, 2)


def zorder(spark: SparkSession, path: str, target_file_mb: float) -> None:
    """OPTIMIZE ZORDER BY tenant at a file size, as the job does (without its skip of done dates)."""
    with optimize_file_size(spark, target_file_mb):
        DeltaTable.forPath(spark, path).optimize().executeZOrderBy(TENANT_ID)


def write_plain(spark: SparkSession, data: DataFrame, path: str, target_file_mb: float) -> dict:
    return {"write_seconds": timed(lambda: data.write.format("delta").save(path))}


def write_partitioned(spark: SparkSession, data: DataFrame, path: str, target_file_mb: float) -> dict:
    by_day = data.repartition(CREATED_DATE).write.format("delta").partitionBy(CREATED_DATE)
    return {"write_seconds": timed(lambda: by_day.save(path))}


def write_zordered(spark: SparkSession, data: DataFrame, path: str, target_file_mb: float) -> dict:
    write = timed(lambda: data.write.format("delta").partitionBy(CREATED_DATE).save(path))
    optimize = timed(lambda: zorder(spark, path, target_file_mb))
    return {
        "write_seconds": write,
        "optimize_seconds": optimize,
        "optimize_seconds_per_partition": round(optimize / DAYS, 3),
    }


def write_liquid(spark: SparkSession, data: DataFrame, path: str, target_file_mb: float) -> dict:
    columns = ", ".join(f"`{field.name}` {field.dataType.simpleString()}" for field in data.schema.fields)
    spark.sql(f"CREATE TABLE delta.`{path}` ({columns}) USING delta CLUSTER BY ({TENANT_ID}, {CREATED_DATE})")

    def optimize() -> None:
        with optimize_file_size(spark, target_file_mb):
            spark.sql(f"OPTIMIZE delta.`{path}`").collect()

    write = timed(lambda: data.write.format("delta").mode("append").save(path))
    return {"write_seconds": write, "optimize_seconds": timed(optimize)}


LAYOUTS = {
    "1_plain": write_plain,
    "2_partitioned": write_partitioned,
    "3_zordered": write_zordered,
    "4_liquid": write_liquid,
}


def queried_tenants(tenants: int = TENANTS) -> dict[str, str]:
    return {"large": tenant_name(0, tenants), "small": tenant_name(tenants - 1, tenants)}


def measure_layout(spark: SparkSession, name: str, data: DataFrame, out: Path, target_file_mb: float) -> dict:
    path = str(out / name)
    layout = LAYOUTS[name](spark, data, path, target_file_mb)
    layout.update(table_files(spark, path))
    layout["queries"] = {size: measure_query(spark, path, tenant) for size, tenant in queried_tenants().items()}
    logger.info("%s: %s", name, layout)
    return layout


def file_size_sweep(spark: SparkSession, data: DataFrame, out: Path, sizes: list[float]) -> list[dict]:
    """The queried week alone, Z-ordered at each file size: files per day, files read, latency."""
    path = str(out / "sweep")
    week = data.where(F.col(CREATED_DATE) >= F.lit(LAST_DAY - timedelta(days=QUERY_DAYS - 1)))
    week.write.format("delta").partitionBy(CREATED_DATE).save(path)
    results = []
    for size in sizes:
        seconds = timed(lambda size=size: zorder(spark, path, size))
        files = table_files(spark, path)
        queries = {label: measure_query(spark, path, tenant) for label, tenant in queried_tenants().items()}
        result = {
            "target_file_mb": size,
            "files_per_day": round(files["files"] / QUERY_DAYS, 1),
            "optimize_seconds_per_partition": round(seconds / QUERY_DAYS, 2),
            **{f"{label}_files_read": query["files_read"] for label, query in queries.items()},
            **{f"{label}_median_seconds": query["median_seconds"] for label, query in queries.items()},
        }
        logger.info("sweep: %s", result)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--config", default="conf/local.yaml", help="the job config whose target_file_mb is used")
    parser.add_argument("--target-mb", type=float, help="OPTIMIZE file size for (3) and (4) (default: the config's)")
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help="which layouts (default: all four)")
    parser.add_argument("--sweep-mb", default="1,2,4,1024", help="file sizes to try on the queried week ('none' skips)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "generated" / "bench-query")
    parser.add_argument("--report", type=Path, default=PROJECT_ROOT / "reports" / "bench-query.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    target_mb = args.target_mb or load_config(args.config).output.target_file_mb

    shutil.rmtree(args.out, ignore_errors=True)
    spark = local_session("bench-query", extra={"spark.ui.enabled": "false", "spark.driver.memory": "2g"})
    data = synthetic_segments(spark, args.rows, partitions=max(2, args.rows // 1_000_000))
    logger.info("%d rows in each layout under %s (target file size %g MB)", args.rows, args.out, target_mb)
    report = {"rows": args.rows, "tenants": TENANTS, "days": DAYS, "target_file_mb": target_mb}
    report["queried_tenants"], report["layouts"] = queried_tenants(), {}
    names = args.layouts.split(",")
    for name in [name for name in names if name != "4_liquid"]:
        report["layouts"][name] = measure_layout(spark, name, data, args.out, target_mb)
        save(summarize(report), args.report)  # a long run leaves what it measured so far
    sizes = [float(size) for size in args.sweep_mb.split(",") if size and size != "none"]
    report["file_size_sweep"] = file_size_sweep(spark, data, args.out, sizes) if sizes else []
    if "4_liquid" in names:
        report["layouts"]["4_liquid"] = measure_layout(spark, "4_liquid", data, args.out, target_mb)
    spark.stop()

    save(summarize(report), args.report)
    print_report(report)
    return 0


def save(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


def summarize(report: dict) -> dict:
    """Adds each query's share of the table's files and its speed-up over layout (1)."""
    layouts = report["layouts"]
    plain = layouts.get("1_plain")
    for layout in layouts.values():
        for size, query in layout["queries"].items():
            query["files_read_share"] = round(query["files_read"] / layout["files"], 4)
            if plain:
                query["speedup_vs_plain"] = round(plain["queries"][size]["median_seconds"] / query["median_seconds"], 2)
    if plain and "3_zordered" in layouts:
        small = layouts["3_zordered"]["queries"]["small"]
        report["done_when"] = {
            "small_tenant_zordered_files_share": small["files_read_share"],
            "small_tenant_zordered_speedup_vs_plain": small["speedup_vs_plain"],
            "met": small["files_read_share"] <= 0.02 and small["speedup_vs_plain"] >= 5,
        }
    return report


def print_report(report: dict) -> None:
    print(f"rows={report['rows']} target_file_mb={report['target_file_mb']} tenants={report['queried_tenants']}")
    for name, layout in report["layouts"].items():
        optimize = layout.get("optimize_seconds")
        extra = f" + OPTIMIZE {optimize} s" if optimize else ""
        if "optimize_seconds_per_partition" in layout:
            extra += f" ({layout['optimize_seconds_per_partition']:.2f} s per partition)"
        size_mb = layout["bytes"] / 1e6
        print(f"({name}) {layout['files']} files, {size_mb:.0f} MB; write {layout['write_seconds']} s{extra}")
        for size, query in layout["queries"].items():
            print(
                f"    {size} tenant: {query['rows']} rows, files {query['files_read']}/{layout['files']} "
                f"({query['files_read_share']:.1%}), {query['bytes_read'] / 1e6:.1f} MB, "
                f"median {query['median_seconds']} s ({query.get('speedup_vs_plain', '-')}x vs (1))"
            )
    for result in report["file_size_sweep"]:
        print(f"sweep over the queried week: {result}")
    print(f"done when (small tenant, layout 3): {report.get('done_when')}")


if __name__ == "__main__":
    sys.exit(main())
