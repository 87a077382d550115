"""Fixtures: every storage-touching test runs on SQLite and on PostgreSQL, on a fresh migrated database."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.engine import create_database_engine
from storage.migrate import upgrade_to_head
from storage.snapshot_files import SNAPSHOT_DIR_ENV
from tests.databases import database_url

# One Playwright and one Chromium for the whole session, shared by tests/browser and tests/oidc.
pytest_plugins = ["tests.browser.chromium"]


@pytest.fixture(autouse=True, scope="session")
def _snapshot_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Dashboard snapshots of PostgreSQL test schemas go to a temporary directory, not the home
    directory (servers the tests start inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SNAPSHOT_DIR_ENV, str(tmp_path_factory.mktemp("snapshots")))
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    """Which database this test runs on."""
    return str(request.param)


@pytest.fixture
def db_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    """A URL to a fresh, empty database of the test's kind."""
    with database_url(database_kind, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database built by the migrations, like `workbench init` builds it."""
    engine = create_database_engine(db_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh migrated PostgreSQL database, for behaviour that exists only there."""
    with database_url("postgresql", tmp_path) as url:
        engine = create_database_engine(url)
        upgrade_to_head(engine)
        yield engine
        engine.dispose()


@pytest.fixture(autouse=True)
def _patient_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite shares its PostgreSQL cluster with other runs, whose long write transactions hold
    the horizon of commit order back (storage/repositories/commit_order.py): a feed, export or
    dashboard read right after a decision waits for them instead of failing the test."""
    monkeypatch.setattr("storage.repositories.commit_order.SETTLE_SECONDS", 120.0)
