import json
import random

import pytest

from lakehouse.reading.boundaries import element_starts_after

NASTY_TEXTS = ["plain", 'a "quoted" {brace} [x]', "back\\slash", "ends with backslash \\", '\\"', "}, {", "é ü 😀", ""]


def nasty_array(count: int, seed: int) -> list:
    rng = random.Random(seed)
    elements = []
    for i in range(count):
        text = "".join(rng.choice(NASTY_TEXTS) for _ in range(rng.randint(0, 5)))
        elements.append({"id": i, "text": text, "segments": [{"t": text, "n": [1, {"x": "]"}]}]})
    return elements


def true_starts(data: bytes) -> list[int]:
    """Element start offsets found by really parsing the array."""
    text = data.decode()
    decoder = json.JSONDecoder()
    starts, pos = [], text.index("[") + 1
    while True:
        while text[pos] in " \n\t\r,":
            pos += 1
        if text[pos] == "]":
            return starts
        starts.append(len(text[:pos].encode()))
        _, pos = decoder.raw_decode(text, pos)


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("chunk_bytes", [1, 7, 64, 1 << 20])
def test_scan_finds_exactly_the_element_starts(tmp_path, indent, chunk_bytes):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(nasty_array(60, seed=chunk_bytes), indent=indent, ensure_ascii=False))
    data = path.read_bytes()
    expected = true_starts(data)
    targets = list(range(0, len(data), max(1, len(data) // 25)))
    want = []
    for target in targets:
        start = next((s for s in expected if s >= target), None)
        if start is not None and (not want or want[-1] != start):
            want.append(start)
    assert element_starts_after(str(path), targets, chunk_bytes=chunk_bytes) == want


def test_every_start_is_found_when_asked_for_every_byte(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(nasty_array(30, seed=1), ensure_ascii=False))
    data = path.read_bytes()
    assert element_starts_after(str(path), list(range(len(data))), chunk_bytes=5) == true_starts(data)
