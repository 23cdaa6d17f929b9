"""Refit the three-class head of a trained adapter to convergence (the last stage of `make train-model`).

The adapter's head is trained by a single pass of stochastic gradient steps together with the
encoder's adapters and ends where the learning-rate schedule stops it. With the encoder fixed,
the head is a multinomial logistic regression on the pooled features, a convex problem, so
this stage solves it outright: it assembles the trained model, computes the pooled features
of SST-3 training phrases (the recipe's own seeded sample), fits the head with L-BFGS and a
small L2 penalty, and writes the new head back into the adapter file. Training data only:
no evaluation or calibration set is read. `python -m modeling.head` runs it on its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer

from modeling.paths import base_encoder_dir

logger = logging.getLogger(__name__)

HEAD_KEYS = ("classifier.weight", "classifier.bias")


def pooled_features(model: torch.nn.Module, tokenizer, texts: list[str], max_length: int) -> torch.Tensor:
    """The pooled [CLS] vectors the classifier reads, in input order."""
    ids = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = torch.zeros(len(ids), model.config.hidden_size)
    with torch.inference_mode():
        for start in range(0, len(ids), 128):
            chosen = order[start : start + 128]
            batch = tokenizer.pad({"input_ids": [ids[i] for i in chosen]}, return_tensors="pt")
            out[torch.from_numpy(chosen)] = model.bert(**batch).pooler_output
    return out


def fit_head(
    features: torch.Tensor, labels: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, *, l2: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multinomial logistic regression (cross-entropy + l2 * |W|^2), from the given start."""
    head = torch.nn.Linear(features.shape[1], weight.shape[0])
    with torch.no_grad():
        head.weight.copy_(weight)
        head.bias.copy_(bias)
    optimizer = torch.optim.LBFGS(head.parameters(), max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(features), labels) + l2 * head.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return head.weight.detach().clone(), head.bias.detach().clone()


def refit_head(adapter_dir: Path, *, examples: int, l2: float) -> dict:
    from modeling.build import merged_model
    from modeling.train import ADAPTER_FILE, RECIPE_FILE, select_examples

    started = time.monotonic()
    recipe = json.loads((adapter_dir / RECIPE_FILE).read_text())
    texts, labels = select_examples(
        recipe["train_file"], examples=examples, min_words=recipe["min_words"], seed=recipe["seed"]
    )
    model = merged_model(adapter_dir, calibrated=False)
    features = pooled_features(model, AutoTokenizer.from_pretrained(base_encoder_dir()), texts, recipe["max_length"])
    weight, bias = fit_head(
        features, torch.tensor(labels), model.classifier.weight.detach(), model.classifier.bias.detach(), l2=l2
    )
    trained = load_file(str(adapter_dir / ADAPTER_FILE))
    trained["classifier.weight"] = weight.contiguous()
    trained["classifier.bias"] = bias.contiguous()
    save_file(trained, str(adapter_dir / ADAPTER_FILE))
    record = {"examples": len(texts), "l2": l2, "minutes": round((time.monotonic() - started) / 60, 1)}
    recipe["head_refit"] = record
    (adapter_dir / RECIPE_FILE).write_text(json.dumps(recipe, indent=2) + "\n")
    logger.info("refitted the head of %s on %d phrases: %s", adapter_dir, len(texts), record)
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=Path("models/default"))
    parser.add_argument("--examples", type=int, default=40_000)
    parser.add_argument("--l2", type=float, default=1e-4)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    refit_head(args.adapter, examples=args.examples, l2=args.l2)


if __name__ == "__main__":
    main()
