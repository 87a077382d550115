"""The row-by-row export writers the columnar path replaced, kept only as the tests' reference,
and `write_export`, which writes such rows through the workbench's own writers.

They write `review.export.export_rows` (ORM objects, JSON decoded, a dict per row) with the
standard library's `json` and `csv` and pyarrow's `from_pylist`, exactly as the workbench did.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.parquet as pq

from review.export import EXPORT_COLUMNS, JSON_COLUMNS, ExportResult
from review.export_columnar import EXPORT_SCHEMA, ExportBatch
from review.export_formats import PARQUET_ROW_GROUP, PARQUET_SCHEMA, ExportFormat, OnRow, write_batches
from review.formula import neutralise_formula
from storage.repositories.export_rows import ExportCursor

Rows = Iterable[tuple[ExportCursor, dict[str, Any]]]


def reference_bytes(rows: Rows, file_format: str) -> bytes:
    """The file the old writer made of `rows` in `file_format`."""
    stream = io.BytesIO()
    {"jsonl": _write_jsonl, "csv": _write_csv, "parquet": _write_parquet}[file_format](rows, stream)
    return stream.getvalue()


def _write_jsonl(rows: Rows, stream: io.BytesIO) -> None:
    for _, row in rows:
        stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())
        stream.write(b"\n")


def _write_csv(rows: Rows, stream: io.BytesIO) -> None:
    text = io.TextIOWrapper(cast(Any, stream), encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(EXPORT_COLUMNS)
    for _, row in rows:
        writer.writerow([_csv_cell(name, row[name]) for name in EXPORT_COLUMNS])
    text.flush()
    text.detach()


def _csv_cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in JSON_COLUMNS:
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise_formula(value) if isinstance(value, str) else value


def _write_parquet(rows: Rows, stream: io.BytesIO) -> None:
    with pq.ParquetWriter(stream, PARQUET_SCHEMA) as writer:
        batch: list[dict[str, Any]] = []
        for _, row in rows:
            batch.append(_typed(row))
            if len(batch) == PARQUET_ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))


def write_export(
    rows: Rows, file_format: ExportFormat, target: IO[bytes], after: ExportCursor = 0,
    on_row: OnRow = None,
) -> tuple[ExportResult, str]:
    """Write rows of `review.export.export_rows` (cursor, row) like `write_batches` does."""
    return write_batches(batches_of_rows(rows), file_format, target, after, on_row)


def batches_of_rows(rows: Rows, size: int = PARQUET_ROW_GROUP) -> Iterator[ExportBatch]:
    """Rows as `review.export.export_rows` yields them, in batches."""
    pending: list[dict[str, Any]] = []
    cursor: ExportCursor = 0
    for cursor, row in rows:
        pending.append(_typed(row))
        if len(pending) == size:
            yield ExportBatch(pa.RecordBatch.from_pylist(pending, schema=EXPORT_SCHEMA), cursor)
            pending = []
    if pending:
        yield ExportBatch(pa.RecordBatch.from_pylist(pending, schema=EXPORT_SCHEMA), cursor)


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    typed = dict(row)
    for name in JSON_COLUMNS:
        typed[name] = None if row[name] is None else json.dumps(row[name], ensure_ascii=False)
    for name in ("decided_at", "received_at"):
        typed[name] = datetime.fromisoformat(row[name]) if row[name] else None
    return typed
