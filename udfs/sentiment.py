"""The sentiment pandas UDF: Arrow batches of utterance texts in, scores out.

The model is loaded once per Python worker (Spark reuses workers across tasks) from a folder
every executor can read, and kept in a module-level cache; it is never reloaded per batch
or per row. Torch gets as many threads as the cores Spark gives the task, so that parallel
workers do not fight over the same cores.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pyspark.sql import Column
from pyspark.sql.functions import pandas_udf

from lakehouse.schema import SCORE_STRUCT
from udfs.settings import ScorerSettings

if TYPE_CHECKING:
    from udfs.scorer import SentimentScorer

logger = logging.getLogger(__name__)

_SCORERS: dict[tuple[str, ScorerSettings], SentimentScorer] = {}


@dataclass(frozen=True)
class ModelIdentity:
    name: str
    revision: str


def model_identity(model_dir: str) -> ModelIdentity:
    """The model's name from its config, and a revision that changes whenever its weights do."""
    folder = Path(model_dir)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"not a Hugging Face model folder (no config.json): {model_dir}")
    config = json.loads((folder / "config.json").read_text())
    digest = hashlib.sha256()
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(weights.name.encode())
        with weights.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    name = config.get("_name_or_path") or folder.name
    return ModelIdentity(name=name, revision=digest.hexdigest()[:12])


def _torch_threads(settings: ScorerSettings) -> int:
    if settings.threads:
        return settings.threads
    from pyspark import TaskContext

    context = TaskContext.get()
    return context.cpus() if context is not None else 1


def executor_model_dir(model_dir: str) -> str:
    """Where this worker finds the model: a copy shipped with the job, else the given path.

    On a cluster the model travels with the submission (`--archives model.tgz#<folder name>`)
    and is unpacked beside each executor, because the driver's path need not exist there.
    """
    from pyspark import SparkFiles

    name = Path(model_dir).name
    for shipped in (Path.cwd() / name, Path(SparkFiles.getRootDirectory()) / name):
        if (shipped / "config.json").is_file():
            return str(shipped)
    return model_dir


def cached_scorer(model_dir: str, settings: ScorerSettings) -> SentimentScorer:
    """The worker's scorer for this model, loaded on first use.

    torch and transformers are imported here, in the Python worker, so that the driver
    (which only plans the job) never pays their memory.
    """
    import torch

    from udfs.scorer import SentimentScorer

    torch.set_num_threads(_torch_threads(settings))
    key = (model_dir, settings)
    if key not in _SCORERS:
        started = time.monotonic()
        _SCORERS[key] = SentimentScorer(model_dir, settings)
        logger.info("loaded model %s in %.1f s", model_dir, time.monotonic() - started)
    return _SCORERS[key]


def sentiment_udf(model_dir: str, settings: ScorerSettings):
    """A scalar-iterator pandas UDF returning SCORE_STRUCT for a string column."""

    @pandas_udf(SCORE_STRUCT)
    def score_utterances(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        scorer = cached_scorer(executor_model_dir(model_dir), settings)
        for texts in batches:
            yield scorer.score_frame(texts)

    return score_utterances


def score_column(text: Column, model_dir: str, settings: ScorerSettings) -> Column:
    return sentiment_udf(model_dir, settings)(text)
