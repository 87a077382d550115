"""Telling database failures apart by cause, the same way on SQLite and PostgreSQL."""

import sqlite3

from sqlalchemy.exc import DBAPIError

# SQLSTATE 53100 disk_full (class 53, insufficient resources): psycopg raises errors.DiskFull.
_POSTGRES_DISK_FULL = "53100"


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` (SQLAlchemy's wrapper or the driver's own) says the database's disk is full."""
    original = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(original, sqlite3.Error):
        # SQLITE_FULL: the disk is full, or the file reached its max_page_count.
        code = getattr(original, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == sqlite3.SQLITE_FULL) or (
            "database or disk is full" in str(original)
        )
    return getattr(original, "sqlstate", None) == _POSTGRES_DISK_FULL
