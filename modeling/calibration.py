"""Per-class logit offsets that recalibrate the default model's labels (`make calibrate`).

The offsets live in `models/default/calibration.json`; `modeling.build` adds them to the
classifier's bias, so the assembled checkpoint carries them and plain argmax over its logits
(in `transformers` or in the Spark UDF) gives the calibrated labels. Adding a constant to
every logit changes nothing, so the negative offset is fixed at 0 and the others are
relative to it.

Tuning: the raw (uncalibrated) checkpoint is assembled in a temporary folder, the
calibration file is scored through `udfs.scorer.SentimentScorer` (the UDF's code path), and
a grid of (neutral, positive) offsets is searched for the best macro-F1 on that file.
Only `meld-dev.tsv` may be used for this: the data licences allow calibration on it, and it
is never used to train weights.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

import numpy as np
import torch

from modeling.data import LABELS, read_labelled_tsv

logger = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.json"
DEFAULT_CALIBRATION_SET = "../shared/data/sentiment/meld-dev.tsv"


def read_offsets(path: Path) -> dict[str, float]:
    """The label -> logit offset mapping of a calibration file (missing labels get 0)."""
    offsets = json.loads(Path(path).read_text())["logit_offsets"]
    unknown = set(offsets) - set(LABELS)
    if unknown:
        raise ValueError(f"{path}: offsets for unknown labels {sorted(unknown)}; labels are {LABELS}")
    return {label: float(offsets.get(label, 0.0)) for label in LABELS}


def fold_offsets(model: torch.nn.Module, offsets: dict[str, float]) -> None:
    """Add each label's offset to the classifier bias of that label's output."""
    label2id = {label.lower(): index for label, index in model.config.label2id.items()}
    with torch.no_grad():
        for label, offset in offsets.items():
            model.classifier.bias[label2id[label]] += offset


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    from modeling.evaluate import metrics

    return metrics(truth, predicted, [0, 1, 2]).macro_f1


def search_offsets(
    log_probabilities: np.ndarray, truth: np.ndarray, grid: np.ndarray, *, neutral_only: bool = False
) -> tuple[float, float, float]:
    """(macro-F1, neutral offset, positive offset) of the best grid point.

    Ties (equal macro-F1) go to the smaller offsets, so a flat optimum stays near no change.
    """
    best: tuple[float, float, float, float] | None = None
    for neutral in grid:
        for positive in [0.0] if neutral_only else grid:
            predicted = (log_probabilities + np.array([0.0, neutral, positive])).argmax(axis=1)
            f1 = macro_f1(truth, predicted)
            key = (round(f1, 10), -(abs(neutral) + abs(positive)), float(neutral), float(positive))
            if best is None or key[:2] > best[:2]:
                best = key
    assert best is not None
    return best[0], best[2], best[3]


def tune(adapter_dir: Path, data: str, *, neutral_only: bool, step: float, limit: float) -> dict:
    from modeling.build import assemble
    from udfs.scorer import ScorerSettings, SentimentScorer

    labelled = read_labelled_tsv(data)
    if labelled.is_binary:
        raise ValueError(f"{data}: calibration needs a three-class (0/1/2) file")
    truth = np.array(labelled.labels)
    with tempfile.TemporaryDirectory() as tmp:
        raw = assemble(adapter_dir, Path(tmp) / "raw", calibrated=False)
        probabilities = SentimentScorer(str(raw), ScorerSettings(batch_size=64, max_length=256)).score(labelled.texts)
    log_p = np.log(np.clip(probabilities.probabilities, 1e-12, 1.0))
    before = macro_f1(truth, log_p.argmax(axis=1))
    grid = np.round(np.arange(-limit, limit + step / 2, step), 4)
    after, neutral, positive = search_offsets(log_p, truth, grid, neutral_only=neutral_only)
    return {
        "logit_offsets": {"negative": 0.0, "neutral": neutral, "positive": positive},
        "tuned_on": Path(data).name,
        "objective": "macro-F1 of argmax(logits + offsets), three classes",
        "search": {"neutral_only": neutral_only, "step": step, "limit": limit},
        "macro_f1_before": round(before, 4),
        "macro_f1_after": round(after, 4),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=Path("models/default"))
    parser.add_argument("--data", default=DEFAULT_CALIBRATION_SET)
    parser.add_argument("--neutral-only", action="store_true", help="tune the neutral offset alone")
    parser.add_argument("--step", type=float, default=0.05)
    parser.add_argument("--limit", type=float, default=2.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    record = tune(args.adapter, args.data, neutral_only=args.neutral_only, step=args.step, limit=args.limit)
    (args.adapter / CALIBRATION_FILE).write_text(json.dumps(record, indent=2) + "\n")
    logger.info("wrote %s: %s", args.adapter / CALIBRATION_FILE, record)


if __name__ == "__main__":
    main()
