"""The labelled data set as Arrow batches, shaped and redacted column by column.

Each batch holds the contract's columns with JSON values as JSON text: the exact text
`json.dumps(value, ensure_ascii=False)` gives, which the CSV and Parquet files hold and from which
JSON Lines is built. The work is vectorised (`pyarrow.compute`); only the rare cells that a
pattern cannot settle go through Python one by one (`changed_where`), with the row-by-row rules.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from review.actors import Actor, pseudonym
from review.arrow_cells import changed_where
from review.export import EXPORT_COLUMNS, JSON_COLUMNS, UNREDACTED_COLUMNS
from review.json_ascii import unescaped_json
from review.permissions import Permission, require
from review.redaction import redact_text, redact_value
from storage.repositories.export_arrow import RAW_SCHEMA, last_cursor, stream_export_batches
from storage.repositories.export_rows import ExportCursor, ExportFilter

EXPORT_SCHEMA = pa.schema([RAW_SCHEMA.field(name) for name in EXPORT_COLUMNS])
# The stored JSON text is `json.dumps(value)` (SQLite) or PostgreSQL's jsonb text, both with
# Python's separators and key order. They differ from the exported text only by `\u` escapes
# (SQLite escapes every non-ASCII character: `review.json_ascii` writes them as UTF-8) and numbers
# below 1e-4, which PostgreSQL writes out in full ("0.00001") and Python as "1e-05": such values
# are decoded and encoded again.
_NOT_AS_EXPORTED = r"0\.0000"
# A superset of what `review.redaction` masks, in RE2 (no look-around): an at sign; 13 digits
# grouped like a card; a phone number's shape with the 8 digits it needs at least (with `\s` as
# Python reads it, and JSON's escapes of blanks, in the JSON columns' text); 11 digits or an
# exponent (a JSON number that may be one); any other `\u` escape; any decimal digit but 0-9
# (Python's `\d` reads every script's digits; spelling out `\p{Nd}` in each pattern would make
# RE2's compiling, once per column of each batch, ten times slower). Cells that match are
# redacted one by one; the rest hold nothing to mask.
# A quoted ISO date ("2026-10-28", every invoice's due date) looks like a phone number's groups
# but is never one, so it is blanked before the search.
_DIGIT = "[0-9]"
_BLANK = r"(?:[\s\p{Z}\x{85}\x{0b}\x{1c}-\x{1f}]|\\[nrtf])"


def _grouped_phone() -> str:
    """Groups of 2 to 5 digits as a national phone number has them (3 to 5 groups) that hold 8
    digits or more: any 4 groups, or 3 with one of 4 digits or more or two of 3 or more. Invoice
    lines ("74.68\\n10") have such groups but fewer digits, which the row-by-row rule keeps."""
    separator = rf"\)?(?:[.-]|{_BLANK})"  # `)` after any group, not only the first: a superset

    def chain(*least: int) -> str:
        return separator.join(f"{_DIGIT}{{{count},5}}" for count in least)

    return "|".join([chain(2, 2, 2, 2), chain(4, 2, 2), chain(2, 4, 2), chain(2, 2, 4),
                     chain(3, 3, 2), chain(3, 2, 3), chain(2, 3, 3)])


_MAY_HOLD_PERSONAL_DATA = "|".join([
    r"[@\x{ff20}\x{fe6b}]",
    rf"{_DIGIT}(?:[ ./-]?{_DIGIT}){{12}}",
    rf"\+{_DIGIT}(?:(?:[().-]|{_BLANK}){{0,2}}{_DIGIT}){{7}}",
    _grouped_phone(),
    rf"{_DIGIT}{{11}}|{_DIGIT}[eE]\+{_DIGIT}|\\u",
    r"[^\P{Nd}0-9]",
])
_QUOTED_DATE = r'"[0-9]{4}-[0-9]{2}-[0-9]{2}"'
# Columns are searched end to end while their text stays well within a string array's 2 GiB.
_ONE_SEARCH_BYTES = 2**30



@dataclass(frozen=True)
class ExportBatch:
    """Rows of the data set in `EXPORT_SCHEMA`, and the cursor after the last of them."""

    rows: pa.RecordBatch
    cursor: ExportCursor


def export_batches(
    engine: Engine, actor: Actor, filters: ExportFilter, redact: bool = False
) -> Iterator[ExportBatch]:
    """The rows `review.export.export_rows` yields, oldest first, as shaped batches."""
    require(actor, Permission.EXPORT)
    with engine.connect() as connection:
        for raw in stream_export_batches(connection=connection, filters=filters):
            yield ExportBatch(shaped(raw, redact), last_cursor(raw))


def shaped(raw: pa.RecordBatch, redact: bool = False) -> pa.RecordBatch:
    """A batch as read (`RAW_SCHEMA`) in the contract's columns, JSON as exported text."""
    columns = {name: raw.column(name) for name in EXPORT_COLUMNS}
    for name in JSON_COLUMNS:
        columns[name] = exported_json(columns[name])
    if redact:
        columns = redacted(columns)
    return pa.RecordBatch.from_arrays([columns[name] for name in EXPORT_COLUMNS],
                                      schema=EXPORT_SCHEMA)


def exported_json(stored: pa.Array) -> pa.Array:
    """Stored JSON text as `json.dumps(value, ensure_ascii=False)` writes it; JSON null as null."""
    text = pc.if_else(pc.equal(stored, "null"), pa.scalar(None, pa.string()), stored)
    unescaped, unusual = unescaped_json(text)
    redo = pc.or_(pc.match_substring_regex(text, _NOT_AS_EXPORTED), pa.array(unusual))
    return changed_where(unescaped, redo, _reencoded, text)


def _reencoded(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False)


def redacted(columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
    """The columns with personal data masked in every text and JSON column, as
    `review.export.redacted_row` masks one row; reviewers become pseudonyms."""
    masked = dict(columns)
    # Reviewers are replaced by pseudonyms of the names as stored: nothing to mask first.
    names = [name for name, values in columns.items() if name not in UNREDACTED_COLUMNS
             and name != "reviewer" and pa.types.is_string(values.type)]
    for name, found in zip(names, _searched(columns, names), strict=True):
        mask: Callable[[str], str] = _redacted_json if name in JSON_COLUMNS else redact_text
        masked[name] = changed_where(columns[name], found, mask)
    masked["reviewer"] = _pseudonyms(columns["reviewer"])
    return masked


def _searched(columns: dict[str, pa.Array], names: list[str]) -> list[pa.Array]:
    """`may_hold_personal_data` of each named column."""
    if sum(columns[name].nbytes for name in names) >= _ONE_SEARCH_BYTES:
        return [may_hold_personal_data(columns[name]) for name in names]
    # One search over the columns end to end: RE2 compiles the pattern once, not per column.
    rows = len(columns[names[0]])
    found = may_hold_personal_data(pa.concat_arrays([columns[name] for name in names]))
    return [found.slice(number * rows, rows) for number in range(len(names))]


def may_hold_personal_data(text: pa.Array) -> pa.Array:
    """False for cells in which `review.redaction` would mask nothing (true may be a miss)."""
    searched = pc.replace_substring_regex(text, _QUOTED_DATE, '"D"')
    return pc.match_substring_regex(searched, _MAY_HOLD_PERSONAL_DATA)


def _redacted_json(text: str) -> str:
    return json.dumps(redact_value(json.loads(text)), ensure_ascii=False)


def _pseudonyms(reviewers: pa.Array) -> pa.Array:
    # A batch has few reviewers: each distinct one is hashed once.
    encoded = pc.dictionary_encode(reviewers)
    names = pa.array([None if name is None else pseudonym(name)
                      for name in encoded.dictionary.to_pylist()], type=pa.string())
    return names.take(encoded.indices)
