"""`--redact`: card and phone numbers as JSON numbers or with dots and slashes, and e-mail addresses
in any script are masked whole; ordinary numbers and text are left as they are."""

import io
import json

import pytest

from review.enums import Role
from review.export import export_rows
from review.export_formats import ExportFormat
from review.redaction import redact_text, redact_value
from storage.repositories.export_rows import ExportFilter
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_record
from tests.review.export_reference import write_export

# 1767225600009 is 2026-01-01 in milliseconds and passes the Luhn check: a timestamp, not a card.
ORDINARY_NUMBERS = {"total": 129.5, "quantity": 3, "year": 2026, "id": 12345, "ratio": 0.25,
                    "customer": 2147483647, "created_ms": 1767225600009, "refund": -40,
                    "paid": True, "coupon": None}


def test_card_and_phone_numbers_stored_as_json_numbers_become_placeholders():
    value = {"card": 4111111111111111, "phone": 14155550123,
             "payments": [{"card": 5500005555555559, "amex": 378282246310005}],
             "phone_from_a_spreadsheet": 14155550123.0, "uk_phone": 442079460958}
    assert redact_value(value) == {"card": "[card]", "phone": "[phone]",
                                   "payments": [{"card": "[card]", "amex": "[card]"}],
                                   "phone_from_a_spreadsheet": "[phone]", "uk_phone": "[phone]"}


def test_ordinary_json_numbers_are_kept_with_their_type():
    assert json.dumps(redact_value(ORDINARY_NUMBERS)) == json.dumps(ORDINARY_NUMBERS)
    assert redact_value(14155550123) == "[phone]" and redact_value(2026) == 2026


@pytest.mark.parametrize("text, expected", [
    ("Card 4111.1111.1111.1111, thanks.", "Card [card], thanks."),
    ("Card 4111/1111/1111/1111", "Card [card]"),
    ("Card 4111 1111 1111 1111 or 4111-1111-1111-1111", "Card [card] or [card]"),
])
def test_card_numbers_with_any_separator_are_masked(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "Total 129.50 on 2026/04/12, 3 items, order 12345, version 1.2.3.",
    "Not a card: 4111.1111.1111.1112",
    "Pi is 3.1415926535897932384",
])
def test_numbers_in_text_that_are_no_card_are_kept(text):
    assert redact_text(text) == text


@pytest.mark.parametrize("text, expected", [
    ("user@bücher.de", "[email]"),
    ("用户@例子.中国", "[email]"),
    ("用户@例子。中国", "[email]"),
    ("john＠example.com", "[email]"),
    ('"john doe"@example.com', "[email]"),
    ("josé.garcía@example.com", "[email]"),
    ("Write to josé.garcía@example.com today.", "Write to [email] today."),
    ("Kontakt: user@bücher.de, danke", "Kontakt: [email], danke"),
    ('Reply to "john doe"@example.com or <ann@example.com>.', "Reply to [email] or <[email]>."),
    ("Mail john＠example.com (work)", "Mail [email] (work)"),
])
def test_e_mail_addresses_in_any_script_are_masked_whole(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "@alice said the café costs 3 @ 4 EUR", "root@localhost", "a@b", "Größe: 42, Ort: Zürich",
    'She said "hi" @ noon',
])
def test_text_without_an_address_is_kept(text):
    assert redact_text(text) == text


def test_a_redacted_export_masks_them_in_the_file_and_keeps_the_rest(engine):
    record = make_record(
        input={"customer": {"email": "josé.garcía@example.com", "phone": 14155550123,
                            "card": 4111111111111111}, **ORDINARY_NUMBERS},
        output={"note": "Mail 用户@例子.中国 or john＠example.com, card 4111/1111/1111/1111"},
    )
    ingest(engine, record)
    reviewer = make_actor(Role.REVIEWER)
    decide_held(engine, reviewer, claim(engine, reviewer))
    stream = io.BytesIO()
    write_export(export_rows(engine, OPERATOR, ExportFilter(), redact=True), ExportFormat.JSONL, stream)
    [line] = stream.getvalue().decode().splitlines()
    row = json.loads(line)
    assert row["input"] == {"customer": {"email": "[email]", "phone": "[phone]", "card": "[card]"},
                            **ORDINARY_NUMBERS}
    assert row["ai_output"] == {"note": "Mail [email] or [email], card [card]"}
    assert (row["external_id"], row["confidence"]) == (record["external_id"], 0.3)
    assert isinstance(row["item_id"], int) and isinstance(row["policy_version"], int)
