"""Shared fixtures: one real SparkSession with Delta for the whole run, and a tiny model.

The tiny model is a real BERT sequence classifier (random weights, the MiniLM vocabulary)
built once per test session: fast enough for mechanics, loaded by the same code as the
default model. Tests of what the default model says are marked `slow`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Spark's Python workers must run this interpreter (the project's venv), whatever PATH says.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_TRANSCRIPTS = PROJECT_ROOT.parent / "shared" / "data" / "transcripts"
SAMPLE = PROJECT_ROOT / "data" / "sample"
# TEST_DEFAULT_MODEL=<folder> runs the slow tests against a candidate build instead.
DEFAULT_MODEL = Path(os.environ.get("TEST_DEFAULT_MODEL", PROJECT_ROOT / ".cache" / "models" / "minilm-l6-sentiment"))


@pytest.fixture(scope="session")
def spark():
    from lakehouse.session import local_session

    session = local_session(
        "tests",
        extra={
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
        },
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from modeling.paths import base_encoder_dir

    folder = tmp_path_factory.mktemp("tiny-model")
    tokenizer = AutoTokenizer.from_pretrained(base_encoder_dir())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    import torch

    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def default_model() -> str:
    if not (DEFAULT_MODEL / "config.json").is_file():
        pytest.fail(f"default model missing at {DEFAULT_MODEL}: run `make setup`")
    return str(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def shared_transcripts() -> Path:
    if not SHARED_TRANSCRIPTS.is_dir():
        pytest.skip(f"the shared transcripts are not at {SHARED_TRANSCRIPTS}")
    return SHARED_TRANSCRIPTS


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    return target


def config_for(input_path, warehouse, model, **overrides):
    """conf/test.yaml for this input, warehouse and model; `input__incremental=False` style overrides."""
    from lakehouse.config import load_config

    given = {"input.path": str(input_path), "output.warehouse": str(warehouse), "model.path": model}
    return load_config("conf/test.yaml", given | {key.replace("__", "."): value for key, value in overrides.items()})


@pytest.fixture(scope="session")
def shared_run(spark, shared_transcripts, tiny_model, tmp_path_factory):
    """The job run once on all of ../shared/data/transcripts; returns (report, warehouse)."""
    from lakehouse.pipeline import run

    warehouse = tmp_path_factory.mktemp("warehouse")
    report = run(spark, config_for(shared_transcripts, warehouse, tiny_model))
    return report, warehouse


def execute_notebook(path: Path):
    """Run a notebook top to bottom in a fresh kernel, from its own folder; return it with outputs."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return notebook


def make(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    """A make target run as a user runs it, from the project's root, output captured."""
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )
