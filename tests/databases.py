"""Fresh databases for tests: a SQLite file, or a PostgreSQL schema of its own, built by migrations."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    """The PostgreSQL server the suite runs against (`WORKBENCH_TEST_PG_URL`, else the local one)."""
    return os.environ.get("WORKBENCH_TEST_PG_URL", DEFAULT_PG_URL)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped afterwards."""
    # pre_ping: a PostgreSQL restart during the run must not break dropping the schema afterwards.
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # the suite must fail, not skip, without PostgreSQL
        raise RuntimeError(
            f"PostgreSQL is not reachable at {postgres_admin_url()}: {error}. Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
        ) from error
    separator = "&" if "?" in postgres_admin_url() else "?"
    try:
        # Test data need not survive a crash of the server: skipping the wait for the disk
        # on commit keeps the suite fast without changing what any transaction sees.
        options = f"-csearch_path={schema} -csynchronous_commit=off"
        yield f"{postgres_admin_url()}{separator}options={quote(options)}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(kind: str, directory: Path) -> Iterator[str]:
    """A URL to a fresh, empty database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'workbench.db'}"
    else:
        with postgres_schema_url() as url:
            yield url
