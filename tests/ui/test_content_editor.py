"""Reading a table back from the data editor's recorded changes, keeping each column's JSON type."""

import pytest

from ui.content_editor import edited_rows

LINES = [
    {"line": 1, "description": "Desk lamp", "quantity": 2, "unit_price": 19.5},
    {"line": 2, "description": "Cable ties", "quantity": 10, "unit_price": 3.0},
    {"line": 3, "description": "Toner", "quantity": 1, "unit_price": 80.25},
]


def test_no_changes_give_the_rows_back():
    assert edited_rows(LINES, None, "line_items") == LINES
    assert edited_rows(LINES, {"edited_rows": {}, "added_rows": [], "deleted_rows": []}, "x") == LINES


def test_edited_added_and_deleted_rows_are_applied_with_the_columns_types():
    changes = {
        # The editor hands back a float for an int column and keys rows by position.
        "edited_rows": {0: {"quantity": 3.0}, "2": {"description": "Toner 26X"}},
        "added_rows": [{"line": 4.0, "description": "Mouse", "quantity": 1, "unit_price": 12}],
        "deleted_rows": [1],
    }
    assert edited_rows(LINES, changes, "line_items") == [
        {"line": 1, "description": "Desk lamp", "quantity": 3, "unit_price": 19.5},
        {"line": 3, "description": "Toner 26X", "quantity": 1, "unit_price": 80.25},
        {"line": 4, "description": "Mouse", "quantity": 1, "unit_price": 12.0},
    ]


def test_a_cell_that_does_not_fit_its_column_is_named_by_row_and_column():
    with pytest.raises(ValueError, match=r"line_items row 2\.quantity"):
        edited_rows(LINES, {"edited_rows": {1: {"quantity": 2.5}}}, "line_items")
