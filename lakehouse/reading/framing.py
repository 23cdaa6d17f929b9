"""Find the records in a byte range of a transcript file, reading it in bounded chunks.

Three file shapes hold transcripts: JSON Lines, one JSON array, one object per file. Each
reader here takes a split (path, start, end) and yields every record that *starts* inside
[start, end), with its byte offset, so that splits of one file never share or lose a record.
Memory is bounded by the chunk size plus the largest single record, never the file size.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, BinaryIO

import numpy as np
import orjson

from lakehouse.reading.boundaries import ScanState, element_starts_in_chunk, read_block
from lakehouse.reasons import Reason

BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 1 << 20
# A rejected record keeps at most this much of its raw text in the quarantine table;
# its file and byte offset are kept too, so the whole record can always be found.
RAW_TEXT_LIMIT = 1024 * 1024
# A single record larger than this is treated as broken rather than buffered further.
MAX_RECORD_CHARS = 256 * 1024 * 1024

# A byte-order mark between values is where two exports were glued together.
_BETWEEN_ELEMENTS = re.compile(r"[\s,\ufeff]*")
_decoder = json.JSONDecoder()
# orjson turns integers beyond 64 bits into floats where the standard library keeps them
# exact: text with a run of 19 digits (possibly such a number) goes to the standard library.
# Found by mapping digits to "0" and the rest to " ": a regex is six times slower.
_DIGITS_AS_ZEROS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_DIGIT_RUN = b"0" * 19
_NOT_SURE = object()  # orjson might read a text otherwise than the standard library
_JSON_SPACE = b" \t\r\n"
# The block reader buffers at most this many chunks waiting for an element to end.
_BLOCK_LIMIT_CHUNKS = 16


class Shape(StrEnum):
    JSONL = "jsonl"
    ARRAY = "array"
    OBJECT = "object"


@dataclass(frozen=True)
class Split:
    path: str
    shape: Shape
    start: int
    end: int


@dataclass(frozen=True)
class Framed:
    """One record as found in the file: decoded, or with the reason it could not be."""

    offset: int
    text: str
    value: Any = None
    error: Reason | None = None
    detail: str | None = None


def decode_bytes(data: bytes) -> str:
    # surrogateescape keeps invalid UTF-8 bytes recoverable (and byte offsets exact);
    # they are replaced when the record's strings are cleaned.
    return data.decode("utf-8", errors="surrogateescape")


def byte_length(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogateescape"))


def frame_split(split: Split) -> Iterator[Framed]:
    with open(split.path, "rb") as handle:
        if split.shape is Shape.JSONL:
            yield from frame_lines(handle, split.start, split.end)
        elif split.shape is Shape.ARRAY:
            yield from frame_array(handle, split.start, split.end)
        else:
            yield from frame_whole_file(handle)


def undecodable(offset: int, text: str, error: Exception, *, may_be_cut: bool, start: int = 0) -> Framed:
    """The record at text[start:] did not decode: cut off where the text ended early, else invalid."""
    raw = text[start : start + RAW_TEXT_LIMIT]
    if not isinstance(error, json.JSONDecodeError):  # a 5,000-digit number, 10,000 nested brackets
        return Framed(offset, raw, error=Reason.INVALID_JSON, detail=f"{type(error).__name__}: {error}")
    cut = may_be_cut and ran_out_of_input(error, text)  # error.pos counts from the start of `text`
    return Framed(offset, raw, error=Reason.TRUNCATED_RECORD if cut else Reason.INVALID_JSON, detail=str(error))


def loads(text: str) -> Any:
    """One JSON text, parsed by orjson (about twice as fast on transcripts) wherever it gives
    what the standard library gives, and by the standard library otherwise (NaN, 1e400, lone
    surrogates, huge integers, and every error), so values and error messages never depend
    on which parser ran."""
    value = _orjson_where_same(text.encode("utf-8", errors="surrogatepass"))  # orjson refuses lone surrogates
    return json.loads(text) if value is _NOT_SURE else value


def _orjson_where_same(data: bytes) -> Any:
    """orjson's value of `data`, or _NOT_SURE where the standard library might read it otherwise."""
    if _LONG_DIGIT_RUN in data.translate(_DIGITS_AS_ZEROS):
        return _NOT_SURE
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _NOT_SURE


def decode_record(text: str, offset: int, *, at_end_of_file: bool = False) -> Framed:
    try:
        return Framed(offset, text, value=loads(text))
    except (ValueError, RecursionError) as error:
        return undecodable(offset, text, error, may_be_cut=at_end_of_file)


def frame_lines(handle: BinaryIO, start: int, end: int) -> Iterator[Framed]:
    """JSON Lines: a line belongs to the split holding its first byte."""
    if start > 0:
        handle.seek(start - 1)
        handle.readline()  # the rest of a line that began in the previous split
    else:
        handle.seek(0)
    offset = handle.tell()
    while offset < end:
        line = handle.readline()
        if not line:
            break
        body = line.removeprefix(BOM)  # the file's, or that of a file concatenated onto it
        if body.strip():
            last_line_unterminated = not line.endswith(b"\n")
            yield decode_record(decode_bytes(body).strip(), offset, at_end_of_file=last_line_unterminated)
        offset += len(line)


def frame_whole_file(handle: BinaryIO) -> Iterator[Framed]:
    """A small file of unknown shape: one object, an array, or JSON Lines after all."""
    data = handle.read()
    skipped = len(BOM) if data.startswith(BOM) else 0
    text = decode_bytes(data[skipped:])
    if not text.strip():
        yield Framed(0, "", error=Reason.EMPTY_FILE, detail="the file holds no JSON")
        return
    try:
        value = loads(text)
    except (ValueError, RecursionError):
        # Not one JSON value: JSON Lines (perhaps with a broken line), or one broken object.
        handle.seek(0)
        lines = list(frame_lines(handle, 0, len(data)))
        if any(isinstance(line.value, dict) for line in lines):
            yield from lines
        elif encoding := foreign_encoding(data):
            yield Framed(0, text.strip()[:RAW_TEXT_LIMIT], error=Reason.INVALID_JSON, detail=_NOT_UTF8 % encoding)
        else:
            yield decode_record(text.strip(), skipped, at_end_of_file=True)
        return
    if isinstance(value, list):
        handle.seek(0)
        yield from frame_array(handle, 0, len(data))
    else:
        yield Framed(skipped, text.strip(), value=value)


_NOT_UTF8 = "the file is %s, not UTF-8: export transcripts as UTF-8"


def foreign_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32, told by a byte-order mark or by zero bytes interleaved with the
    first 16 bytes (JSON's keys are ASCII); None for anything else, UTF-8 included."""
    for mark, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32")):
        if data.startswith(mark):
            return name
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:16]
    if len(head) < 16:
        return None
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        for lane in range(width):  # the one byte of each code unit that is not zero
            if all(head[i] == 0 for i in range(16) if i % width != lane) and all(head[lane::width]):
                return name
    return None


class _ChunkedText:
    """A sliding window of decoded text over a binary file, refilled on demand."""

    def __init__(self, handle: BinaryIO, offset: int) -> None:
        handle.seek(offset)
        self._handle = handle
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.text = ""
        self.pos = 0
        self.offset = offset  # byte offset of text[pos]
        self.eof = False

    def fill(self) -> None:
        """Drop what was consumed and read at least as much again as is buffered."""
        size = max(CHUNK_BYTES, len(self.text) - self.pos)
        data = self._handle.read(size)
        self.eof = not data
        self.text = self.text[self.pos :] + self._decoder.decode(data, final=self.eof)
        self.pos = 0

    def ensure(self, count: int = 1) -> bool:
        while len(self.text) - self.pos < count and not self.eof:
            self.fill()
        return len(self.text) - self.pos >= count

    def consume(self, new_pos: int) -> str:
        taken = self.text[self.pos : new_pos]
        self.offset += byte_length(taken)
        self.pos = new_pos
        return taken

    def skip_separators(self) -> None:
        while True:
            self.consume(_BETWEEN_ELEMENTS.match(self.text, self.pos).end())
            if self.pos < len(self.text) or self.eof:
                return
            self.fill()


def frame_array(handle: BinaryIO, start: int, end: int) -> Iterator[Framed]:
    """Elements of a top-level JSON array that start in [start, end).

    `start` is 0 or the offset of an element (split points are chosen on element starts).
    Runs of whole object elements are decoded a block at a time (the structural scan of
    boundaries.py finds where each starts; orjson parses the run in one call); the array's
    end, and any run that is not plain valid JSON objects, is read element by element by
    `frame_array_elements`, which defines the results: both ways give the same records.
    """
    resume = yield from _frame_object_runs(handle, start, end)
    if resume is not None:
        yield from frame_array_elements(handle, resume, end)


def _frame_object_runs(handle: BinaryIO, start: int, end: int) -> Generator[Framed, None, int | None]:
    """Yields records while they come as runs of whole objects; returns None when the split
    is done, or the offset from which the element-by-element reader must go on."""
    handle.seek(start)
    state = ScanState(depth=1 if start > 0 else 0)
    buffer, base = b"", start  # buffer[0] is the byte at file offset `base`
    starts: list[int] = []  # element starts in the buffer, not yet yielded
    while True:
        data = read_block(handle, CHUNK_BYTES)
        found = element_starts_in_chunk(np.frombuffer(data, dtype=np.uint8), base + len(buffer), state)
        starts += found.tolist()
        buffer += data
        if base == start and starts and not _only_opening_before(buffer[: starts[0] - base], start):
            return start  # not `[` before the first element, or a split that does not start on one
        ready = sum(1 for offset in starts[:-1] if offset < end)
        if ready:
            run = _decode_run(buffer, base, starts[: ready + 1])
            if run is None:
                return starts[0]  # not plain JSON objects: the exact reader decides from here
            yield from run
            del starts[:ready]
            buffer, base = buffer[starts[0] - base :], starts[0]
        if starts and starts[0] >= end:
            return None
        if not data or len(buffer) > _BLOCK_LIMIT_CHUNKS * CHUNK_BYTES:
            # The array's end, or an element so large that growing this buffer would copy it
            # over and over: one element at a time from here.
            return starts[0] if starts else start


def _only_opening_before(prefix: bytes, start: int) -> bool:
    return prefix == b"" if start > 0 else prefix.removeprefix(BOM).strip(_JSON_SPACE) == b"["


def _decode_run(buffer: bytes, base: int, bounds: list[int]) -> list[Framed] | None:
    """The elements starting at bounds[:-1], each ending before the next start, if they are
    valid JSON objects that orjson reads as the standard library would; else None."""
    pieces = [buffer[a - base : b - base].rstrip(_JSON_SPACE) for a, b in zip(bounds, bounds[1:], strict=False)]
    if not all(piece.endswith(b",") for piece in pieces):
        return None  # the array ends in between, or the elements are not what the scan saw
    texts = [piece[:-1].rstrip(_JSON_SPACE) for piece in pieces]
    values = _orjson_where_same(b"[" + b",".join(texts) + b"]")
    if values is _NOT_SURE or len(values) != len(texts):
        return None  # not plain JSON, or an element that is not an object hid between two that are
    return [
        Framed(offset, text.decode("utf-8"), value=value)
        for offset, text, value in zip(bounds[:-1], texts, values, strict=True)
    ]


def frame_array_elements(handle: BinaryIO, start: int, end: int) -> Iterator[Framed]:
    """Elements of a top-level JSON array that start in [start, end), decoded one at a time.

    Values after the array's closing bracket (a second array, objects: exports glued
    together) are read as records too rather than dropped.
    """
    window = _ChunkedText(handle, start)
    in_array = start > 0
    if start == 0 and window.ensure() and window.text.startswith("\ufeff"):
        window.consume(1)

    while True:
        window.skip_separators()
        if window.offset >= end or not window.ensure():
            return
        char = window.text[window.pos]
        if (char == "]" and in_array) or (char == "[" and not in_array):
            window.consume(window.pos + 1)
            in_array = not in_array
            continue
        framed = _next_element(window)
        if framed.error is None:
            yield framed
            continue
        # A broken element: go on at the next element start the planner's scan would cut at
        # (so the records after it are the same whatever the split), and quarantine only the
        # element's own bytes. Without one (a cut-off end, a bracket that never closes), the
        # rest of the split stays in this record's raw text.
        # TODO(#4): an odd stray quote inside an element flips the scan's idea of what is a
        # string for the rest of the file, so no later start is found and the rest goes with it.
        resume = None if _is_cut(framed) else _next_element_start(handle, framed.offset, depth=int(in_array))
        if resume is None:
            yield framed
            return
        yield replace(framed, text=_element_text(handle, framed.offset, resume, in_array))
        if resume >= end:
            return
        window, in_array = _ChunkedText(handle, resume), True


def _is_cut(framed: Framed) -> bool:
    return framed.error is Reason.TRUNCATED_RECORD


def _next_element_start(handle: BinaryIO, offset: int, depth: int) -> int | None:
    """The first element start after the value at `offset`, scanning as the planner does
    (everything before `offset` decoded, so the scan is outside strings, `depth` deep: 1 in
    an array, 0 after it, where only a later glued array's elements are starts)."""
    handle.seek(offset)
    state, base = ScanState(depth=depth), offset
    while data := read_block(handle, CHUNK_BYTES):
        for start in element_starts_in_chunk(np.frombuffer(data, dtype=np.uint8), base, state).tolist():
            if start > offset:
                return start
        base += len(data)
    return None


def _element_text(handle: BinaryIO, start: int, end: int, in_array: bool) -> str:
    """The raw text of a broken value, without the separators after it (nor, between glued
    arrays, the next array's opening bracket)."""
    handle.seek(start)
    data = handle.read(min(end - start, 4 * RAW_TEXT_LIMIT))
    return decode_bytes(data).rstrip(" \t\r\n,\ufeff" if in_array else " \t\r\n,\ufeff[")[:RAW_TEXT_LIMIT]


def _next_element(window: _ChunkedText) -> Framed:
    offset = window.offset
    while True:
        try:
            value, new_pos = _decoder.raw_decode(window.text, window.pos)
        except (ValueError, RecursionError) as error:
            if isinstance(error, json.JSONDecodeError) and _may_continue(window, error):
                window.fill()  # the element goes on in the next chunk
                continue
            return undecodable(offset, window.text, error, may_be_cut=True, start=window.pos)
        if new_pos == len(window.text) and not window.eof:
            window.fill()  # a number at the end of the buffer may have more digits
            continue
        return Framed(offset, window.consume(new_pos), value=value)


def ran_out_of_input(error: json.JSONDecodeError, text: str, slack: int = 0) -> bool:
    """Whether decoding failed because the text stopped, not because it was wrong.

    A cut shows as an error at the very end, or as a string that never closes.
    """
    return error.pos >= len(text.rstrip()) - slack or error.msg.startswith("Unterminated string")


def _may_continue(window: _ChunkedText, error: json.JSONDecodeError) -> bool:
    """Whether a decode error can be the end of the buffer rather than bad JSON."""
    if window.eof or len(window.text) - window.pos > MAX_RECORD_CHARS:
        return False
    # A literal cut by the chunk boundary fails up to 9 characters before the end.
    return ran_out_of_input(error, window.text, slack=16)
