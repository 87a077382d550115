"""CSV cells that a spreadsheet could run as a formula, also after leading blanks, become text."""

import csv
import io
import json

import pytest

from review.export import EXPORT_COLUMNS
from review.export_formats import ExportFormat, neutralise_formula
from tests.review.export_reference import write_export

HOSTILE = [
    ("=1+1", "'=1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    (" =1+1", "' =1+1"),
    ("   -2+3", "'   -2+3"),
    ("\u00a0=1+1", "'\u00a0=1+1"),
    ("\u3000=1+1", "'\u3000=1+1"),
    ("\u2003+1+1", "'\u2003+1+1"),
    ("\u200b=1+1", "'\u200b=1+1"),
    ("＝1+1", "'＝1+1"),
    ("\u3000＋1＋1", "'\u3000＋1＋1"),
    ("\u00a0＠SUM(A1)", "'\u00a0＠SUM(A1)"),
    # A cell that already starts with `'` before a formula gets one more, so a reader can always
    # drop exactly one `'` from a neutralised cell and have the original back.
    ("'=1+1", "''=1+1"),
    ("' =1+1", "'' =1+1"),
]
INNOCENT = ["1+1", " hello", "\u00a0café", "\u3000こんにちは", "a=b", "", "   ", "'quoted'", "e-mail",
            "x＝1"]


@pytest.mark.parametrize("cell, expected", HOSTILE)
def test_a_cell_whose_first_non_blank_character_starts_a_formula_is_neutralised(cell, expected):
    assert neutralise_formula(cell) == expected


@pytest.mark.parametrize("cell", INNOCENT)
def test_other_cells_are_unchanged(cell):
    assert neutralise_formula(cell) == cell


def _row(rationale: str, output: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(EXPORT_COLUMNS)
    row.update(item_id=1, rationale=rationale, final_output=output, confidence=-0.5)
    return row


def test_csv_holds_neutralised_cells_and_json_lines_the_originals():
    cells = [cell for cell, _ in HOSTILE] + INNOCENT
    rows = [(number, _row(cell, {"note": cell})) for number, cell in enumerate(cells, start=1)]
    csv_file, jsonl_file = io.BytesIO(), io.BytesIO()
    write_export(rows, ExportFormat.CSV, csv_file)
    write_export(rows, ExportFormat.JSONL, jsonl_file)
    read = list(csv.DictReader(io.StringIO(csv_file.getvalue().decode(), newline="")))
    expected = [neutralised for _, neutralised in HOSTILE] + INNOCENT
    assert [row["rationale"] for row in read] == expected
    # JSON cells start with `{`; numbers are numbers, not text.
    assert [json.loads(row["final_output"])["note"] for row in read] == cells
    assert {row["confidence"] for row in read} == {"-0.5"}
    lines = [json.loads(line) for line in jsonl_file.getvalue().decode().splitlines()]
    assert [line["rationale"] for line in lines] == cells
    # Dropping one `'` from a cell that differs restores the original exactly.
    restored = [cell[1:] if neutralise_formula(cell[1:]) == cell else cell for cell in expected]
    assert restored == cells
