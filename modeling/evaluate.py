"""Evaluate a sentiment model on labelled TSV files (`make eval`), beside a VADER baseline.

Texts go through udfs.scorer.SentimentScorer, the code the Spark UDF runs. Files with labels
0/1 are scored on two classes (negative vs positive: the larger of the two probabilities);
files with 0/1/2 on three. The last line printed is `accuracy=<value> macro_f1=<value>`
(of the last file, or the mean over all files when several are given).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modeling.data import LABELS, LabelledSet, read_labelled_tsv
from udfs.scorer import ScorerSettings, SentimentScorer

logger = logging.getLogger(__name__)

DEFAULT_SETS = (
    "../shared/data/sentiment/sst2/dev.tsv",
    "../shared/data/sentiment/sst3/dev.tsv",
    "../shared/data/sentiment/meld-dev.tsv",
    "../shared/data/sentiment/tweeteval-val.tsv",
)
# VADER's documented thresholds on its compound score.
VADER_NEUTRAL_BAND = 0.05


@dataclass(frozen=True)
class Metrics:
    accuracy: float
    macro_f1: float
    confusion: np.ndarray  # rows: true class, columns: predicted class


def metrics(truth: np.ndarray, predicted: np.ndarray, classes: list[int]) -> Metrics:
    confusion = np.array([[np.sum((truth == t) & (predicted == p)) for p in classes] for t in classes])
    f1s = []
    for i in range(len(classes)):
        tp = confusion[i, i]
        precision = tp / confusion[:, i].sum() if confusion[:, i].sum() else 0.0
        recall = tp / confusion[i, :].sum() if confusion[i, :].sum() else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return Metrics(float(np.trace(confusion) / confusion.sum()), float(np.mean(f1s)), confusion)


def model_predictions(scorer: SentimentScorer, data: LabelledSet) -> np.ndarray:
    probabilities = scorer.score(data.texts).probabilities
    if data.is_binary:
        return np.where(probabilities[:, 2] >= probabilities[:, 0], 1, 0)
    return probabilities.argmax(axis=1)


def vader_predictions(data: LabelledSet) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    compound = np.array([analyzer.polarity_scores(text)["compound"] for text in data.texts])
    if data.is_binary:
        return np.where(compound >= 0, 1, 0)
    return np.where(compound >= VADER_NEUTRAL_BAND, 2, np.where(compound <= -VADER_NEUTRAL_BAND, 0, 1))


def report(name: str, model: Metrics, baseline: Metrics, classes: list[str], seconds: float) -> None:
    print(f"\n== {name} ({int(model.confusion.sum())} texts, {len(classes)} classes, {seconds:.1f} s)")
    print(f"   model: accuracy={model.accuracy:.4f} macro_f1={model.macro_f1:.4f}")
    print(f"   VADER: accuracy={baseline.accuracy:.4f} macro_f1={baseline.macro_f1:.4f}")
    print("   confusion (rows true, columns predicted): " + " ".join(f"{c:>9}" for c in classes))
    for label, row in zip(classes, model.confusion, strict=True):
        print(f"   {label:>41}: " + " ".join(f"{v:>9d}" for v in row))


def evaluate(model_dir: str, files: list[str], settings: ScorerSettings) -> list[Metrics]:
    scorer = SentimentScorer(model_dir, settings)
    results = []
    for path in files:
        data = read_labelled_tsv(path)
        classes = [0, 1] if data.is_binary else [0, 1, 2]
        names = ["negative", "positive"] if data.is_binary else list(LABELS)
        truth = np.array(data.labels)
        started = time.monotonic()
        model = metrics(truth, model_predictions(scorer, data), classes)
        seconds = time.monotonic() - started
        baseline = metrics(truth, vader_predictions(data), classes)
        report(f"{Path(path).parent.name}/{Path(path).name}", model, baseline, names, seconds)
        results.append(model)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=".cache/models/minilm-l6-sentiment")
    parser.add_argument("--data", action="append", help="labelled TSV; repeatable (default: the four eval sets)")
    parser.add_argument("--quantize", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    files = args.data or [path for path in DEFAULT_SETS if Path(path).is_file()]
    if not files:
        print("error: no evaluation files found; pass DATA=<file.tsv>", file=sys.stderr)
        return 2
    results = evaluate(args.model, files, ScorerSettings(batch_size=64, max_length=256, quantize=args.quantize))
    accuracy = float(np.mean([r.accuracy for r in results]))
    macro_f1 = float(np.mean([r.macro_f1 for r in results]))
    print(f"\naccuracy={accuracy:.4f} macro_f1={macro_f1:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
