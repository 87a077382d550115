"""Writing the labelled data set as JSON Lines, CSV or Parquet, streamed, with its SHA-256."""

import csv
import hashlib
import io
import json
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.parquet as pq

from review.export import EXPORT_COLUMNS, JSON_COLUMNS, ExportResult

PARQUET_ROW_GROUP = 10_000
# OWASP: a cell starting with one of these may run as a formula in a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Spreadsheets also skip leading blanks (" ", U+00A0, U+3000, ...) and read full-width signs
# ("＝", "＋") as the ASCII ones, so the first character that is not blank counts, after NFKC.
_FORMULA_SIGNS = ("=", "+", "-", "@")

PARQUET_SCHEMA = pa.schema(
    [
        ("item_id", pa.int64()), ("source", pa.string()), ("external_id", pa.string()),
        ("task", pa.string()), ("model_version", pa.string()), ("input", pa.string()),
        ("ai_output", pa.string()), ("confidence", pa.float64()), ("impact", pa.string()),
        ("route", pa.string()), ("route_reason", pa.string()), ("policy_version", pa.int64()),
        ("decision", pa.string()), ("final_output", pa.string()), ("reason_code", pa.string()),
        ("rationale", pa.string()), ("reviewer", pa.string()), ("escalated", pa.bool_()),
        ("decided_at", pa.timestamp("us", tz="UTC")), ("review_seconds", pa.float64()),
        ("received_at", pa.timestamp("us", tz="UTC")),
    ]
)
assert tuple(PARQUET_SCHEMA.names) == EXPORT_COLUMNS


class ExportFormat(StrEnum):
    """The formats of the labelled data set."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class HashingWriter(io.RawIOBase):
    """A binary stream that passes bytes through and keeps their SHA-256."""

    def __init__(self, target: IO[bytes]) -> None:
        super().__init__()
        self._target = target
        self._digest = hashlib.sha256()
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._target.write(chunk)
        self._digest.update(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        self._target.flush()

    @property
    def sha256(self) -> str:
        """The hex digest of everything written so far."""
        return self._digest.hexdigest()


Rows = Iterable[tuple[int, dict[str, Any]]]
OnRow = Callable[[int], None] | None


def write_export(
    rows: Rows, file_format: ExportFormat, target: IO[bytes], after: int = 0, on_row: OnRow = None
) -> tuple[ExportResult, str]:
    """Write rows to `target` in `file_format`; return the count, next cursor and SHA-256."""
    stream = HashingWriter(target)
    writer = {ExportFormat.JSONL: _write_jsonl, ExportFormat.CSV: _write_csv,
              ExportFormat.PARQUET: _write_parquet}[file_format]
    last, count = after, 0
    for decision_id in writer(rows, stream):
        last, count = decision_id, count + 1
        if on_row is not None:
            on_row(count)
    stream.flush()
    return ExportResult(rows=count, cursor=str(last)), stream.sha256


def _write_jsonl(rows: Rows, stream: HashingWriter) -> Iterable[int]:
    for decision_id, row in rows:
        stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())
        stream.write(b"\n")
        yield decision_id


def _write_csv(rows: Rows, stream: HashingWriter) -> Iterable[int]:
    text = io.TextIOWrapper(cast(Any, stream), encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(EXPORT_COLUMNS)
    for decision_id, row in rows:
        writer.writerow([_csv_cell(name, row[name]) for name in EXPORT_COLUMNS])
        yield decision_id
    text.flush()
    text.detach()


def neutralise_formula(text: str) -> str:
    """Prefix with `'` a cell that a spreadsheet would run as a formula, so it shows as text."""
    return "'" + text if _could_run(text) else text


def _could_run(text: str) -> bool:
    # Looking past opening `'` too quotes "'=1" as "''=1": so a reader who drops one `'` from a
    # cell whose rest would be quoted gets every original back, whatever it started with.
    unquoted = text.lstrip("'")
    if unquoted.startswith(_FORMULA_STARTS):
        return True
    first = next((char for char in unquoted if not _is_blank(char)), "")
    return unicodedata.normalize("NFKC", first).startswith(_FORMULA_SIGNS)


def _is_blank(char: str) -> bool:
    # Format characters (zero-width space, byte order mark, direction marks) are invisible.
    return char.isspace() or unicodedata.category(char) == "Cf"


def _csv_cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in JSON_COLUMNS:
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise_formula(value) if isinstance(value, str) else value


def _write_parquet(rows: Rows, stream: HashingWriter) -> Iterable[int]:
    with pq.ParquetWriter(stream, PARQUET_SCHEMA) as writer:
        batch: list[dict[str, Any]] = []
        for decision_id, row in rows:
            batch.append(_parquet_row(row))
            yield decision_id
            if len(batch) == PARQUET_ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))


def _parquet_row(row: dict[str, Any]) -> dict[str, Any]:
    typed = dict(row)
    for name in JSON_COLUMNS:
        typed[name] = None if row[name] is None else json.dumps(row[name], ensure_ascii=False)
    for name in ("decided_at", "received_at"):
        typed[name] = datetime.fromisoformat(row[name]) if row[name] else None
    return typed
