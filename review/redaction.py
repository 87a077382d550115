"""Masking personal data in exported text: e-mail addresses, card numbers, phone numbers."""

import re
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 13 to 19 digits, optionally grouped by spaces or dashes; masked only if the Luhn check passes,
# so order numbers and amounts are left alone.
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
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
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_mask_card, text)
    return _PHONE.sub(_mask_phone, text)


def redact_value(value: Any) -> Any:
    """A JSON value with every string in it (keys included) redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {redact_text(key): redact_value(item) for key, item in value.items()}
    return value
