"""Where the elements of a top-level JSON array start, found without parsing the JSON.

A JSON array can only be cut between elements, and which `{` opens an element depends on
everything before it (is it inside a string? how deep?). This scan answers that for the
whole file in one pass at numpy speed, in fixed-size chunks, so that an array of any size
can be split into parallel reads. Only quotes, backslashes and brackets are looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

SCAN_CHUNK_BYTES = 8 * 1024 * 1024
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPEN_OBJECT, _CLOSE_OBJECT, _OPEN_ARRAY, _CLOSE_ARRAY = ord("{"), ord("}"), ord("["), ord("]")


@dataclass
class ScanState:
    """Where a scan stands after the bytes it has seen: inside a string or not, how deep, and
    whether the value open at the top level is an array (or an object glued after one)."""

    in_string: bool = False
    depth: int = 0
    top_is_array: bool = True


def _real_quotes(chunk: np.ndarray) -> np.ndarray:
    """Positions of quotes not escaped by an odd run of backslashes."""
    quotes = np.flatnonzero(chunk == _QUOTE)
    if not len(quotes):
        return quotes
    after_backslash = quotes[(quotes > 0) & (chunk[np.maximum(quotes - 1, 0)] == _BACKSLASH)]
    if not len(after_backslash):
        return quotes
    escaped = []
    for position in after_backslash.tolist():
        run = 0
        while position - run - 1 >= 0 and chunk[position - run - 1] == _BACKSLASH:
            run += 1
        if run % 2:
            escaped.append(position)
    return np.setdiff1d(quotes, np.array(escaped, dtype=quotes.dtype), assume_unique=True)


def element_starts_in_chunk(chunk: np.ndarray, base: int, state: ScanState) -> np.ndarray:
    """Offsets of `{` that open a top-level array element; advances `state` past the chunk."""
    quotes = _real_quotes(chunk)
    brackets = np.flatnonzero(
        (chunk == _OPEN_OBJECT) | (chunk == _CLOSE_OBJECT) | (chunk == _OPEN_ARRAY) | (chunk == _CLOSE_ARRAY)
    )
    # Inside a string when an odd number of real quotes precede (given the chunk's start state).
    quotes_before = np.searchsorted(quotes, brackets)
    outside = ((quotes_before + state.in_string) % 2) == 0
    structural = brackets[outside]
    kinds = chunk[structural]
    steps = np.where((kinds == _OPEN_OBJECT) | (kinds == _OPEN_ARRAY), 1, -1)
    depth_before = state.depth + np.concatenate(([0], np.cumsum(steps)[:-1])) if len(steps) else steps
    # A `{` one level deep opens an element only inside a top-level array, not inside a
    # top-level object (one glued after the array): which kind was opened last at depth 0?
    top_openers = (depth_before == 0) & (steps == 1)
    last_top = np.maximum.accumulate(np.where(top_openers, np.arange(len(kinds)), -1)) if len(kinds) else kinds
    in_array = np.where(last_top >= 0, kinds[np.maximum(last_top, 0)] == _OPEN_ARRAY, state.top_is_array)
    starts = structural[(kinds == _OPEN_OBJECT) & (depth_before == 1) & in_array]

    state.in_string = bool((state.in_string + len(quotes)) % 2)
    state.depth += int(steps.sum())
    if len(kinds) and last_top[-1] >= 0:
        state.top_is_array = bool(kinds[last_top[-1]] == _OPEN_ARRAY)
    return starts + base


def read_block(handle: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, never ending inside a run of backslashes: its parity decides
    whether the next quote is escaped."""
    data = handle.read(size)
    while data.endswith(b"\\"):
        more = handle.read(1)
        if not more:
            break
        data += more
    return data


def element_starts_after(path: str, targets: list[int], chunk_bytes: int = SCAN_CHUNK_BYTES) -> list[int]:
    """For each target offset (ascending), the first element start at or after it.

    A target with no element after it is dropped, so the result may be shorter.
    """
    found: list[int] = []
    pending = sorted(targets)
    state = ScanState()
    base = 0
    with open(path, "rb") as handle:
        while pending:
            data = read_block(handle, chunk_bytes)
            if not data:
                break
            starts = element_starts_in_chunk(np.frombuffer(data, dtype=np.uint8), base, state)
            for start in starts.tolist():
                while pending and pending[0] <= start:
                    pending.pop(0)
                    if not found or found[-1] != start:
                        found.append(start)
                if not pending:
                    break
            base += len(data)
    return found
