"""Scoring settings, importable without torch (the driver never loads the model)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScorerSettings:
    batch_size: int = 64
    max_length: int = 256
    # Torch threads per Python worker; None means the cores Spark gives each task.
    threads: int | None = None
    quantize: bool = False
