"""Engine creation and the two kinds of transaction the domain asks for: reading and writing."""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

DEFAULT_DATABASE_URL = "sqlite:///workbench.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "workbench_write"
# SQLite writers of one process take turns on this lock (per database file) before BEGIN IMMEDIATE.
_SQLITE_WRITERS: dict[str, threading.RLock] = {}
_SQLITE_WRITERS_LOCK = threading.Lock()


def database_url_from_env() -> str:
    """The configured database URL (`WORKBENCH_DATABASE_URL`), or the embedded default."""
    return os.environ.get("WORKBENCH_DATABASE_URL") or DEFAULT_DATABASE_URL


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite (which serialises writers instead of locking rows)."""
    return engine.dialect.name == "sqlite"


def create_database_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: from the environment) set up for safe concurrent use."""
    url = url or database_url_from_env()
    if make_url(url).get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _create_sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    # The stdlib driver issues BEGIN lazily and never BEGIN IMMEDIATE; SQLAlchemy's documented
    # workaround is to switch its own transaction handling off and emit BEGIN ourselves.
    # Writes take the write lock up front (BEGIN IMMEDIATE) so a read-then-write transaction
    # (a claim) cannot race another writer or fail half-way with "database is locked".
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session for reads; nothing it does is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A session for one use case's writes; the caller commits once, an exception rolls back."""
    bind = engine.execution_options(**{_WRITE_OPTION: True})
    with _sqlite_writer_turn(engine), Session(bind, expire_on_commit=False) as session:
        yield session


@contextmanager
def _sqlite_writer_turn(engine: Engine) -> Iterator[None]:
    """On SQLite, wait for this process's other writers of the same file before writing.

    SQLite admits one writer at a time anyway; a writer that finds the database busy sleeps and
    retries (up to 100 ms a try), so a lock just released can stay unused while every waiter
    sleeps, and one request's wait grows with the number of writers. Taking turns on a lock in the
    process hands the database over at once. Re-entrant, and bounded by the busy timeout: past it,
    the writer goes on to SQLite's own waiting as before (other processes still meet there)."""
    if not is_sqlite(engine):
        yield
        return
    with _SQLITE_WRITERS_LOCK:
        lock = _SQLITE_WRITERS.setdefault(str(engine.url), threading.RLock())
    got = lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        yield
    finally:
        if got:
            lock.release()
