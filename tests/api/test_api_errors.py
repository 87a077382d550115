"""Database failures answered by cause: a full disk is 507 "insufficient storage", not 503."""

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg.errors
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.requests import Request

import api.errors
import api.handlers
from api.errors import response_for_exception
from review.ingest import ingest_records
from review.record_files import RawRecord
from storage.engine import create_database_engine
from storage.failures import is_disk_full
from storage.migrate import upgrade_to_head
from tests.factories import OPERATOR, make_record


def _request(path: str = "/api/v1/items") -> Request:
    return Request({"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b""})


def _answer(error: Exception) -> tuple[int, dict[str, Any]]:
    response = response_for_exception(_request(), error)
    return response.status_code, json.loads(bytes(response.body))


def _wrapped(driver_error: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy hands it to the handlers."""
    return DBAPIError.instance("INSERT INTO items ...", {}, driver_error, type(driver_error))


@pytest.fixture(autouse=True)
def _no_disk_full_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.errors, "_disk_full_at", None)


@pytest.mark.parametrize("driver_error", [
    sqlite3.OperationalError("database or disk is full"),
    psycopg.errors.DiskFull("could not extend file \"base/16384/16385\": No space left on device"),
], ids=["sqlite", "postgresql"])
def test_a_full_disk_is_507_insufficient_storage(driver_error: Exception) -> None:
    status, body = _answer(_wrapped(driver_error))
    assert status == 507
    assert body["error"].startswith("insufficient storage") and "No space" not in body["error"]


@pytest.mark.parametrize("driver_error", [
    sqlite3.OperationalError("database is locked"),
    psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
], ids=["sqlite", "postgresql"])
def test_other_operational_failures_stay_503_unavailable(driver_error: Exception) -> None:
    assert _answer(_wrapped(driver_error))[0] == 503


@pytest.fixture
def full_sqlite(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file whose connections may not grow it by more than a few pages."""
    url = f"sqlite:///{tmp_path / 'small.db'}"
    setup = create_database_engine(url)
    upgrade_to_head(setup)
    setup.dispose()
    engine = create_database_engine(url)

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages + 4}")

    yield engine
    engine.dispose()


def test_a_really_full_sqlite_file_is_recognised_and_answered_507(full_sqlite: Engine) -> None:
    records = [RawRecord(n, value=make_record(input={"pad": "x" * 2000})) for n in range(1, 200)]
    with pytest.raises(OperationalError) as caught:
        ingest_records(full_sqlite, OPERATOR, records)
    assert is_disk_full(caught.value)
    assert _answer(caught.value)[0] == 507


def _health(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> tuple[int, dict[str, Any]]:
    monkeypatch.setattr(api.handlers, "shared_engine", lambda: engine)
    response = asyncio.run(api.handlers.health(_request("/api/v1/health")))
    return response.status_code, json.loads(bytes(response.body))


def test_health_says_disk_full_with_507_after_a_write_failed_for_space(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'health.db'}")
    try:
        assert _health(monkeypatch, engine) == (200, {"status": "ok", "database": "ok"})
        _answer(_wrapped(sqlite3.OperationalError("database or disk is full")))
        assert _health(monkeypatch, engine) == (507, {"status": "degraded", "database": "disk full"})
        monkeypatch.setattr(api.errors, "DISK_FULL_MEMORY_SECONDS", 0.0)
        assert _health(monkeypatch, engine)[0] == 200
    finally:
        engine.dispose()
