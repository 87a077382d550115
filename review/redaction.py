"""Masking personal data in exported values: e-mail addresses, card numbers, phone numbers.

Each finding in text becomes `[email]`, `[card]` or `[phone]`. A JSON number that is a card or
phone number becomes the same placeholder as a JSON string, so the value stays valid JSON (that
field turns from a number into a string); every other number is kept as it is.
"""

import re
from typing import Any

# What ends an address in running text: white space, the at signs, RFC 5322's specials and the
# punctuation blocks (general, CJK, full-width), so that `Kontakt: user@bücher.de, danke` masks
# the address alone. Anything else may be part of one: an address can be in any script.
_BREAK = (r"\s@\ufe6b\"(),:;<>\[\]\\"
          r"\u2000-\u206f\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65")
# The local part is a whole run of such characters, after any opening quotes (kept), or is
# quoted: `"john doe"@example.com`. Starting only where a run starts, and never giving back what
# was taken, keeps the search linear on long runs without an at sign.
_LOCAL = rf'(?:"(?:[^"\\\r\n]|\\.)*"|(?<![^{_BREAK}])(?P<opening>[\'`]*+)[^{_BREAK}]++)'
_AT = "[@\uff20\ufe6b]"
# IDNA reads the ideographic and full-width full stops as dots too.
_DOT = "[.\u3002\uff0e\uff61]"
_LABEL = rf"[^{_BREAK}!-,./:-@\[-`{{-~]+"
_TOP_LEVEL = rf"(?:[Xx][Nn]--[A-Za-z0-9-]+|[^{_BREAK}!-@\[-`{{-~\d]{{2,}})"
_EMAIL = re.compile(rf"{_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TOP_LEVEL}")
# 13 to 19 digits, optionally grouped by spaces, dashes, dots or slashes; masked only if the Luhn
# check passes, so order numbers and amounts are left alone. A dot or slash before or after the
# digits must not join more digits, or the match would be part of a longer number.
_CARD = re.compile(r"(?<![\d-])(?<!\d[./])\d(?:[ ./-]?\d){12,18}(?![\d-])(?![./]\d)")
# An international number (+ and 8 to 15 digits), or a national one written in groups
# ("(555) 123-4567", "020 7946 0958"). Plain digit runs are left alone: they are far more
# often order numbers or amounts than phone numbers.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d(?:[\s().-]{0,2}\d){7,14}"
    r"|\(?\d{2,5}\)?(?:[\s.-]\d{2,5}){2,4})(?![\w-])"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[card]" if _passes_luhn(digits) else match.group()


def _mask_phone(match: re.Match[str]) -> str:
    found = match.group()
    digits = re.sub(r"\D", "", found)
    if _ISO_DATE.fullmatch(found) or not 8 <= len(digits) <= 15:
        return found
    return "[phone]"


def redact_text(text: str) -> str:
    """`text` with e-mail addresses, card numbers and phone numbers masked."""
    text = _EMAIL.sub(lambda match: (match.group("opening") or "") + "[email]", text)
    text = _CARD.sub(_mask_card, text)
    return _PHONE.sub(_mask_phone, text)


def _redact_number(number: int | float) -> int | float | str:
    # A number has no `+` or grouping to tell a phone number from an id, so only the lengths
    # that hold a country code count: 11 to 15 digits (E.164), and one starting with 1 only with
    # exactly 11 (North America), which keeps ids below 2**31 and millisecond timestamps. Cards
    # are issued under 2 to 6 (Mastercard, Amex, Visa, Discover, ...); a timestamp starts with 1.
    if isinstance(number, float) and not number.is_integer():
        return number
    digits = str(abs(int(number)))
    if 13 <= len(digits) <= 19 and digits[0] in "23456" and _passes_luhn(digits):
        return "[card]"
    if 11 <= len(digits) <= 15 and (digits[0] != "1" or len(digits) == 11):
        return "[phone]"
    return number


def redact_value(value: Any) -> Any:
    """A JSON value with every string (keys included) and card or phone number in it redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _redact_number(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {redact_text(key): redact_value(item) for key, item in value.items()}
    return value
