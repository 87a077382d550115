"""The columnar export writes the same bytes as the row-by-row writer it replaced.

The reference (`tests/review/export_reference.py`) is the old writer over `export_rows` (ORM
objects, JSON decoded, a dict per row); the columnar path reads the database's text into Arrow.
"""

import io
import json
import math
import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from review.enums import Action, Queue, Role
from review.export import EXPORT_COLUMNS, export_rows
from review.export_columnar import EXPORT_SCHEMA, export_batches, may_hold_personal_data, redacted
from review.export_formats import ExportFormat, write_batches
from review.redaction import redact_text, redact_value
from storage.repositories.export_rows import ExportFilter
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_auto_record,
    make_record,
)
from tests.review.export_reference import batches_of_rows, reference_bytes, write_export

FORMATS = [ExportFormat.JSONL, ExportFormat.CSV, ExportFormat.PARQUET]
AWKWARD_TEXT = [
    "=1+1", " -2", "+49 30 1234567", "@SUM(A1)", "\t=1", "'=x", "＝1", "\u3000+1", "\u200b=1",
    'café, "quoted"\nnext line', "a\\b", "\r\n", "ctrl \x01 \x1f char", "emoji 😀", "plain", "",
    "mail anna.k@example.com now", "card 4111 1111 1111 1111", "call (555) 123-4567",
    "０２０ ７９４６ ０９５８", "line\u2028sep", "quote ' and \"",
]
# Ids and names must be visible text on one line.
AWKWARD_NAMES = ["=1+1", "+49 30 1234567", "@SUM(A1)", "＝1", 'café, "quoted"', "emoji 😀",
                 "anna.k@example.com", "-2"]
AWKWARD_JSON = [
    {"q": "Où?", "tiny": 1e-05, "tinier": -1.5e-07, "big": 1e16, "huge": 2.5e300,
     "int": 12345678901234567890, "zero": -0.0, "flags": [True, False, None], "empty": [{}, []]},
    {"anna@example.com": "key is an address", "nested": {"phone": 4930123456789, "n": 3}},
    {"text": "ctrl \x07 and \u00a0 nbsp, \"q\": x", "ratio": 0.30000000000000004},
    "=HYPERLINK(\"http://x\")",
    ["list", 1, 2.5, "-3"],
    -42,
]


def _exported(engine, file_format: ExportFormat, redact: bool, **filters) -> tuple[bytes, bytes]:
    """(columnar bytes, reference bytes) of one export of `engine`."""
    selected = ExportFilter(include_auto=True, **filters)
    stream = io.BytesIO()
    write_batches(export_batches(engine, OPERATOR, selected, redact=redact), file_format, stream)
    reference = reference_bytes(export_rows(engine, OPERATOR, selected, redact=redact),
                                file_format.value)
    return stream.getvalue(), reference


def _load_awkward_sample(engine) -> None:
    records = [
        make_record(input=value, output=AWKWARD_JSON[-1 - n], source=AWKWARD_NAMES[n],
                    external_id=f"{AWKWARD_NAMES[-1 - n]} {n}", task=AWKWARD_NAMES[n + 1],
                    confidence=[0.3, 1e-05, 0.0, 0.5][n % 4],
                    model_version=None if n % 3 else AWKWARD_NAMES[n + 2],
                    impact=None if n % 2 else "high")
        for n, value in enumerate(AWKWARD_JSON)
    ]
    without_input = make_record()
    del without_input["input"]
    ingest(engine, *records, without_input, make_auto_record(output={"x": "auto, @once"}))
    reviewer, senior = make_actor(Role.REVIEWER), make_actor(Role.SENIOR)
    whole_second = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    for n in range(len(records) + 1):
        held = claim(engine, reviewer)
        text = AWKWARD_TEXT[n % len(AWKWARD_TEXT)] or "blank"
        if n % 4 == 0:
            decide_held(engine, reviewer, held, Action.EDIT, output=AWKWARD_JSON[n % 6],
                        rationale=text)
        elif n % 4 == 1:
            decide_held(engine, reviewer, held, Action.REJECT, rationale=text, now=whole_second)
        elif n % 4 == 2:
            decide_held(engine, reviewer, held, Action.ESCALATE, rationale=text)
            decide_held(engine, senior, claim(engine, senior, Queue.ESCALATIONS), Action.APPROVE)
        else:
            decide_held(engine, reviewer, held)


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
@pytest.mark.parametrize("file_format", FORMATS)
def test_columnar_export_is_byte_equal_to_the_row_by_row_writer(engine, file_format, redact):
    _load_awkward_sample(engine)
    columnar, reference = _exported(engine, file_format, redact)
    assert len(reference) > 1000
    assert columnar == reference


def test_filters_and_cursor_select_the_same_rows_as_the_row_by_row_export(engine):
    _load_awkward_sample(engine)
    [(first_id, _), *_] = export_rows(engine, OPERATOR, ExportFilter(include_auto=True))
    for filters in ({"after": first_id}, {"task": AWKWARD_NAMES[1]},
                    {"decision": "rejected"}, {"route": "auto"}):
        columnar, reference = _exported(engine, ExportFormat.JSONL, False, **filters)
        assert columnar == reference and columnar, filters


def test_the_cursor_is_the_last_rows_position_in_commit_order(engine):
    _load_awkward_sample(engine)
    ids = [cursor for cursor, _ in export_rows(engine, OPERATOR, ExportFilter())]
    result, _ = write_batches(export_batches(engine, OPERATOR, ExportFilter()), ExportFormat.CSV,
                              io.BytesIO(), after=7)
    assert (result.rows, result.cursor) == (len(ids), ids[-1].encode())
    nothing, _ = write_batches(
        export_batches(engine, OPERATOR, ExportFilter(after=ids[-1])),
        ExportFormat.CSV, io.BytesIO(), after=ids[-1],
    )
    assert (nothing.rows, nothing.cursor) == (0, ids[-1].encode())


def _random_text(draw: random.Random) -> str:
    alphabet = "ab ,\"'\n\r\t\\=+-@＝\u3000\u00a0\u200b\x01\x1féü😀0123456789.:{}[]"
    return "".join(draw.choice(alphabet) for _ in range(draw.randint(0, 12)))


def _random_float(draw: random.Random) -> float | None:
    return draw.choice([None, math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, 100.0,
                        draw.random() * 10 ** draw.randint(-9, 20) * draw.choice([1, -1])])


def _random_row(draw: random.Random, number: int) -> dict[str, object]:
    row: dict[str, object] = {name: _random_text(draw) for name in EXPORT_COLUMNS}
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        seconds=draw.randint(0, 10**8), microseconds=draw.choice([0, draw.randint(0, 999_999)]))
    row.update(
        item_id=number, policy_version=draw.randint(1, 10**12), escalated=draw.random() < 0.5,
        confidence=_random_float(draw), review_seconds=_random_float(draw),
        input={_random_text(draw): [_random_text(draw), _random_float(draw)]},
        ai_output=draw.choice([None, _random_text(draw), draw.randint(-10**20, 10**20)]),
        final_output=_random_float(draw), decided_at=moment.isoformat(), received_at=None,
        model_version=draw.choice([None, _random_text(draw)]),
    )
    return row


@pytest.mark.parametrize("file_format", FORMATS)
def test_rows_become_the_same_bytes_whatever_the_batch_size(file_format):
    draw = random.Random(13)
    rows = [(number, _random_row(draw, number)) for number in range(1, 23_457)]
    reference = reference_bytes(rows, file_format.value)
    for size in (10_000, 3_333):
        stream = io.BytesIO()
        result, _ = write_batches(batches_of_rows(rows, size=size), file_format, stream)
        assert stream.getvalue() == reference, size
        assert (result.rows, result.cursor) == (len(rows), str(len(rows)))
    assert write_export(rows[:5], file_format, io.BytesIO())[0].rows == 5


def _phone_like(draw: random.Random) -> str:
    alphabet = "0123456789" * 4 + " .-/()+@\n\t\u00a0\u2003\u000b\"x٣０"
    return "".join(draw.choice(alphabet) for _ in range(draw.randint(0, 30)))


def test_vectorised_redaction_masks_exactly_what_the_row_by_row_rules_mask():
    draw = random.Random(7)
    texts = [_phone_like(draw) for _ in range(20_000)] + AWKWARD_TEXT + ['"2026-10-28"']
    numbers = [draw.choice([draw.randint(0, 10**draw.randint(1, 19)), draw.random() * 1e17])
               for _ in texts]
    documents = [json.dumps({"text": text, text: number, "due": "2026-10-28"}, ensure_ascii=False)
                 for text, number in zip(texts, numbers, strict=True)]
    columns = {name: pa.nulls(len(texts), type=EXPORT_SCHEMA.field(name).type)
               for name in EXPORT_COLUMNS}
    columns.update(rationale=pa.array(texts), input=pa.array(documents))
    masked = redacted(columns)
    assert masked["rationale"].to_pylist() == [redact_text(text) for text in texts]
    assert masked["input"].to_pylist() == [
        json.dumps(redact_value(json.loads(document)), ensure_ascii=False) for document in documents
    ]
    # The search must not be everything: most of these cells need no work in Python.
    assert 0 < pc.sum(may_hold_personal_data(pa.array(texts))).as_py() < len(texts)
