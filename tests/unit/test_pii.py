import pytest

from udfs.pii import MaskSettings, iban_valid, luhn_valid, mask_text


@pytest.mark.parametrize(
    ("text", "masked", "counts"),
    [
        ("card 4111 1111 1111 1111 thanks", "card [CARD] thanks", {"CARD": 1}),
        ("it's 5500-0000-0000-0004.", "it's [CARD].", {"CARD": 1}),
        ("amex 378282246310005", "amex [CARD]", {"CARD": 1}),
        ("4111 1111 1111 1111 12 25 is the expiry", "[CARD] 12 25 is the expiry", {"CARD": 1}),
        ("iban GB82 WEST 1234 5698 7654 32 ok", "iban [IBAN] ok", {"IBAN": 1}),
        ("DE89370400440532013000", "[IBAN]", {"IBAN": 1}),
        ("de89 3704 0044 0532 0130 00 Is it right", "[IBAN] Is it right", {"IBAN": 1}),
        # the whole run passes mod 97 by chance, but a GB IBAN has 22 characters
        ("GB82 WEST 1234 5698 7654 32 is noted", "[IBAN] is noted", {"IBAN": 1}),
        ("mail jane.doe+x@example.co.uk now", "mail [EMAIL] now", {"EMAIL": 1}),
        ("call (415) 555-0132 or +44 20 7946 0958", "call [PHONE] or [PHONE]", {"PHONE": 2}),
        ("my mobile is 07911 123456", "my mobile is [PHONE]", {"PHONE": 1}),
        ("a@b.io and 4111111111111111", "[EMAIL] and [CARD]", {"EMAIL": 1, "CARD": 1}),
    ],
)
def test_each_kind_is_masked_and_counted(text, masked, counts):
    assert mask_text(text) == (masked, counts)


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 fails the Luhn check",
        "the 16 digits 1234567812345678 are an order number",
        "on 2024-03-15 or 15/03/2024 at 10:30",
        "iban GB83 WEST 1234 5698 7654 32 has a wrong check",
        "order 12345678 and ticket 555-01",
        "a table for 2 at 7 pm, party of 12",
        "",
    ],
)
def test_near_misses_are_left_alone(text):
    assert mask_text(text) == (text, {})


def test_null_text_stays_null():
    assert mask_text(None) == (None, {})


def test_extra_patterns_get_their_own_placeholder():
    settings = MaskSettings(extra_patterns=(("booking_ref", r"\bBK-\d{6}\b"),))
    assert mask_text("ref BK-123456 please", settings) == ("ref [BOOKING_REF] please", {"BOOKING_REF": 1})


def test_checks():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("GB82WEST12345698765432") and not iban_valid("GB82WEST12345698765433")
