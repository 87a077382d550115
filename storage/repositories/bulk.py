"""Bulk inserts through the driver: one COPY (PostgreSQL) or one executemany (SQLite) per batch.

The ORM's multi-row INSERT makes psycopg parse a statement of ~21,000 placeholders per 1000 rows,
and costs SQLite more in Python than the insert itself. Values are encoded as the ORM bound them
(JSON as json.dumps text, None as JSON null; datetimes through the column type on SQLite), so
what is read back does not depend on the path that wrote it. A `JsonText` is that text already.
"""

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import JSON, Connection, Row, Table
from sqlalchemy.exc import DBAPIError


class JsonText(str):
    """A JSON column's value already encoded as json.dumps would (record validation encodes each
    value once to check it): stored as it is, not encoded again."""


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]],
    *, returning: str, conflict: str = "",
) -> list[Row[Any]]:
    """Insert `rows` (their `columns`) in order with the `conflict` clause; `returning` (columns,
    id first) of each row stored, in id order. A row the conflict clause skips returns nothing."""
    if connection.dialect.name == "postgresql":
        return _insert_postgresql(connection, table, columns, rows, returning, conflict)
    return _insert_sqlite(connection, table, columns, rows, returning, conflict)


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
            if type(value[index]) is not JsonText:
                value[index] = json.dumps(value[index])
        for index, process in processors.items():
            key = (index, value[index])
            if key not in converted:
                converted[key] = process(value[index])
            value[index] = converted[key]
        values.append(tuple(value))
    return values


def _insert_sqlite(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]],
    returning: str, conflict: str,
) -> list[Row[Any]]:
    """One executemany; the stored rows are the ones above the largest id before it (SQLite assigns
    max(id) + 1 and the transaction holds the write lock, so no other writer interleaves)."""
    values = _encoded(connection, table, columns, rows)
    before = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar_one()
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"{conflict}", values,
    )
    return list(connection.exec_driver_sql(
        f"SELECT {returning} FROM {table.name} WHERE id > ? ORDER BY id", (before,)
    ).all())


def _insert_postgresql(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]],
    returning: str, conflict: str,
) -> list[Row[Any]]:
    """COPY the rows into a temporary table of the same column types, then one INSERT ... SELECT."""
    names = ", ".join(columns)
    staging = f"{table.name}_staging"
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
        f"SELECT 0::bigint AS staged_order, {names} FROM {table.name} WITH NO DATA"
    )
    copy_sql = f"COPY {staging} (staged_order, {names}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for order, value in enumerate(_encoded(connection, table, columns, rows)):
                copy.write_row((order, *value))
    except psycopg.Error as error:  # wrapped as SQLAlchemy wraps, so callers see one error type
        raise DBAPIError.instance(copy_sql, None, error, psycopg.Error) from error
    result = list(connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} ORDER BY staged_order "
        f"{conflict} RETURNING {returning}"
    ))
    connection.exec_driver_sql(f"DROP TABLE {staging}")  # so a second call in this transaction works
    return sorted(result, key=itemgetter(0))
