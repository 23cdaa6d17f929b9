"""Plan the read: list input files, tell their shapes, cut them into splits, pack partitions.

Sizing follows Spark's own file sources: a partition holds about total bytes / cores, at
most `max_split_bytes`, and each file costs `open_cost_bytes` extra, so a folder of 20,000
one-call files becomes a few partitions instead of 20,000 tasks.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lakehouse.reading.boundaries import element_starts_after
from lakehouse.reading.framing import BOM, Shape, Split, foreign_encoding

_PEEK_BYTES = 4096
_FIRST_LINE_LIMIT = 16 * 1024 * 1024
# In a folder, only these are input; a glob or a named file is taken as given.
TRANSCRIPT_SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class InputFile:
    path: str
    size: int
    # When the file landed (its modification time, epoch seconds): orders re-exports.
    modified_at: float = 0.0

    @classmethod
    def at(cls, path: str, stat: os.stat_result) -> InputFile:
        return cls(os.path.abspath(path), stat.st_size, stat.st_mtime)


def list_input_files(location: str) -> list[InputFile]:
    """A file, a folder (searched recursively for *.json, *.jsonl, *.ndjson) or a glob
    (a path that does not exist as written).

    Hidden files and those starting with `_` (such as `_SUCCESS`) are never input.
    """
    # A path that exists is taken as given, even when its name holds `[`, `?` or `*`.
    if not os.path.exists(location) and any(char in location for char in "*?["):
        candidates = glob.glob(location, recursive=True)
    elif os.path.isdir(location):
        candidates = [
            os.path.join(folder, name)
            for folder, names in _visible_walk(location)
            for name in names
            if name.lower().endswith(TRANSCRIPT_SUFFIXES)
        ]
    elif os.path.exists(location):
        candidates = [location]
    else:
        raise FileNotFoundError(f"input path does not exist: {location}")
    files: list[InputFile] = []
    seen: set[tuple[int, int]] = set()
    # Real files before links, so a file linked twice is listed under its own name.
    for path in sorted(candidates, key=lambda path: (os.path.islink(path), path)):
        if not os.path.isfile(path) or _is_hidden(os.path.basename(path)):
            continue
        stat = os.stat(path)
        # A link (`latest.json` -> today's export) or hard link to a file already listed
        # holds the same records: reading it again would count each of them twice.
        if (stat.st_dev, stat.st_ino) in seen:
            continue
        seen.add((stat.st_dev, stat.st_ino))
        files.append(InputFile.at(path, stat))
    return sorted(files, key=lambda file: file.path)


def _visible_walk(location: str) -> Iterator[tuple[str, list[str]]]:
    """os.walk that does not descend into hidden or `_` folders (`.staging/`, `_temporary/`),
    where writers keep files that are not finished yet."""
    for folder, subfolders, names in os.walk(location):
        subfolders[:] = [name for name in subfolders if not _is_hidden(name)]
        yield folder, names


def _is_hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def detect_shape(path: str, size: int, max_split_bytes: int) -> Shape:
    """`[` first means one array; anything else is one object or JSON Lines.

    Files small enough for one split are read whole, which handles both; larger ones
    are JSON Lines, the only object-per-record shape worth splitting.
    """
    with open(path, "rb") as handle:
        head = handle.read(_PEEK_BYTES)
        head = head[len(BOM) :] if head.startswith(BOM) else head
        if foreign_encoding(head):
            return Shape.OBJECT  # not UTF-8: one record that says so, never cut
        if head.lstrip()[:1] == b"[":
            return Shape.ARRAY
        if size <= max_split_bytes:
            return Shape.OBJECT
        # Too big to read whole: JSON Lines if its first line is a JSON value of its own,
        # otherwise one large (pretty-printed) object, which is never cut. Blank lines
        # before it do not count: read whole, a large file would sit in one task's memory.
        handle.seek(0)
        first_line = handle.readline(_FIRST_LINE_LIMIT)
        while first_line and not first_line.removeprefix(BOM).strip() and handle.tell() < _FIRST_LINE_LIMIT:
            first_line = handle.readline(_FIRST_LINE_LIMIT)
    return Shape.JSONL if len(first_line) >= _FIRST_LINE_LIMIT or _is_json(first_line) else Shape.OBJECT


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line.removeprefix(BOM))
    except (ValueError, RecursionError):
        return False
    return True


def split_file(file: InputFile, shape: Shape, max_split_bytes: int) -> list[Split]:
    if shape is Shape.JSONL:
        return [
            Split(file.path, shape, start, min(start + max_split_bytes, file.size))
            for start in range(0, file.size, max_split_bytes)
        ]
    if shape is Shape.ARRAY and file.size > max_split_bytes:
        # Cut only where an element starts, so each split parses on its own.
        targets = list(range(max_split_bytes, file.size, max_split_bytes))
        cuts = [0, *element_starts_after(file.path, targets), file.size]
        return [Split(file.path, shape, start, end) for start, end in zip(cuts, cuts[1:], strict=False)]
    return [Split(file.path, shape, 0, file.size)]


def target_partition_bytes(
    files: list[InputFile], *, parallelism: int, max_split_bytes: int, open_cost_bytes: int
) -> int:
    total = sum(file.size + open_cost_bytes for file in files)
    return min(max_split_bytes, max(open_cost_bytes, total // max(parallelism, 1)))


def pack_partitions(splits: Iterable[Split], *, target_bytes: int, open_cost_bytes: int) -> list[list[Split]]:
    """Greedy packing in path order, like Spark's FilePartition.getFilePartitions."""
    partitions: list[list[Split]] = []
    current: list[Split] = []
    current_bytes = 0
    for split in splits:
        cost = split.end - split.start + open_cost_bytes
        if current and current_bytes + cost > target_bytes:
            partitions.append(current)
            current, current_bytes = [], 0
        current.append(split)
        current_bytes += cost
    if current:
        partitions.append(current)
    return partitions


def plan_partitions(
    location: str | list[InputFile], *, parallelism: int, max_split_bytes: int, open_cost_bytes: int
) -> list[list[Split]]:
    """Splits packed into partitions, for a location or for files already chosen."""
    files = list_input_files(location) if isinstance(location, str) else location
    target = target_partition_bytes(
        files, parallelism=parallelism, max_split_bytes=max_split_bytes, open_cost_bytes=open_cost_bytes
    )
    splits = [split for file in files for split in split_file(file, detect_shape(file.path, file.size, target), target)]
    return pack_partitions(splits, target_bytes=target, open_cost_bytes=open_cost_bytes)
