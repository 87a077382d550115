"""CSV and JSON Lines bytes of a shaped batch, built column by column with `pyarrow.compute`.

Each line is one string of an Arrow array, so a batch's file bytes are that array's data buffer,
written as it is. The bytes are those Python's `csv.writer` (QUOTE_MINIMAL, `\\r\\n`) and
`json.dumps(row, ensure_ascii=False, separators=(",", ":"))` write for the same rows; cells a
pattern cannot settle are formatted by those same functions, one by one.
"""

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from review.arrow_cells import changed_where, per_distinct
from review.csv_text import csv_text
from review.export import EXPORT_COLUMNS, JSON_COLUMNS
from review.json_compact import compact_json

_NULL = pa.scalar(None, pa.string())
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def csv_header() -> bytes:
    """The header line, as `csv.writer` writes it."""
    text = io.StringIO(newline="")
    csv.writer(text).writerow(EXPORT_COLUMNS)
    return text.getvalue().encode()


def csv_lines(batch: pa.RecordBatch) -> pa.Buffer:
    """The batch's CSV lines, formula-safe: the bytes of its rows in the file."""
    cells = [_csv_cell(batch.column(name)) for name in EXPORT_COLUMNS]
    cells[-1] = pc.binary_join_element_wise(cells[-1], "\r\n", "")  # the line end, no new copy
    return _data(pc.binary_join_element_wise(*cells, ","))


def jsonl_lines(batch: pa.RecordBatch) -> pa.Buffer:
    """The batch's JSON Lines, with JSON columns as nested JSON."""
    pieces: list[Any] = []
    for number, name in enumerate(EXPORT_COLUMNS):
        pieces.append(("{" if number == 0 else ",") + json.dumps(name) + ":")
        values = batch.column(name)
        pieces.append(compact_json(values) if name in JSON_COLUMNS else _json_value(values))
    return _data(pc.binary_join_element_wise(*pieces, "}\n", ""))


def _data(lines: pa.Array) -> pa.Buffer:
    """The bytes of all the strings of `lines`, end to end."""
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)
    return data[bounds[lines.offset]:bounds[lines.offset + len(lines)]]


def _csv_cell(values: pa.Array) -> pa.Array:
    kind = values.type
    if pa.types.is_boolean(kind):
        text = pc.if_else(values, "true", "false")
    elif pa.types.is_floating(kind):
        text = float_text(values, repr)
    elif pa.types.is_integer(kind):
        text = values.cast(pa.string())
    else:
        # ISO times start with a digit and hold nothing to quote.
        text = iso_text(values) if pa.types.is_timestamp(kind) else per_distinct(values, csv_text)
    return pc.fill_null(text, "")


def _json_value(values: pa.Array) -> pa.Array:
    kind = values.type
    if pa.types.is_boolean(kind):
        text = pc.if_else(values, "true", "false")
    elif pa.types.is_floating(kind):
        text = float_text(values, json.dumps)
    elif pa.types.is_integer(kind):
        text = values.cast(pa.string())
    else:
        # ISO times hold nothing to escape.
        text = (pc.binary_join_element_wise('"', iso_text(values), '"', "")
                if pa.types.is_timestamp(kind) else per_distinct(values, _json_string))
    return pc.fill_null(text, "null")


def _json_string(text: pa.Array) -> pa.Array:
    escaped = text
    for char, escape in _JSON_ESCAPES:
        escaped = pc.replace_substring(escaped, char, escape)
    encoded = pc.binary_join_element_wise('"', escaped, '"', "")
    # Other control characters become \u escapes: rare enough to leave to `json.dumps`.
    return changed_where(encoded, pc.match_substring_regex(text, _OTHER_CONTROL), _json_text, text)


def _json_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def iso_text(times: pa.Array) -> pa.Array:
    """UTC timestamps as `datetime.isoformat()` writes them ("…T11:46:02.708815+00:00"; no
    fraction when it is zero)."""
    # Arrow's cast writes "2026-10-03 11:46:02.708815" (always six digits), ten times faster
    # than `strftime`.
    text = pc.replace_substring(times.cast(pa.timestamp("us")).cast(pa.string()), " ", "T",
                                max_replacements=1)
    return pc.binary_join_element_wise(
        pc.replace_substring_regex(text, r"\.000000$", ""), "+00:00", ""
    )


def float_text(values: pa.Array, python: Callable[[float], str]) -> pa.Array:
    """Floats as `repr` writes them: Arrow's shortest digits, "1" as "1.0"; exponents, NaN,
    infinities and magnitudes below 1e-4 (which Arrow writes in full) through `python`."""
    text = values.cast(pa.string())
    whole = pc.invert(pc.match_substring_regex(text, "[.en]"))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
    tiny = pc.and_(pc.less(pc.abs(values), 1e-4), pc.not_equal(values, 0))
    odd = pc.or_(pc.match_substring_regex(text, "[en]"), tiny)
    return changed_where(text, odd, python, values)
