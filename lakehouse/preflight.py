"""Checks that fail fast, before Spark starts, with one clear line each."""

from __future__ import annotations

from pathlib import Path

from lakehouse.config import ConfigError, JobConfig
from lakehouse.reading.planning import list_input_files


def check_paths(config: JobConfig) -> None:
    for file in list_input_files(config.input.path):  # raises FileNotFoundError for a missing path
        # An input file that cannot be read stopped the run later, in planning, with a
        # traceback: say which one, before anything starts.
        try:
            with open(file.path, "rb") as handle:
                handle.read(1)
        except OSError as error:
            raise ConfigError(f"input file unreadable: {file.path}: {error.strerror or error}") from error
    model = Path(config.model.path)
    if not (model / "config.json").is_file():
        raise ConfigError(f"model folder unreadable or not a Hugging Face model (no config.json): {model}")
    warehouse = Path(config.output.warehouse)
    if warehouse.exists() and not warehouse.is_dir():
        raise ConfigError(f"warehouse is not a folder: {warehouse}")
