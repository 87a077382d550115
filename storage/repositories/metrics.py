"""Queries behind the dashboard: what waits now (GROUP BY in the database), and the immutable
facts the columnar snapshot (storage/snapshot.py) is built from."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Dialect, and_, exists, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from storage.models import BASE_TXID, Decision, Item
from storage.repositories.commit_order import (
    CommitCursor,
    after_cursor,
    below_horizon,
    commit_ordering,
    horizon,
)
from storage.repositories.late_items import Cutoffs, count_late_by_group

WAITING_STATES = ("pending", "escalated", "adjudication")
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class MetricsFilter:
    """Which decisions the figures cover: a period of decision times and optional scopes."""

    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    task: str | None = None
    model_version: str | None = None


def _grouped(
    session: Session, statement: Any, keys: Sequence[Any], group_keys: Sequence[Any] | None = None
) -> Rows:
    grouped = statement.group_by(*(group_keys or keys)).order_by(*keys)
    return [tuple(row) for row in session.execute(grouped)]


# The same groups as source, task, impact. Listed in that order, SQLite (whose statistics cannot
# see that most items are decided) scans all of ix_item_source_task_state to save part of a sort;
# with impact first it reads only waiting items from ix_item_queue_state (40 ms → 3 ms at 300k
# items, 2 % waiting). PostgreSQL plans both orders alike.
GROUP_BY_IMPACT_FIRST = (col(Item.impact), col(Item.source), col(Item.task))


def count_waiting_by_group(*, session: Session) -> Rows:
    """(source, task, impact, route, state, count, oldest received_at) of waiting items."""
    keys = [col(Item.source), col(Item.task), col(Item.impact), col(Item.route), col(Item.state)]
    statement = sa_select(*keys, func.count(), func.min(Item.received_at)).where(
        col(Item.state).in_(WAITING_STATES)
    )
    return _grouped(session, statement, keys)


def count_past_sla(*, session: Session, cutoffs: Cutoffs) -> Rows:
    """(source, task, impact, count) of waiting items received before their group's cutoff, for
    each group in `cutoffs`."""
    return list(count_late_by_group(session=session, states=WAITING_STATES, cutoffs=cutoffs))


# The facts the columnar snapshot is built from, with their Arrow types. Texts are plain strings
# (Parquet dictionary-encodes them itself); times are naive UTC, so DuckDB needs no time-zone
# support to bucket them by UTC day and hour.
_TIME = pa.timestamp("us")
DECISION_FACTS = pa.schema([
    ("id", pa.int64()), ("txid", pa.int64()), ("item_id", pa.int64()), ("decided_at", _TIME),
    ("outcome", pa.string()),
    ("reviewer", pa.string()), ("reason_code", pa.string()), ("review_seconds", pa.float64()),
    ("review_round", pa.int8()), ("escalated", pa.bool_()), ("source", pa.string()),
    ("task", pa.string()), ("model_version", pa.string()), ("route", pa.string()),
    ("confidence", pa.float64()), ("reviews_required", pa.int8()),
])
ITEM_FACTS = pa.schema([
    ("id", pa.int64()), ("received_at", _TIME), ("source", pa.string()), ("task", pa.string()),
    ("model_version", pa.string()), ("confidence", pa.float64()),
])
FACT_SCHEMAS = {"decisions": DECISION_FACTS, "items": ITEM_FACTS}


def _fact_statement(
    kind: str, after: CommitCursor, limit: int, dialect: Dialect, position: Any = None
) -> Any:
    """The facts after `after` (for decisions, `position` may replace the cursor's condition)."""
    postgres = dialect.name == "postgresql"

    def utc(column: Any) -> Any:
        # timestamptz → naive UTC in the database, so the CSV text needs no zone parsing.
        return func.timezone("UTC", column) if postgres else column

    if kind == "decisions":
        return (
            sa_select(
                col(Decision.id), col(Decision.txid), col(Decision.item_id), utc(col(Decision.decided_at)),
                col(Decision.outcome), col(Decision.reviewer), col(Decision.reason_code),
                col(Decision.review_seconds), col(Decision.review_round), col(Decision.escalated),
                col(Item.source), col(Item.task), col(Item.model_version), col(Item.route),
                col(Item.confidence), col(Item.reviews_required),
            )
            .join(Item, col(Item.id) == col(Decision.item_id))
            # Decisions in commit order (`storage.repositories.commit_order`): appending only
            # what follows the cursor then never misses one that committed late.
            .where(after_cursor(col(Decision.txid), col(Decision.id), after) if position is None
                   else position,
                   below_horizon(dialect, col(Decision.txid)), col(Decision.reviewer).is_not(None))
            .order_by(*commit_ordering(col(Decision.txid), col(Decision.id)))
            .limit(limit)
        )
    return (
        sa_select(col(Item.id), utc(col(Item.received_at)), col(Item.source), col(Item.task),
                  col(Item.model_version), col(Item.confidence))
        .where(col(Item.id) > after.id)
        .order_by(col(Item.id))
        .limit(limit)
    )


def read_facts_after(*, session: Session, kind: str, after: CommitCursor, limit: int) -> pa.Table:
    """Up to `limit` immutable facts after the cursor `after`, in cursor order, as Arrow:
    people's decisions (`kind` "decisions") with the item fields the dashboard groups by, or
    items ("items") with their routing fields. A snapshot only ever appends these.

    The one place that knows what "after the cursor" means: the snapshot keeps `last_cursor` of
    what it read and passes it back here. Decisions page in commit order; items by id.
    """
    schema = FACT_SCHEMAS[kind]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _read_postgres_csv(connection, _fact_statement(kind, after, limit, connection.dialect), schema)
    if kind == "items":
        return _read_sqlite(connection, _fact_statement(kind, after, limit, connection.dialect), schema)
    # SQLite seeks a row-value range on (txid, id) by txid alone (id is the rowid), so "after
    # the cursor" read the index from its start: 0.2 s at 1M decisions to find nothing new.
    # The same rows as two ranges it seeks exactly, in commit order: the rest of the cursor's
    # transaction, then later transactions.
    txid, row_id = col(Decision.txid), col(Decision.id)
    tables: list[pa.Table] = []
    for position in (and_(txid == after.txid, row_id > after.id), txid > after.txid):
        wanted = limit - sum(table.num_rows for table in tables)
        if wanted > 0:
            statement = _fact_statement(kind, after, wanted, connection.dialect, position)
            tables.append(_read_sqlite(connection, statement, schema))
    return pa.concat_tables(tables)


def _read_sqlite(connection: Any, statement: Any, schema: pa.Schema) -> pa.Table:
    compiled = statement.compile(dialect=connection.dialect)
    # The driver's own cursor, not SQLAlchemy rows: no per-value result processing (datetime
    # parsing above all); Arrow parses the time texts column-wise.
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), tuple(compiled.params[name] for name in compiled.positiontup or ()))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.Table.from_arrays(
        [_arrow_column(list(values), field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def last_cursor(table: pa.Table) -> CommitCursor:
    """The cursor to pass to `read_facts_after` for the facts after `table`'s last row."""
    txid = table.column("txid")[-1].as_py() if "txid" in table.column_names else BASE_TXID
    return CommitCursor(txid, table.column("id")[-1].as_py())


def decisions_held_back(*, session: Session) -> bool:
    """Whether committed decisions may wait behind a transaction still running (see
    `storage.repositories.commit_order`): a reader that stopped at the horizon must look again."""
    dialect = session.get_bind().dialect
    pending = exists().where(col(Decision.txid) >= horizon(dialect))
    return bool(session.execute(sa_select(pending)).scalar())




def _arrow_column(values: list[Any], kind: pa.DataType) -> pa.Array:
    if kind == _TIME:
        return pa.array(values, type=pa.string()).cast(kind)
    if kind == pa.bool_():
        return pa.array(values).cast(kind)  # SQLite hands booleans over as 0 and 1
    return pa.array(values, type=kind)


def _read_postgres_csv(connection: Any, statement: Any, schema: pa.Schema) -> pa.Table:
    # COPY … TO STDOUT streams the rows as CSV, which Arrow's C++ reader turns into columns: no
    # Python object per value, several times faster than fetching tuples (bench/metrics_bench.py).
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    buffer = io.BytesIO()
    copying = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(copying) as copy:  # type: ignore[union-attr]
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.tell():
        return schema.empty_table()
    buffer.seek(0)
    return pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=schema.names),
        convert_options=pa_csv.ConvertOptions(
            column_types={field.name: field.type for field in schema},
            true_values=["t"], false_values=["f"],
            # FORCE_QUOTE quotes every value but NULL, which stays an empty unquoted field.
            strings_can_be_null=True, quoted_strings_can_be_null=False,
        ),
    )


def get_last_ids(*, session: Session) -> tuple[int, int]:
    """The newest decision and item ids (0 when there are none)."""
    decision = session.execute(sa_select(func.max(Decision.id))).scalar_one() or 0
    item = session.execute(sa_select(func.max(Item.id))).scalar_one() or 0
    return int(decision), int(item)
