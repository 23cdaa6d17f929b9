"""Masking of personal data in free text: plain Python, so it runs the same in a worker and a test.

Each kind of entity becomes a typed placeholder (`[CARD]`, `[IBAN]`, `[EMAIL]`, `[PHONE]`, or
`[NAME]` for a configured extra pattern), and the masker counts what it replaced. Numbers are
only masked when their check passes (Luhn for cards, ISO 7064 mod 97 for IBANs, the numbering
plan for phones), so order numbers and dates stay readable.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

CARD, IBAN, EMAIL, PHONE = "CARD", "IBAN", "EMAIL", "PHONE"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Country code and check digits, then letters/digits in groups; lower case is how people type it.
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}\b")
# 13 to 19 digits with single spaces or dashes between them (how cards are read out and typed).
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")
# Phone parsing is the costly step: only texts with seven digits close together get it.
_MAYBE_PHONE = re.compile(r"\d(?:\D{0,3}\d){6}")
_GROUP_SEPARATOR = re.compile(r"[ -]")
_MIN_CARD_DIGITS, _MIN_IBAN_CHARS = 13, 15
# IBAN lengths by country (ISO 13616): with the checksum alone, one string in 97 passes, and
# a candidate that runs on into the next words ("... 32 is noted") must not.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23,
    "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15,
    "PL": 28, "PT": 25, "QA": 29, "RO": 24, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26,
    "UA": 29,
}  # fmt: skip


@dataclass(frozen=True)
class MaskSettings:
    # Regions whose national numbers (without +country code) are recognised as phones.
    phone_regions: tuple[str, ...] = ("US", "GB")
    # (entity name, regular expression) pairs, applied after the built-in kinds.
    extra_patterns: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    if not (_MIN_IBAN_CHARS <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    if len(compact) != _IBAN_LENGTHS.get(compact[:2], len(compact)):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _longest_valid_prefix(candidate: str, valid: Callable[[str], bool], minimum: int, keep: str) -> int:
    """Length of the longest prefix ending at a group boundary whose compact form passes `valid`.

    A card read out with its expiry date ("4111 1111 1111 1111 12 25") or an IBAN followed
    by a capitalised word must still be found, so trailing groups are dropped one at a time.
    """
    ends = [match.start() for match in _GROUP_SEPARATOR.finditer(candidate)] + [len(candidate)]
    for end in reversed(ends):
        compact = "".join(char for char in candidate[:end] if char in keep)
        if len(compact) >= minimum and valid(compact):
            return end
    return 0


_DIGITS = "0123456789"
_ALNUM = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Masker:
    """Replaces personal data in a text; `mask` returns the new text and counts by entity kind."""

    def __init__(self, settings: MaskSettings = MaskSettings()) -> None:
        self.settings = settings
        self._extra = [(name.upper(), re.compile(pattern)) for name, pattern in settings.extra_patterns]

    def mask(self, text: str | None) -> tuple[str | None, dict[str, int]]:
        if not text:
            return text, {}
        counts: Counter[str] = Counter()
        text = _EMAIL.sub(lambda m: self._placeholder(EMAIL, counts), text)
        text = _IBAN.sub(lambda m: self._checked(m.group(), IBAN, iban_valid, _MIN_IBAN_CHARS, counts), text)
        text = _CARD.sub(lambda m: self._checked(m.group(), CARD, luhn_valid, _MIN_CARD_DIGITS, counts), text)
        for name, pattern in self._extra:
            text = pattern.sub(lambda m, name=name: self._placeholder(name, counts), text)
        if _MAYBE_PHONE.search(text):
            text = self._mask_phones(text, counts)
        return text, dict(counts)

    @staticmethod
    def _placeholder(kind: str, counts: Counter[str]) -> str:
        counts[kind] += 1
        return f"[{kind}]"

    def _checked(
        self, candidate: str, kind: str, valid: Callable[[str], bool], minimum: int, counts: Counter[str]
    ) -> str:
        keep = _ALNUM if kind == IBAN else _DIGITS
        end = _longest_valid_prefix(candidate.upper(), valid, minimum, keep)
        return self._placeholder(kind, counts) + candidate[end:] if end else candidate

    def _mask_phones(self, text: str, counts: Counter[str]) -> str:
        import phonenumbers

        for region in self.settings.phone_regions:
            spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, region)]
            for start, end in reversed(spans):
                text = text[:start] + self._placeholder(PHONE, counts) + text[end:]
        return text


def mask_text(text: str | None, settings: MaskSettings = MaskSettings()) -> tuple[str | None, dict[str, int]]:
    return Masker(settings).mask(text)
