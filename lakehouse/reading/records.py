"""Turn one decoded JSON value into a typed transcript row, or a reason to quarantine it.

Validation happens here, in the same pass that decodes the JSON, rather than as Spark column
checks afterwards: only rejected records then need to carry their raw text into Spark.
Pure Python, no Spark: every rule is tested directly.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from lakehouse.reasons import Reason, Rejected

TOP_LEVEL_FIELDS = ("transcript_id", "tenant_id", "created_at", "channel", "language", "segments")
SEGMENT_FIELDS = ("speaker", "start", "end", "text")

# Epoch numbers below this are seconds, above it milliseconds: 1e11 s is the year 5138,
# 1e11 ms is March 1973, before any contact-centre export.
EPOCH_SECONDS_LIMIT = 1e11
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Replace what UTF-8 cannot store (invalid input bytes, lone surrogate escapes) by U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)


def key_form(key: str) -> str:
    """`tenantId`, `TenantID`, `tenant-id` and `tenant_id` all name the same field."""
    return _NOT_ALNUM.sub("", key.lower())


_TOP_LEVEL_BY_FORM = {key_form(name): name for name in TOP_LEVEL_FIELDS}
_SEGMENT_BY_FORM = {key_form(name): name for name in SEGMENT_FIELDS}


def canonical_keys(obj: dict[str, Any], known: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split an object into known fields (under their canonical names) and the rest."""
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        name = known.get(key_form(key))
        if name is None:
            extra[key] = value
        elif name in fields and fields[name] != value:
            raise Rejected(Reason.CONFLICTING_KEYS, f"two spellings of {name!r} with different values")
        else:
            fields[name] = value
    return fields, extra


def parse_created_at(value: Any) -> datetime:
    """ISO-8601 (offset, `Z`, or none meaning UTC), or epoch seconds / milliseconds."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Rejected(Reason.MISSING_CREATED_AT, "created_at is missing or empty")
    if isinstance(value, bool):
        raise Rejected(Reason.INVALID_CREATED_AT, f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        moment = _from_epoch(value)
    elif isinstance(value, str):
        moment = _from_iso(value.strip())
    else:
        raise Rejected(Reason.INVALID_CREATED_AT, f"not a time: {type(value).__name__}")
    if not EARLIEST <= moment < LATEST:
        raise Rejected(Reason.INVALID_CREATED_AT, f"out of range: {value!r}")
    return moment


def _from_epoch(value: float) -> datetime:
    try:
        if not math.isfinite(value):
            raise ValueError(value)
        seconds = value if abs(value) < EPOCH_SECONDS_LIMIT else value / 1000.0
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise Rejected(Reason.INVALID_CREATED_AT, f"not a time: {value!r:.40}") from error


def _from_iso(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:  # not ISO, or year 1 / 9999 shifted out of range
        raise Rejected(Reason.INVALID_CREATED_AT, f"not a usable ISO-8601 time: {text[:80]!r}") from error


def required_string(fields: dict[str, Any], name: str, missing: Reason) -> str:
    value = fields.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Rejected(missing, f"{name} is missing or empty")
    if not isinstance(value, str):
        raise Rejected(Reason.INVALID_FIELD_TYPE, f"{name} must be a string, got {type(value).__name__}")
    return clean_text(value.strip())


def optional_string(fields: dict[str, Any], name: str, where: str = "") -> str | None:
    value = fields.get(name)
    if value is None or isinstance(value, str):
        return None if value is None else clean_text(value)
    raise Rejected(Reason.INVALID_FIELD_TYPE, f"{where}{name} must be a string, got {type(value).__name__}")


def optional_number(fields: dict[str, Any], name: str, where: str) -> float | None:
    value = fields.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(value)
        return float(value)
    except (ValueError, OverflowError):
        raise Rejected(
            Reason.INVALID_FIELD_TYPE, f"{where}.{name} must be a finite number, got {value!r:.40}"
        ) from None


_SEGMENT_KEYS = frozenset(SEGMENT_FIELDS)
_TOP_LEVEL_KEYS = frozenset(TOP_LEVEL_FIELDS)


def parse_segment(item: Any, index: int) -> tuple[str | None, float | None, float | None, str | None]:
    """A segment as (speaker, start, end, text).

    Almost every segment already has canonical keys and plain types; that case takes a
    fast path of a few C-level checks, since it runs once per utterance.
    """
    if type(item) is dict and item.keys() <= _SEGMENT_KEYS:
        get = item.get
        speaker, start, end, text = get("speaker"), get("start"), get("end"), get("text")
        # `type() is float` keeps bools and strings out; `x - x == 0` fails for NaN and infinities.
        if (
            type(speaker) is str
            and type(text) is str
            and type(start) is float
            and type(end) is float
            and start - start == 0
            and end - end == 0
            and speaker.isascii()
            and text.isascii()
        ):
            return speaker, start, end, text
    return _parse_segment_checked(item, index)


def _parse_segment_checked(item: Any, index: int) -> tuple[str | None, float | None, float | None, str | None]:
    where = f"segments[{index}]"
    if not isinstance(item, dict):
        raise Rejected(Reason.INVALID_SEGMENT, f"{where} is not an object")
    fields, _ = canonical_keys(item, _SEGMENT_BY_FORM)
    if isinstance(fields.get("speaker"), int) and not isinstance(fields.get("speaker"), bool):
        fields["speaker"] = str(fields["speaker"])  # numbered channels ("1", "2") are common labels
    return (
        optional_string(fields, "speaker", f"{where}."),
        optional_number(fields, "start", where),
        optional_number(fields, "end", where),
        optional_string(fields, "text", f"{where}."),
    )


def parse_segments(value: Any) -> list[tuple]:
    if value is None:
        raise Rejected(Reason.MISSING_SEGMENTS, "segments is missing")
    if not isinstance(value, list):
        raise Rejected(Reason.INVALID_FIELD_TYPE, f"segments must be a list, got {type(value).__name__}")
    if not value:
        raise Rejected(Reason.EMPTY_SEGMENTS, "segments is an empty list")
    return [parse_segment(item, index) for index, item in enumerate(value)]


def normalize_transcript(value: Any) -> tuple:
    """The typed fields of RECORD_SCHEMA from transcript_id to extra_json, in order."""
    if not isinstance(value, dict):
        raise Rejected(Reason.NOT_AN_OBJECT, f"top-level value is a {type(value).__name__}")
    if value.keys() <= _TOP_LEVEL_KEYS:
        fields, extra = value, {}
    else:
        fields, extra = canonical_keys(value, _TOP_LEVEL_BY_FORM)
    return (
        required_string(fields, "transcript_id", Reason.MISSING_TRANSCRIPT_ID),
        required_string(fields, "tenant_id", Reason.MISSING_TENANT_ID),
        parse_created_at(fields.get("created_at")),
        optional_string(fields, "channel"),
        optional_string(fields, "language"),
        parse_segments(fields.get("segments")),
        clean_text(json.dumps(extra, ensure_ascii=False, sort_keys=True)) if extra else None,
    )
