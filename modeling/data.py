"""Labelled sentence files: `text<TAB>label`, one per line, with a header."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class LabelledSet:
    name: str
    texts: list[str]
    labels: list[int]

    @property
    def is_binary(self) -> bool:
        """0/1 files mean negative/positive; 0/1/2 files mean negative/neutral/positive."""
        return max(self.labels) <= 1


def read_labelled_tsv(path: str | Path) -> LabelledSet:
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        # Quoting is off: the texts hold quote characters of their own.
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if [column.strip().lower() for column in header[:2]] != ["text", "label"]:
            raise ValueError(f"{path}: expected a header 'text<TAB>label', got {header!r}")
        rows = [row for row in reader if len(row) >= 2 and row[0].strip()]
    labels = [int(row[1]) for row in rows]
    if labels and not set(labels) <= {0, 1, 2}:
        raise ValueError(f"{path}: labels must be 0/1 or 0/1/2, got {sorted(set(labels))}")
    return LabelledSet(name=path.stem, texts=[row[0] for row in rows], labels=labels)


def binary_to_three_class(labels: list[int]) -> list[int]:
    """Map 0/1 (negative/positive) labels onto the three-class ids (0/2)."""
    return [0 if label == 0 else 2 for label in labels]
