"""The fixed vocabulary of quarantine reasons. Reports and dashboards group by these names."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    # The bytes could not be read as a JSON value.
    INVALID_JSON = "invalid_json"
    TRUNCATED_RECORD = "truncated_record"
    EMPTY_FILE = "empty_file"
    # A JSON value, but not a transcript object.
    NOT_AN_OBJECT = "not_an_object"
    CONFLICTING_KEYS = "conflicting_keys"
    # A transcript object that breaks the input contract.
    MISSING_TRANSCRIPT_ID = "missing_transcript_id"
    MISSING_TENANT_ID = "missing_tenant_id"
    MISSING_CREATED_AT = "missing_created_at"
    INVALID_CREATED_AT = "invalid_created_at"
    INVALID_FIELD_TYPE = "invalid_field_type"
    MISSING_SEGMENTS = "missing_segments"
    EMPTY_SEGMENTS = "empty_segments"
    INVALID_SEGMENT = "invalid_segment"
    # A valid transcript replaced by a later version of the same transcript_id in one input.
    SUPERSEDED_DUPLICATE = "superseded_duplicate"
    # Anything else that kept a record from becoming a row (a value nested too deep to
    # turn back into JSON, say): quarantined with the error, so one record never stops a run.
    UNPROCESSABLE_RECORD = "unprocessable_record"


class Rejected(Exception):
    """Raised while normalizing a record that must go to quarantine."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
