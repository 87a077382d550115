"""JSON values as the reviewer sees them: their shape, their text, and what an edit changed."""

import difflib
import json
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy
import pandas

from review.record_files import MAX_INTEGER_DIGITS


class Shape(StrEnum):
    """How a JSON value is shown and edited on the review screen."""

    TEXT = "text"
    TABLE = "table"
    FIELDS = "fields"
    JSON = "json"


Scalar = str | int | float | bool | None

_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}
# Plain decimal numbers only: int() and float() also take "1_000", "nan", "inf" and non-ASCII digits.
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_TOKEN = re.compile(r"\s+|[^\s]+")
# A value of each typed column kind, to read text back as that kind with scalar_from_text.
_PROTOTYPES: dict[str, Scalar] = {"bool": True, "int": 0, "float": 0.0, "number": 0.0}


def is_scalar(value: Any) -> bool:
    """Whether a value is a JSON scalar: str, int, float, bool or None."""
    return value is None or isinstance(value, str | int | float | bool)


def _is_table(value: Any) -> bool:
    """A non-empty list of non-empty dicts with text keys and scalar values."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(row, dict) and row and all(isinstance(k, str) and is_scalar(v) for k, v in row.items())
            for row in value
        )
    )


def shape_of(value: Any) -> Shape:
    """The shape a value is shown in; anything without a friendlier form is JSON."""
    if isinstance(value, str):
        return Shape.TEXT
    if _is_table(value):
        return Shape.TABLE
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and (is_scalar(v) or _is_table(v)) for k, v in value.items())
    ):
        return Shape.FIELDS
    return Shape.JSON


def table_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The union of the rows' keys, in the order they are first seen."""
    return list(dict.fromkeys(key for row in rows for key in row))


def pretty_json(value: Any) -> str:
    """A value as indented JSON, non-ASCII text kept readable."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def _refuse_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's json accepts but JSON (and PostgreSQL) do not."""
    raise ValueError(f"not valid JSON: {name} is not a JSON number")


def _finite_float(text: str) -> float:
    """A float that fits a double; "1e999" would otherwise silently become infinity."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not valid JSON: {text} is too large a number")
    return number


def _readable_int(text: str) -> int:
    # int() refuses more than 4300 digits with a message naming a Python setting.
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"not valid JSON: a number with more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def parse_json_text(text: str) -> Any:
    """Parse the reviewer's JSON text, with an error naming the line and column of the mistake."""
    try:
        return json.loads(
            text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_readable_int
        )
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        # Some of json's messages end in "at" ("Unterminated string starting at").
        raise ValueError(f"not valid JSON: {error.msg.removesuffix(' at')} at {where}") from None
    except RecursionError:
        raise ValueError("not valid JSON: nested too deeply") from None
    except ValueError as error:
        # Our own refusals already say so; others (an int of more than 4300 digits) do not.
        message = str(error)
        if not message.startswith("not valid JSON"):
            message = f"not valid JSON: {message}"
        raise ValueError(message) from None


def scalar_to_text(value: Scalar) -> str:
    """A scalar as it is shown in a one-line field."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _quoted(text: str) -> str:
    """The reviewer's text in an error message, cut short so the message stays one line."""
    return f"'{text}'" if len(text) <= 40 else f"'{text[:39]}…'"


def scalar_from_text(original: Scalar, text: str, name: str) -> Scalar:
    """Read back a field the reviewer edited as text, keeping the original's JSON type."""
    if isinstance(original, str):
        return text
    stripped = text.strip()
    if original is None:
        return None if not stripped else text
    if isinstance(original, bool):  # before int: bool is an int subclass
        if stripped.lower() in _TRUE | _FALSE:
            return stripped.lower() in _TRUE
        raise ValueError(f"{name}: expected true or false, got {_quoted(text)}")
    if isinstance(original, int):
        if _INT_TEXT.fullmatch(stripped):
            return int(stripped)
        raise ValueError(f"{name}: expected a whole number, got {_quoted(text)}")
    if _FLOAT_TEXT.fullmatch(stripped) and math.isfinite(number := float(stripped)):
        return number
    raise ValueError(f"{name}: expected a number, got {_quoted(text)}")


def _column_kind(values: list[Any]) -> str | None:
    """The one JSON type a column's non-null values share ("number" for ints mixed with floats)."""
    present = [value for value in values if value is not None]
    if not present:
        return None
    if all(isinstance(value, bool) for value in present):
        return "bool"
    if any(isinstance(value, bool) for value in present):
        return None
    if all(isinstance(value, int) for value in present):
        return "int"
    if all(isinstance(value, float) for value in present):
        return "float"
    if all(isinstance(value, int | float) for value in present):
        return "number"
    return "str" if all(isinstance(value, str) for value in present) else None


def _is_missing(value: Any) -> bool:
    """Whether a cell is empty: None, NaN, pandas.NA or NaT."""
    # pandas.isna on a list answers element-wise; a list in a cell is not missing, just not a scalar.
    return value is None or (bool(pandas.api.types.is_scalar(value)) and bool(pandas.isna(value)))


def _as_number(value: Scalar, kind: str, name: str) -> Scalar:
    """A number for a numeric column; floats become ints where the column's originals were ints."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        expected = "a whole number" if kind == "int" else "a number"
        raise ValueError(f"{name}: expected {expected}, got {_quoted(scalar_to_text(value))}")
    if kind == "float":
        return float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "int" and isinstance(value, float):
        raise ValueError(f"{name}: expected a whole number, got {_quoted(scalar_to_text(value))}")
    return value


def coerce_cell(original_column_values: list[Any], value: Any, name: str) -> Scalar:
    """A cell from an edited table as a JSON scalar of its column's original type."""
    if _is_missing(value):
        return None
    if isinstance(value, numpy.number | numpy.bool_ | numpy.str_):
        value = value.item()
    if not is_scalar(value):
        raise ValueError(f"{name}: expected a plain value, got {_quoted(str(value))}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {_quoted(str(value))}")
    kind = _column_kind(original_column_values)
    if kind is None:
        return value
    if kind == "str":
        return scalar_to_text(value)
    if isinstance(value, str):
        # The editor may hand back text for a typed column; an emptied cell means no value.
        if not value.strip():
            return None
        value = scalar_from_text(_PROTOTYPES[kind], value, name)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(f"{name}: expected true or false, got {_quoted(scalar_to_text(value))}")
    return _as_number(value, kind, name)


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two values, as display text ("" when absent)."""

    field: str
    before: str
    after: str


def _display(value: Any) -> str:
    """A value as one line of text: scalars as in a field, anything else as single-line JSON."""
    return scalar_to_text(value) if is_scalar(value) else json.dumps(value, ensure_ascii=False)


def _join(path: str, key: str) -> str:
    """The path of a dict key below `path`."""
    return f"{path}.{key}" if path else key


def field_changes(before: Any, after: Any) -> list[FieldChange]:
    """Per-field differences between two JSON values; unchanged fields are left out."""
    changes: list[FieldChange] = []
    _collect_changes("", before, after, changes)
    return changes


def _collect_changes(path: str, before: Any, after: Any, changes: list[FieldChange]) -> None:
    """Append the differences below `path`, recursing into dicts and lists of the same type."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before:
            if key in after:
                _collect_changes(_join(path, str(key)), before[key], after[key], changes)
            else:
                changes.append(FieldChange(_join(path, str(key)), _display(before[key]), ""))
        added = (key for key in after if key not in before)
        changes.extend(FieldChange(_join(path, str(key)), "", _display(after[key])) for key in added)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            item = f"{path}[{index}]"
            if index >= len(after):
                changes.append(FieldChange(item, _display(before[index]), ""))
            elif index >= len(before):
                changes.append(FieldChange(item, "", _display(after[index])))
            else:
                _collect_changes(item, before[index], after[index], changes)
    # Compare types too: 1 == 1.0 == True in Python, but the reviewer sees "1", "1.0" and "true".
    elif type(before) is not type(after) or before != after:
        changes.append(FieldChange(path, _display(before), _display(after)))


def word_diff(before: str, after: str) -> str:
    """A word-level diff like `git diff --word-diff=plain`: [-removed-]{+added+}, line breaks kept.

    Rule for readability: spaces and tabs never anchor a match on their own (they are junk to the
    matcher, joining a match only beside matching words), so an unchanged space between changed
    words is absorbed: "the quick brown" -> "a slow red" reads [-the quick brown-]{+a slow red+},
    not three pairs of markers. Line breaks do anchor, so each line's changes stay on that line
    and a rewritten e-mail does not become one giant pair of markers.
    """
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    matcher = difflib.SequenceMatcher(_is_space, old, new, autojunk=False)
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old[i1:i2]), "".join(new[j1:j2])
        if tag == "equal":
            parts.append(removed)
        else:
            parts.append((f"[-{removed}-]" if removed else "") + (f"{{+{added}+}}" if added else ""))
    return "".join(parts)


def _is_space(token: str) -> bool:
    """Whether a token is spaces or tabs without a line break."""
    return token.isspace() and "\n" not in token and "\r" not in token
