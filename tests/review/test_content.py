"""Showing and editing JSON by its shape: shapes, field text, table cells, field changes, word diffs."""

import re

import numpy
import pandas
import pytest

from review.content import (
    FieldChange,
    Shape,
    coerce_cell,
    field_changes,
    is_scalar,
    parse_json_text,
    pretty_json,
    scalar_from_text,
    scalar_to_text,
    shape_of,
    table_columns,
    word_diff,
)

EMAIL = "Hi Maria,\n\nThanks for writing. Your refund is on its way.\n\nBest,\nSam"
INVOICE = {
    "invoice_number": "INV-1",
    "total": 12.5,
    "line_items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 2}],
}


# --- shapes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        (EMAIL, Shape.TEXT),
        ("", Shape.TEXT),
        ({"reply": "Hi"}, Shape.FIELDS),
        (INVOICE, Shape.FIELDS),
        ({"note": None, "paid": False, "count": 3}, Shape.FIELDS),
        ([{"a": 1}], Shape.TABLE),
        ([{"sku": "A", "qty": 2}, {"sku": "B", "note": None}], Shape.TABLE),
        ([1, 2], Shape.JSON),
        ({"a": {"b": 1}}, Shape.JSON),
        ({}, Shape.JSON),
        ([], Shape.JSON),
        (3, Shape.JSON),
        (1.5, Shape.JSON),
        (True, Shape.JSON),
        (None, Shape.JSON),
        ([{"a": {"b": 1}}], Shape.JSON),
        ([{"a": [1]}], Shape.JSON),
        ([{}], Shape.JSON),
        ([{"a": 1}, 2], Shape.JSON),
        ({"tags": ["x", "y"]}, Shape.JSON),
        ({"line_items": []}, Shape.JSON),
        ({"line_items": [{"a": {"b": 1}}]}, Shape.JSON),
    ],
)
def test_shape_of(value: object, shape: Shape) -> None:
    assert shape_of(value) is shape


def test_is_scalar_accepts_exactly_the_json_scalars() -> None:
    assert all(is_scalar(value) for value in ["", "x", 0, -3, 1.5, True, False, None])
    assert not any(is_scalar(value) for value in [[], {}, [1], {"a": 1}, (1,), b"x"])


def test_table_columns_are_the_union_of_keys_in_first_seen_order() -> None:
    rows = [{"sku": "A", "qty": 1}, {"qty": 2, "note": "rush"}, {"price": 3.5, "sku": "C"}]
    assert table_columns(rows) == ["sku", "qty", "note", "price"]


# --- JSON text ----------------------------------------------------------------------------------


def test_pretty_json_indents_and_keeps_accents_readable() -> None:
    assert pretty_json({"name": "Zoë", "n": [1]}) == '{\n  "name": "Zoë",\n  "n": [\n    1\n  ]\n}'


def test_parse_json_text_reads_what_pretty_json_wrote() -> None:
    assert parse_json_text(pretty_json(INVOICE)) == INVOICE


def test_a_json_mistake_names_its_line_and_column() -> None:
    text = '{\n  "a": 1,\n  "b": 2\n  "c": 3\n}'
    with pytest.raises(ValueError, match=r"^not valid JSON: Expecting ',' delimiter at line 4, column 3$"):
        parse_json_text(text)


def test_empty_json_text_is_refused_at_its_start() -> None:
    with pytest.raises(ValueError, match=r"^not valid JSON: Expecting value at line 1, column 1$"):
        parse_json_text("")


def test_deeply_nested_json_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"^not valid JSON: nested too deeply$"):
        parse_json_text("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("text", ["NaN", "[1, Infinity]", '{"x": -Infinity}', "1e999"])
def test_numbers_json_cannot_carry_are_refused(text: str) -> None:
    # Python's json would accept these, and the stored value would then break other JSON readers.
    with pytest.raises(ValueError, match=r"^not valid JSON: "):
        parse_json_text(text)


# --- one-line fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Hi", "Hi"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (12.5, "12.5"),
        (3.0, "3.0"),
        (1e20, "1e+20"),
    ],
)
def test_scalar_to_text(value: object, text: str) -> None:
    assert scalar_to_text(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["  padded  ", "", 0, -7, 12, 0.1, 3.0, -2.5e-7, 1e20, True, False, None])
def test_a_scalar_shown_and_read_back_unchanged_keeps_value_and_type(value: object) -> None:
    back = scalar_from_text(value, scalar_to_text(value), "f")  # type: ignore[arg-type]
    assert back == value
    assert type(back) is type(value)


def test_text_fields_keep_the_reviewers_text_exactly() -> None:
    assert scalar_from_text("old", "  new reply\n", "reply") == "  new reply\n"


def test_whole_numbers_are_read_after_trimming_spaces() -> None:
    assert scalar_from_text(2, " 12 ", "qty") == 12
    assert scalar_from_text(2, "-3", "qty") == -3


@pytest.mark.parametrize("text", ["12.0", "1,200", "1_000", "", "two", "1e3", "١٢"])
def test_anything_but_a_plain_whole_number_is_refused_for_an_int_field(text: str) -> None:
    with pytest.raises(ValueError, match=rf"^line_items\[0\]\.qty: expected a whole number, got '{text}'$"):
        scalar_from_text(2, text, "line_items[0].qty")


def test_number_fields_take_ints_and_decimals_as_floats() -> None:
    assert scalar_from_text(12.5, "13", "total") == 13.0
    assert type(scalar_from_text(12.5, "13", "total")) is float
    assert scalar_from_text(12.5, " 13.75 ", "total") == 13.75


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "1e999", "12,5", "", "abc"])
def test_non_finite_or_malformed_numbers_are_refused_for_a_float_field(text: str) -> None:
    with pytest.raises(ValueError, match=r"^total: expected a number, got '"):
        scalar_from_text(12.5, text, "total")


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), (" YES ", True), ("False", False), ("no", False)]
)
def test_yes_no_fields_read_true_false_yes_no_in_any_case(text: str, value: bool) -> None:
    assert scalar_from_text(False, text, "paid") is value


def test_a_yes_no_field_refuses_other_words() -> None:
    with pytest.raises(ValueError, match=r"^paid: expected true or false, got '1'$"):
        scalar_from_text(True, "1", "paid")


def test_a_null_field_stays_null_when_left_empty_and_becomes_text_otherwise() -> None:
    assert scalar_from_text(None, "   ", "note") is None
    assert scalar_from_text(None, "call back", "note") == "call back"


def test_a_long_bad_value_is_cut_short_in_the_message() -> None:
    with pytest.raises(ValueError) as error:
        scalar_from_text(1, "x" * 500, "qty")
    assert len(str(error.value)) < 80


# --- table cells --------------------------------------------------------------------------------

INTS = [2, 1, None]
FLOATS = [2.5, 1.25]
NUMBERS = [10, 12.5]  # ints and floats mixed, as a JavaScript producer writes amounts


def test_numpy_scalars_become_python_scalars() -> None:
    cell = coerce_cell(INTS, numpy.int64(4), "qty")
    assert cell == 4 and type(cell) is int
    cell = coerce_cell(FLOATS, numpy.float64(2.75), "price")
    assert cell == 2.75 and type(cell) is float
    assert coerce_cell([True], numpy.bool_(False), "paid") is False


@pytest.mark.parametrize("empty", [None, float("nan"), numpy.float64("nan"), pandas.NA, pandas.NaT])
def test_empty_cells_become_null(empty: object) -> None:
    assert coerce_cell(INTS, empty, "qty") is None


def test_a_whole_float_in_an_int_column_becomes_an_int() -> None:
    # Pandas turns an int column holding a null into float64, so the editor hands back 3.0.
    cell = coerce_cell(INTS, 3.0, "qty")
    assert cell == 3 and type(cell) is int


def test_a_fraction_in_an_int_column_is_refused_naming_the_cell() -> None:
    with pytest.raises(ValueError, match=r"^line_items\[1\]\.qty: expected a whole number, got '1.5'$"):
        coerce_cell(INTS, 1.5, "line_items[1].qty")


def test_an_int_in_a_float_column_becomes_a_float() -> None:
    cell = coerce_cell(FLOATS, 3, "price")
    assert cell == 3.0 and type(cell) is float


def test_a_mixed_number_column_gives_whole_values_back_as_ints() -> None:
    assert type(coerce_cell(NUMBERS, 11.0, "amount")) is int
    assert coerce_cell(NUMBERS, 11.5, "amount") == 11.5


def test_strings_stay_strings_in_a_text_column() -> None:
    assert coerce_cell(["A", "B"], "  C ", "sku") == "  C "
    assert coerce_cell(["A", "B"], numpy.int64(7), "sku") == "7"


def test_text_typed_into_a_typed_column_is_read_as_that_type() -> None:
    assert coerce_cell(INTS, " 7 ", "qty") == 7
    assert coerce_cell(FLOATS, "2", "price") == 2.0
    assert coerce_cell([True], "yes", "paid") is True
    assert coerce_cell(INTS, "  ", "qty") is None


def test_text_that_is_not_the_columns_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^qty: expected a whole number, got 'n/a'$"):
        coerce_cell(INTS, "n/a", "qty")


def test_a_number_in_a_yes_no_column_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^paid: expected true or false, got '1'$"):
        coerce_cell([True, False], 1, "paid")


def test_a_column_without_one_type_keeps_the_value_as_given() -> None:
    assert coerce_cell([None, None], 2.0, "x") == 2.0
    assert coerce_cell([1, "a"], "b", "x") == "b"


@pytest.mark.parametrize("bad", [float("inf"), [1, 2], {"a": 1}, pandas.Timestamp("2024-01-01")])
def test_values_json_cannot_hold_as_a_cell_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^total: expected a "):
        coerce_cell(FLOATS, bad, "total")


# --- field changes ------------------------------------------------------------------------------


def test_an_edited_invoice_lists_exactly_the_changed_fields() -> None:
    after = {
        "invoice_number": "INV-1",
        "total": 20.0,
        "line_items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 3}, {"sku": "C", "qty": 1}],
    }
    assert field_changes(INVOICE, after) == [
        FieldChange("total", "12.5", "20.0"),
        FieldChange("line_items[1].qty", "2", "3"),
        FieldChange("line_items[2]", "", '{"sku": "C", "qty": 1}'),
    ]


def test_identical_values_have_no_changes() -> None:
    assert field_changes(INVOICE, parse_json_text(pretty_json(INVOICE))) == []


def test_removed_and_added_keys_follow_the_befores_order_then_new_keys() -> None:
    before = {"a": 1, "b": None, "c": "x"}
    after = {"d": True, "c": "y", "a": 1}
    assert field_changes(before, after) == [
        FieldChange("b", "", ""),
        FieldChange("c", "x", "y"),
        FieldChange("d", "", "true"),
    ]


def test_a_removed_row_shows_its_old_content() -> None:
    assert field_changes({"rows": [{"a": 1}, {"a": 2}]}, {"rows": [{"a": 1}]}) == [
        FieldChange("rows[1]", '{"a": 2}', ""),
    ]


def test_whole_value_changes_use_an_empty_path() -> None:
    assert field_changes("Hi", "Hello") == [FieldChange("", "Hi", "Hello")]
    assert field_changes([1, 2], [1, 5]) == [FieldChange("[1]", "2", "5")]


def test_a_change_of_type_is_a_change_even_when_python_calls_them_equal() -> None:
    assert field_changes({"qty": 1}, {"qty": 1.0}) == [FieldChange("qty", "1", "1.0")]
    assert field_changes({"paid": 1}, {"paid": True}) == [FieldChange("paid", "1", "true")]
    assert field_changes({"meta": {"a": 1}}, {"meta": "none"}) == [FieldChange("meta", '{"a": 1}', "none")]


# --- word diff ----------------------------------------------------------------------------------


def _sides(diff: str) -> tuple[str, str]:
    """The before and after texts a word diff describes."""
    before = re.sub(r"\[-(.*?)-\]", r"\1", re.sub(r"\{\+.*?\+\}", "", diff, flags=re.S), flags=re.S)
    after = re.sub(r"\{\+(.*?)\+\}", r"\1", re.sub(r"\[-.*?-\]", "", diff, flags=re.S), flags=re.S)
    return before, after


def test_a_changed_word_in_an_email() -> None:
    diff = word_diff("Hi Maria,\n\nThanks for writing.", "Hi Maria,\n\nThank you for writing.")
    assert diff == "Hi Maria,\n\n[-Thanks-]{+Thank you+} for writing."


def test_unchanged_text_comes_back_as_is() -> None:
    assert word_diff(EMAIL, EMAIL) == EMAIL


def test_spaces_between_replaced_words_join_one_run_instead_of_many_markers() -> None:
    assert word_diff("the quick brown fox", "a slow red fox") == "[-the quick brown-]{+a slow red+} fox"


def test_each_line_keeps_its_own_changes() -> None:
    diff = word_diff("x y\n\np q\nsame", "a b\n\nc d\nsame")
    assert diff == "[-x y-]{+a b+}\n\n[-p q-]{+c d+}\nsame"


def test_removed_and_added_words_line_up_with_the_words_kept() -> None:
    assert word_diff("one two three", "one three four") == "one [-two -]three{+ four+}"


def test_empty_sides() -> None:
    assert word_diff("", "Hello") == "{+Hello+}"
    assert word_diff("Hello", "") == "[-Hello-]"
    assert word_diff("", "") == ""


def test_a_whitespace_only_change_is_shown() -> None:
    assert word_diff("Hi  Maria", "Hi Maria") == "Hi[-  -]{+ +}Maria"


def test_the_diff_holds_both_texts_exactly() -> None:
    after = "Hi Maria,\n\nThank you for your note. Your refund was sent today.\n\nKind regards,\nSam"
    assert _sides(word_diff(EMAIL, after)) == (EMAIL, after)


def test_a_message_ending_in_at_says_at_once() -> None:
    with pytest.raises(ValueError, match=r"^not valid JSON: Unterminated string starting at line 1, col"):
        parse_json_text('{"a": "open')


def test_a_number_of_more_than_4300_digits_is_refused_in_our_own_words() -> None:
    with pytest.raises(ValueError, match=r"^not valid JSON: a number with more than 4300 digits$"):
        parse_json_text('{"n": ' + "9" * 4301 + "}")
    assert parse_json_text("9" * 4300) == int("9" * 4300)
