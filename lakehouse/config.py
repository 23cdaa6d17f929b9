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

from udfs.pii import MaskSettings
from udfs.settings import ScorerSettings


class ConfigError(ValueError):
    """A configuration problem, stated in one line."""


@dataclass(frozen=True)
class InputConfig:
    path: str = "data/sample"
    max_split_mb: int = 64
    open_cost_kb: int = 256
    incremental: bool = True


@dataclass(frozen=True)
class OutputConfig:
    warehouse: str = "warehouse"
    optimize: bool = True
    database: str = "default"
    # OPTIMIZE's target file size (Delta's default is 1 GB: one file per day, nothing to skip).
    target_file_mb: float = 1.0
    # VACUUM keeps files removed less than this long ago; Delta refuses less than 7 days.
    vacuum_retention_hours: int = 168

    def check(self, where: str) -> None:
        if self.target_file_mb <= 0:
            raise ConfigError(f"{where}.target_file_mb must be positive, got {self.target_file_mb}")


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


@dataclass(frozen=True)
class PiiConfig:
    # Regions whose national phone numbers (no +country code) are recognised.
    phone_regions: list[str] = field(default_factory=lambda: ["US", "GB"])
    # Extra entity kinds: NAME -> regular expressions; matches become [NAME].
    extra_patterns: dict[str, list[str]] = field(default_factory=dict)
    # Off: the original utterances are never stored. On: they also go to `segments_unmasked`.
    keep_unmasked: bool = False

    def mask_settings(self) -> MaskSettings:
        extra = tuple((name, pattern) for name, patterns in self.extra_patterns.items() for pattern in patterns)
        return MaskSettings(phone_regions=tuple(self.phone_regions), extra_patterns=extra)


@dataclass(frozen=True)
class SentimentRule:
    """Flags a call when a role's mean score in one quarter is below (or above) a bound."""

    role: str
    quarter: int
    below: float | None = None
    above: float | None = None

    def check(self, where: str) -> None:
        if self.role not in ("agent", "customer", "other"):
            raise ConfigError(f"{where}.role must be agent, customer or other, got {self.role!r}")
        if not 1 <= self.quarter <= 4:
            raise ConfigError(f"{where}.quarter must be 1 to 4, got {self.quarter}")
        if (self.below is None) == (self.above is None):
            raise ConfigError(f"{where} needs exactly one of 'below' and 'above'")


def _default_phrase_rules() -> dict[str, list[str]]:
    return {
        "escalation_request": ["speak to a manager", "speak to your manager", "talk to a supervisor"],
        "cancellation_intent": ["cancel my account", "cancel my subscription", "close my account"],
    }


def _default_sentiment_rules() -> dict[str, SentimentRule]:
    return {"customer_negative_at_end": SentimentRule(role="customer", quarter=4, below=-0.25)}


@dataclass(frozen=True)
class AnalyticsConfig:
    # Silences between utterances this long or longer count as non-talk time.
    gap_seconds: float = 3.0
    # Rule name -> phrases, matched case-insensitively as whole words on the masked text.
    phrase_rules: dict[str, list[str]] = field(default_factory=_default_phrase_rules)
    sentiment_rules: dict[str, SentimentRule] = field(default_factory=_default_sentiment_rules)


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
    pii: PiiConfig = field(default_factory=PiiConfig)
    analytics: AnalyticsConfig = field(default_factory=AnalyticsConfig)

    def check(self, where: str) -> None:
        unknown = sorted(set(self.speaker_roles) - {"agent", "customer"})
        if unknown:
            raise ConfigError(
                f"speaker_roles maps labels to agent or customer (the rest are other), not {unknown[0]!r}"
            )


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
    built = cls(**values)
    check = getattr(built, "check", None)
    if check is not None:
        check(where.rstrip("."))
    return built


def _coerce(hint: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, f"{where}.")
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(hint):
            return None
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _coerce(hint, value, where)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise ConfigError(f"{where} must be a list of strings")
        return [str(x) for x in value]
    if origin is dict and dataclasses.is_dataclass(typing.get_args(hint)[1]):
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must map names to settings")
        item = typing.get_args(hint)[1]
        return {str(k): _build(item, v, f"{where}.{k}.") for k, v in value.items()}
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
    # Counts and sizes are positive; a float may be a score bound, so floats check themselves.
    if hint is int and value <= 0:
        raise ConfigError(f"{where} must be positive, got {value}")
    return value
