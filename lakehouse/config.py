"""Typed job configuration, loaded from `conf/<environment>.yaml` and validated.

A file may start with `extends: <other>.yaml`; its keys override the other's. Unknown keys,
wrong types and missing files are errors with one clear line, raised before any work.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from udfs.settings import ScorerSettings


class ConfigError(ValueError):
    """A configuration problem, stated in one line."""


@dataclass(frozen=True)
class InputConfig:
    path: str = "data/sample"
    max_split_mb: int = 64
    open_cost_kb: int = 256


@dataclass(frozen=True)
class OutputConfig:
    warehouse: str = "warehouse"
    optimize: bool = True
    # OPTIMIZE's target file size (Delta's default is 1 GB: one file per day, nothing to skip).
    target_file_mb: float = 1.0
    # VACUUM keeps files removed less than this long ago; Delta refuses less than 7 days.
    vacuum_retention_hours: int = 168


@dataclass(frozen=True)
class ModelConfig:
    path: str = ".cache/models/minilm-l6-sentiment"
    batch_size: int = 64
    max_length: int = 256
    threads: int | None = None
    quantize: bool = False

    def scorer_settings(self) -> ScorerSettings:
        return ScorerSettings(
            batch_size=self.batch_size, max_length=self.max_length, threads=self.threads, quantize=self.quantize
        )


@dataclass(frozen=True)
class SparkConfig:
    # Rows per Arrow batch sent to the scoring UDF: bounds worker memory on wide rows.
    arrow_batch_rows: int = 2048


def _default_roles() -> dict[str, list[str]]:
    return {
        "agent": ["agent", "system", "assistant", "bot", "representative"],
        "customer": ["customer", "user", "caller", "client"],
    }


@dataclass(frozen=True)
class JobConfig:
    input: InputConfig = field(default_factory=InputConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    spark: SparkConfig = field(default_factory=SparkConfig)
    # Speaker labels (any case) per role; labels not listed get the role "other".
    speaker_roles: dict[str, list[str]] = field(default_factory=_default_roles)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> JobConfig:
    """Read a YAML file (following `extends:`), apply dotted-key overrides, validate."""
    raw = _read_with_parents(Path(path), seen=())
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value)
    return _build(JobConfig, raw, where="")


def _read_with_parents(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    if path.resolve() in seen:
        raise ConfigError(f"config files extend each other in a loop: {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"invalid YAML in {path}{where}: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of settings")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    return _merge(_read_with_parents(path.parent / parent, (*seen, path.resolve())), data)


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        both_maps = isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "speaker_roles"
        merged[key] = _merge(merged[key], value) if both_maps else value
    return merged


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _build(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where.rstrip('.') or 'config'} must be a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown config key '{where}{unknown[0]}' (known: {', '.join(sorted(known))})")
    values = {name: _coerce(hints[name], value, f"{where}{name}") for name, value in raw.items()}
    return cls(**values)


def _coerce(hint: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, f"{where}.")
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(hint):
            return None
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _coerce(hint, value, where)
    if origin is dict:
        if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
        ):
            raise ConfigError(f"{where} must map names to lists of strings")
        return {str(k): list(v) for k, v in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{where} must be {hint.__name__}, got {value!r}")
    if hint in (int, float) and value <= 0:
        raise ConfigError(f"{where} must be positive, got {value}")
    return value
