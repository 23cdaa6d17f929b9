"""`make bench-score`: the job's scoring UDF against a textbook one and against the bound.

The same 20,000 real utterances (a seeded sample of ../shared/data/transcripts) are scored in
one run by
  (a) a textbook pandas UDF: Series to Series, model cached per worker, fp32, sub-batches of
      64 in the order Arrow delivers them, torch's default thread count;
  (b) the job's UDF with the job's default config;
  (c) the bound: the job's scorer with the same settings in one plain Python process using
      every core, no Spark.
It prints utterances/s and the ratios, checks the labels agree, reports how the CPU time of
the scoring stage is spread over the Python workers, and writes reports/bench-score.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf

from lakehouse.config import ModelConfig
from lakehouse.reading.framing import frame_split
from lakehouse.reading.planning import plan_partitions
from lakehouse.session import PROJECT_ROOT, local_session
from udfs.sentiment import score_column

logger = logging.getLogger(__name__)

SHARED_TRANSCRIPTS = PROJECT_ROOT.parent / "shared" / "data" / "transcripts"
TEXTBOOK_BATCH = 64


def sample_utterances(location: Path, count: int, seed: int) -> list[str]:
    """Every non-empty utterance text under `location`, then a seeded sample of `count`."""
    texts = []
    for partition in plan_partitions(str(location), parallelism=1, max_split_bytes=1 << 30, open_cost_bytes=0):
        for split in partition:
            for framed in frame_split(split):
                if isinstance(framed.value, dict):
                    texts += [s.get("text") for s in framed.value.get("segments", []) if (s.get("text") or "").strip()]
    return random.Random(seed).sample(texts, min(count, len(texts)))


def textbook_udf(model_dir: str):
    """What a tutorial would write: correct, cached per worker, and nothing more."""

    @pandas_udf("string")
    def label(texts: pd.Series) -> pd.Series:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        global _TEXTBOOK_MODEL
        if "_TEXTBOOK_MODEL" not in globals():
            _TEXTBOOK_MODEL = (
                AutoTokenizer.from_pretrained(model_dir),
                AutoModelForSequenceClassification.from_pretrained(model_dir).eval(),
            )
        tokenizer, model = _TEXTBOOK_MODEL
        labels = []
        for start in range(0, len(texts), TEXTBOOK_BATCH):
            chunk = texts.iloc[start : start + TEXTBOOK_BATCH].tolist()
            inputs = tokenizer(chunk, padding=True, truncation=True, max_length=256, return_tensors="pt")
            with torch.no_grad():
                ids = model(**inputs).logits.argmax(dim=-1).tolist()
            labels += [model.config.id2label[i] for i in ids]
        return pd.Series(labels)

    return label


def worker_cpu_seconds() -> dict[int, float]:
    """CPU seconds so far of every pyspark Python worker process, by pid."""
    seconds = {}
    for process in psutil.process_iter(["cmdline"]):
        if "pyspark.worker" in " ".join(process.info["cmdline"] or []):
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            seconds[process.pid] = times.user + times.system
    return seconds


def timed_spark_labels(frame, label_column) -> tuple[list[str], float, dict[int, float]]:
    before = worker_cpu_seconds()
    started = time.monotonic()
    rows = frame.select("i", label_column.alias("label")).collect()
    seconds = time.monotonic() - started
    after = worker_cpu_seconds()
    spent = {
        pid: round(after[pid] - before.get(pid, 0.0), 1) for pid in after if after[pid] - before.get(pid, 0.0) > 0.5
    }
    return [row.label for row in sorted(rows, key=lambda r: r.i)], seconds, spent


def run_spark_sides(spark: SparkSession, texts: list[str], config: ModelConfig) -> dict:
    frame = spark.createDataFrame(pd.DataFrame({"i": range(len(texts)), "text": texts})).repartition(
        spark.sparkContext.defaultParallelism * 2
    )
    frame = frame.persist()
    frame.count()

    # Warm-up: start the Python workers and load both models once, outside the timings.
    warm = frame.limit(200)
    warm.select(textbook_udf(config.path)("text")).collect()
    warm.select(score_column(F.col("text"), config.path, config.scorer_settings())).collect()

    textbook, textbook_s, textbook_cpu = timed_spark_labels(frame, textbook_udf(config.path)("text"))
    job_scores = score_column(F.col("text"), config.path, config.scorer_settings())
    job, job_s, job_cpu = timed_spark_labels(frame, job_scores.getField("sentiment_label"))
    return {
        "a": {"labels": textbook, "seconds": textbook_s, "worker_cpu_seconds": textbook_cpu},
        "b": {"labels": job, "seconds": job_s, "worker_cpu_seconds": job_cpu},
    }


def run_bound(texts: list[str], config: ModelConfig) -> dict:
    import torch

    from udfs.scorer import SentimentScorer

    torch.set_num_threads(os.cpu_count() or 1)
    settings = config.scorer_settings()
    scorer = SentimentScorer(config.path, settings)
    scorer.score(texts[:200])  # warm-up, as for the Spark sides
    started = time.monotonic()
    labels = scorer.score(texts).labels
    return {"labels": labels, "seconds": time.monotonic() - started}


def agreement(left: list[str], right: list[str]) -> float:
    return sum(a == b for a, b in zip(left, right, strict=True)) / len(left)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=SHARED_TRANSCRIPTS)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--config", default="conf/local.yaml")
    parser.add_argument("--report", type=Path, default=PROJECT_ROOT / "reports" / "bench-score.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from lakehouse.config import load_config

    model = load_config(args.config).model
    texts = sample_utterances(args.input, args.count, args.seed)
    logger.info("scoring %d utterances (%d distinct) with %s", len(texts), len(set(texts)), model.path)

    spark = local_session("bench-score", master=f"local[{os.cpu_count()}]", extra={"spark.ui.enabled": "false"})
    sides = run_spark_sides(spark, texts, model)
    spark.stop()
    sides["c"] = run_bound(texts, model)

    rate = {name: len(texts) / side["seconds"] for name, side in sides.items()}
    report = {
        "utterances": len(texts),
        "distinct_texts": len(set(texts)),
        "model": model.path,
        "quantize": model.quantize,
        "utterances_per_second": {
            "a_textbook_udf": round(rate["a"]),
            "b_job_udf": round(rate["b"]),
            "c_bound": round(rate["c"]),
        },
        "ratio_b_over_a": round(rate["b"] / rate["a"], 2),
        "ratio_b_over_c": round(rate["b"] / rate["c"], 2),
        "label_agreement": {
            "a_vs_b": round(agreement(sides["a"]["labels"], sides["b"]["labels"]), 4),
            "b_vs_c": round(agreement(sides["b"]["labels"], sides["c"]["labels"]), 4),
        },
        "scoring_worker_cpu_seconds": {"a": sides["a"]["worker_cpu_seconds"], "b": sides["b"]["worker_cpu_seconds"]},
    }
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    for name, label in (("a", "(a) textbook pandas UDF"), ("b", "(b) job's UDF"), ("c", "(c) bound, plain Python")):
        print(f"{label}: {rate[name]:.0f} utterances/s ({sides[name]['seconds']:.1f} s)")
    print(f"CPU seconds per Python worker during (b): {sorted(report['scoring_worker_cpu_seconds']['b'].values())}")
    agree = report["label_agreement"]
    print(f"labels agree: a vs b {agree['a_vs_b']:.2%}, b vs c {agree['b_vs_c']:.2%}")
    print(f"ratio (b)/(a)={report['ratio_b_over_a']} (b)/(c)={report['ratio_b_over_c']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
