"""Bulk inserts through the driver: one COPY (PostgreSQL) or one executemany (SQLite) per batch.

The ORM's multi-row INSERT makes psycopg parse a statement of ~21,000 placeholders per 1000 rows,
and costs SQLite more in Python than the insert itself. Values are encoded as the ORM bound them
(JSON as json.dumps text, None as JSON null; datetimes through the column type on SQLite), so
what is read back does not depend on the path that wrote it.

`insert_values` takes rows already in that form (tuples in column order): a caller that builds
them a batch at a time pays nothing per value here. `insert_rows` encodes dict rows first.
"""

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import JSON, Connection, Table
from sqlalchemy.exc import DBAPIError


def driver_value(connection: Connection, table: Table, column: str, value: Any) -> Any:
    """`value` of `column` as `insert_values` expects it: through the column type's bind
    processor on SQLite (a datetime becomes the text SQLAlchemy stores), as it is otherwise.
    One call per distinct value (a batch's time), not per row."""
    if connection.dialect.name != "sqlite" or value is None:
        return value
    process = table.c[column].type._cached_bind_processor(connection.dialect)  # noqa: SLF001
    return value if process is None else process(value)


def insert_values(
    connection: Connection, table: Table, columns: Sequence[str], values: Sequence[tuple[Any, ...]],
    *, conflict_key: Sequence[str] = (),
) -> list[int | None]:
    """Insert `values` (tuples in `columns` order, encoded as `driver_value` and json.dumps would)
    in order; with `conflict_key`, a row whose key is stored already is skipped. Each row's new
    id, in the order of `values` (None where skipped)."""
    if not values:
        return []
    if connection.dialect.name == "postgresql":
        return _insert_postgresql(connection, table, columns, values, conflict_key)
    return _insert_sqlite(connection, table, columns, values, conflict_key)


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]],
    *, conflict_key: Sequence[str] = (),
) -> list[int | None]:
    """`insert_values` for dict rows holding Python values (JSON values, datetimes)."""
    return insert_values(connection, table, columns, _encoded(connection, table, columns, rows),
                         conflict_key=conflict_key)


def _encoded(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    sqlite = connection.dialect.name == "sqlite"
    json_indexes = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    processors = {
        index: processor for index, name in enumerate(columns)
        if sqlite and index not in json_indexes
        and (processor := table.c[name].type._cached_bind_processor(connection.dialect)) is not None  # noqa: SLF001
    }
    converted: dict[tuple[int, Any], Any] = {}  # one conversion per distinct value (a batch's `now`)
    select = itemgetter(*columns)
    values = []
    for row in rows:
        value = list(select(row))
        for index in json_indexes:
            value[index] = json.dumps(value[index])
        for index, process in processors.items():
            key = (index, value[index])
            if key not in converted:
                converted[key] = process(value[index])
            value[index] = converted[key]
        values.append(tuple(value))
    return values


def _conflict_clause(conflict_key: Sequence[str]) -> str:
    return f"ON CONFLICT ({', '.join(conflict_key)}) DO NOTHING" if conflict_key else ""


def _ids_by_key(
    columns: Sequence[str], values: Sequence[tuple[Any, ...]], conflict_key: Sequence[str],
    stored: list[tuple[Any, ...]],
) -> list[int | None]:
    """Each row's id, from `stored` rows (id, *key): a row whose key is not there was skipped."""
    by_key = {tuple(row[1:]): row[0] for row in stored}
    key_of = itemgetter(*(columns.index(name) for name in conflict_key))
    if len(conflict_key) == 1:
        return [by_key.get((key_of(value),)) for value in values]
    return [by_key.get(key_of(value)) for value in values]


@contextmanager
def _wrapped(sql: str) -> Iterator[None]:
    """Driver errors raised as SQLAlchemy raises them (an OperationalError for a full disk), so
    callers see one error type whichever path wrote."""
    try:
        yield
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error
    except psycopg.Error as error:
        raise DBAPIError.instance(sql, None, error, psycopg.Error) from error


def _insert_sqlite(
    connection: Connection, table: Table, columns: Sequence[str], values: Sequence[tuple[Any, ...]],
    conflict_key: Sequence[str],
) -> list[int | None]:
    """One executemany. SQLite gives a new row max(id) + 1 and the transaction holds the write
    lock, so no other writer interleaves: when every row went in, their ids are the ones after
    the largest before it, in order; when some were skipped, the stored ones are read back."""
    driver = connection.connection.driver_connection
    assert driver is not None
    name = table.name
    sql = (f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
           f"{_conflict_clause(conflict_key)}")
    with _wrapped(sql):
        before = driver.execute(f"SELECT coalesce(max(id), 0) FROM {name}").fetchone()[0]
        inserted = driver.executemany(sql, values).rowcount
        if inserted == len(values):
            return list(range(before + 1, before + 1 + len(values)))
        stored = driver.execute(
            f"SELECT id, {', '.join(conflict_key)} FROM {name} WHERE id > ? ORDER BY id", (before,)
        ).fetchall()
    return _ids_by_key(columns, values, conflict_key, stored)


def _insert_postgresql(
    connection: Connection, table: Table, columns: Sequence[str], values: Sequence[tuple[Any, ...]],
    conflict_key: Sequence[str],
) -> list[int | None]:
    """COPY into a temporary table of the same column types, then one INSERT ... SELECT ...
    RETURNING."""
    names = ", ".join(columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    staging = f"{table.name}_staging"
    insert = (f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} ORDER BY staged_order "
              f"{_conflict_clause(conflict_key)} RETURNING {', '.join(('id', *conflict_key))}")
    with _wrapped(insert), driver.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
            f"SELECT 0::bigint AS staged_order, {names} FROM {table.name} WITH NO DATA"
        )
        _copy(driver, f"COPY {staging} (staged_order, {names}) FROM STDIN", values)
        stored = cursor.execute(insert).fetchall()
        cursor.execute(f"DROP TABLE {staging}")  # so a second call in this transaction works
    if conflict_key:
        return _ids_by_key(columns, values, conflict_key, stored)
    # Ids are drawn in the SELECT's order, and nothing was skipped.
    return sorted(row[0] for row in stored)


def _copy(driver: psycopg.Connection[Any], sql: str, values: Sequence[tuple[Any, ...]]) -> None:
    """COPY each row after its position in `values`."""
    with _wrapped(sql), driver.cursor() as cursor, cursor.copy(sql) as copy:
        for order, value in enumerate(values):
            copy.write_row((order, *value))
