"""Sentiment scoring of a batch of texts with a Hugging Face sequence classifier.

The same code path serves the Spark UDF, `make eval` and the benchmarks. Per call it:
scores each distinct text once (calls repeat "yes" and "thank you" a lot), orders texts by
token length so batches carry little padding, truncates texts longer than the model's
window (and says so), and runs the model under `torch.inference_mode()`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as transformers_logging

from udfs.settings import ScorerSettings

__all__ = ["LABELS", "ScorerSettings", "Scores", "SentimentScorer", "label_columns"]

logger = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Scores:
    """Per input text: class probabilities (negative, neutral, positive), tokens, truncation."""

    probabilities: np.ndarray
    token_counts: np.ndarray
    truncated: np.ndarray

    @property
    def labels(self) -> list[str]:
        return [LABELS[i] for i in self.probabilities.argmax(axis=1)]

    @property
    def scores(self) -> np.ndarray:
        """P(positive) - P(negative): -1 surely negative, 0 neutral or torn, +1 surely positive."""
        return self.probabilities[:, 2] - self.probabilities[:, 0]


def label_columns(id2label: dict[int, str]) -> list[int | None]:
    """Which model output is negative, neutral and positive (None when the model lacks one)."""
    by_name = {name.lower(): index for index, name in id2label.items()}
    columns = [by_name.get(label) for label in LABELS]
    if columns[0] is None or columns[2] is None:
        raise ValueError(
            f"the model's labels {sorted(by_name)} must include 'negative' and 'positive' "
            "(and may include 'neutral'); set id2label in its config.json"
        )
    return columns


class SentimentScorer:
    def __init__(self, model_dir: str, settings: ScorerSettings | None = None) -> None:
        settings = settings or ScorerSettings()
        self.settings = settings
        transformers_logging.disable_progress_bar()  # one bar per worker would flood the job log
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        model = AutoModelForSequenceClassification.from_pretrained(model_dir)
        model.eval()
        # On a GPU, larger batches keep it busy; on CPU nothing changes.
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.batch_size = settings.batch_size * (4 if self.device.type == "cuda" else 1)
        if settings.quantize and self.device.type == "cpu":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model.to(self.device)
        self.columns = label_columns(model.config.id2label)
        # A tokenizer may allow more tokens than the model has positions for.
        positions = getattr(model.config, "max_position_embeddings", settings.max_length)
        self.max_length = min(settings.max_length, self.tokenizer.model_max_length, positions)

    def token_ids(self, texts: Sequence[str]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        """Token ids cut to the model window, with each text's full length and whether it was cut."""
        full = self.tokenizer(list(texts), truncation=False, verbose=False)["input_ids"]
        lengths = np.array([len(ids) for ids in full], dtype=np.int32)
        truncated = lengths > self.max_length
        last = self.tokenizer.sep_token_id
        cut = [ids if len(ids) <= self.max_length else ids[: self.max_length - 1] + [last] for ids in full]
        return cut, lengths, truncated

    def _probabilities(self, ids: list[list[int]]) -> np.ndarray:
        order = np.argsort([len(x) for x in ids], kind="stable")
        out = np.zeros((len(ids), len(LABELS)), dtype=np.float64)
        with torch.inference_mode():
            for start in range(0, len(ids), self.batch_size):
                chosen = order[start : start + self.batch_size]
                batch = self.tokenizer.pad({"input_ids": [ids[i] for i in chosen]}, return_tensors="pt")
                logits = self.model(**batch.to(self.device)).logits
                probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
                for column, model_column in enumerate(self.columns):
                    if model_column is not None:
                        out[chosen, column] = probs[:, model_column]
        return out

    def score(self, texts: Sequence[str]) -> Scores:
        distinct = list(dict.fromkeys(texts))
        position = {text: i for i, text in enumerate(distinct)}
        back = np.fromiter((position[text] for text in texts), dtype=np.int64, count=len(texts))
        ids, lengths, truncated = (
            self.token_ids(distinct) if distinct else ([], np.zeros(0, np.int32), np.zeros(0, bool))
        )
        probabilities = self._probabilities(ids) if distinct else np.zeros((0, len(LABELS)))
        return Scores(probabilities[back], lengths[back], truncated[back])

    def score_frame(self, texts: pd.Series) -> pd.DataFrame:
        """SCORE_STRUCT columns for a Series of texts; null texts get null scores."""
        present = texts.notna().to_numpy()
        scores = self.score(texts[present].tolist())
        frame = pd.DataFrame(
            {
                "sentiment_label": pd.Series([None] * len(texts), dtype=object),
                "sentiment_score": np.nan,
                "p_negative": np.nan,
                "p_neutral": np.nan,
                "p_positive": np.nan,
                "truncated": pd.Series([None] * len(texts), dtype=object),
                "token_count": pd.Series([None] * len(texts), dtype="Int32"),
            }
        )
        frame.loc[present, "sentiment_label"] = scores.labels
        frame.loc[present, "sentiment_score"] = scores.scores
        frame.loc[present, ["p_negative", "p_neutral", "p_positive"]] = scores.probabilities
        frame.loc[present, "truncated"] = scores.truncated
        frame.loc[present, "token_count"] = scores.token_counts
        return frame
