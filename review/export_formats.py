"""Writing the labelled data set as JSON Lines, CSV or Parquet, streamed, with its SHA-256.

Every format is written from Arrow batches (`review.export_columnar`): Parquet by pyarrow's
writer in row groups of `PARQUET_ROW_GROUP` rows, CSV and JSON Lines by `review.export_text`.
"""

import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from review.export import EXPORT_COLUMNS, ExportResult, cursor_text
from review.export_columnar import EXPORT_SCHEMA, ExportBatch
from review.export_text import csv_header, csv_lines, jsonl_lines
from review.formula import neutralise_formula
from storage.repositories.export_rows import ExportCursor

__all__ = ["PARQUET_SCHEMA", "ExportFormat", "HashingWriter", "neutralise_formula", "write_batches"]

PARQUET_ROW_GROUP = 10_000
PARQUET_SCHEMA = EXPORT_SCHEMA
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
        chunk = memoryview(data).cast("B")  # no copy of a batch's buffer
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


OnRow = Callable[[int], None] | None


def write_batches(
    batches: Iterable[ExportBatch], file_format: ExportFormat, target: IO[bytes],
    after: ExportCursor = 0,
    on_row: OnRow = None,
) -> tuple[ExportResult, str]:
    """Write batches to `target` in `file_format`; return the count, next cursor and SHA-256.
    `on_row` is told the number of rows written so far after each batch."""
    stream = HashingWriter(target)
    writer = {ExportFormat.JSONL: _write_jsonl, ExportFormat.CSV: _write_csv,
              ExportFormat.PARQUET: _write_parquet}[file_format]
    last, count = after, 0
    for batch in writer(batches, stream):
        last, count = batch.cursor, count + batch.rows.num_rows
        if on_row is not None:
            on_row(count)
    stream.flush()
    return ExportResult(rows=count, cursor=cursor_text(last)), stream.sha256


def _write_jsonl(batches: Iterable[ExportBatch], stream: HashingWriter) -> Iterator[ExportBatch]:
    for batch in batches:
        stream.write(jsonl_lines(batch.rows))
        yield batch


def _write_csv(batches: Iterable[ExportBatch], stream: HashingWriter) -> Iterator[ExportBatch]:
    stream.write(csv_header())
    for batch in batches:
        stream.write(csv_lines(batch.rows))
        yield batch


def _write_parquet(batches: Iterable[ExportBatch], stream: HashingWriter) -> Iterator[ExportBatch]:
    # Row groups of a fixed size whatever the batches' sizes, so the file's bytes depend only on
    # its rows; each group is one contiguous table (chunk boundaries could move page breaks).
    with pq.ParquetWriter(stream, PARQUET_SCHEMA) as writer:
        pending: list[pa.RecordBatch] = []
        held = 0
        for batch in batches:
            pending.append(batch.rows)
            held += batch.rows.num_rows
            while held >= PARQUET_ROW_GROUP:
                table = pa.Table.from_batches(pending, schema=PARQUET_SCHEMA)
                writer.write_table(table.slice(0, PARQUET_ROW_GROUP).combine_chunks())
                pending = table.slice(PARQUET_ROW_GROUP).to_batches()
                held -= PARQUET_ROW_GROUP
            yield batch
        if held:
            writer.write_table(pa.Table.from_batches(pending, schema=PARQUET_SCHEMA).combine_chunks())
