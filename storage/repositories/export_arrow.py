"""The labelled data set's rows as Arrow record batches, straight from a database cursor.

No ORM objects and no JSON decoding: JSON columns come out as the text the database holds and
times as timestamps, a batch of columns at a time, for `review.export_columnar` to shape.
"""

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from sqlalchemy import BigInteger, Connection, Text, cast, extract, type_coerce
from sqlmodel import col, select

from storage.models import Decision, Item, Policy
from storage.repositories.commit_order import CommitCursor, wait_until_settled
from storage.repositories.export_rows import ExportFilter, after_cursor, filtered

BATCH_ROWS = 10_000
UTC_MICROS = pa.timestamp("us", tz="UTC")
# The columns as read: `decision_txid` and `decision_id` (the cursor) first, then the contract's
# columns, with JSON as the database's text of it and times in UTC.
RAW_SCHEMA = pa.schema(
    [
        ("decision_txid", pa.int64()), ("decision_id", pa.int64()), ("item_id", pa.int64()),
        ("source", pa.string()),
        ("external_id", pa.string()), ("task", pa.string()), ("model_version", pa.string()),
        ("input", pa.string()), ("ai_output", pa.string()), ("confidence", pa.float64()),
        ("impact", pa.string()), ("route", pa.string()), ("route_reason", pa.string()),
        ("policy_version", pa.int64()), ("decision", pa.string()), ("final_output", pa.string()),
        ("reason_code", pa.string()), ("rationale", pa.string()), ("reviewer", pa.string()),
        ("escalated", pa.bool_()), ("decided_at", UTC_MICROS), ("review_seconds", pa.float64()),
        ("received_at", UTC_MICROS),
    ]
)


def stream_export_batches(
    *, connection: Connection, filters: ExportFilter, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """The rows `stream_export_rows` selects, in cursor order, as batches in `RAW_SCHEMA`."""
    postgres = connection.dialect.name == "postgresql"
    wait_until_settled(connection)  # an export right after a decision includes it
    statement = after_cursor(
        filtered(_export_columns(postgres), filters), filters, connection.dialect, ordered=True
    )
    # A server-side cursor on PostgreSQL, so memory stays flat at any size.
    result = connection.execution_options(stream_results=True, yield_per=batch_rows).execute(
        statement
    )
    for rows in result.partitions(batch_rows):
        yield _batch(list(zip(*rows, strict=True)), postgres)


def _export_columns(postgres: bool) -> Any:
    def json_text(column: Any) -> Any:
        return cast(column, Text)

    def time(column: Any) -> Any:
        # PostgreSQL: microseconds since the epoch, exact (EXTRACT gives numeric); SQLite: the
        # stored text, which Arrow parses in one pass.
        if postgres:
            return cast(extract("epoch", column) * 1_000_000, BigInteger)
        return type_coerce(column, Text)

    columns: list[Any] = [
        col(Decision.txid), col(Decision.id), col(Item.id), col(Item.source), col(Item.external_id),
        col(Item.task), col(Item.model_version), json_text(col(Item.input)),
        json_text(col(Item.output)), col(Item.confidence), col(Item.impact), col(Item.route),
        col(Item.route_reason), col(Policy.version), col(Decision.outcome),
        json_text(col(Decision.output_after)), col(Decision.reason_code),
        col(Decision.rationale), col(Decision.reviewer), col(Decision.escalated),
        time(col(Decision.decided_at)), col(Decision.review_seconds),
        time(col(Item.received_at)),
    ]
    return (
        select(*columns)
        .join(Item, col(Item.id) == col(Decision.item_id))
        .join(Policy, col(Policy.id) == col(Item.policy_id))
    )


def _batch(columns: list[tuple[Any, ...]], postgres: bool) -> pa.RecordBatch:
    arrays = []
    for field, values in zip(RAW_SCHEMA, columns, strict=True):
        if field.type == UTC_MICROS:
            arrays.append(_times(values, postgres))
        elif field.type == pa.bool_():
            # SQLite holds booleans as 0 and 1.
            arrays.append(pa.array(values).cast(pa.bool_()))
        else:
            arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=RAW_SCHEMA)


def _times(values: tuple[Any, ...], postgres: bool) -> pa.Array:
    if postgres:
        return pa.array(values, type=pa.int64()).cast(UTC_MICROS)
    # SQLite stores UTC without an offset ("2026-10-03 11:46:02.708815").
    return pa.array(values, type=pa.string()).cast(pa.timestamp("us")).cast(UTC_MICROS)


def last_cursor(batch: pa.RecordBatch) -> CommitCursor:
    """The export cursor after the last row of a non-empty batch in `RAW_SCHEMA`."""
    return CommitCursor(batch.column("decision_txid")[-1].as_py(), batch.column("decision_id")[-1].as_py())
