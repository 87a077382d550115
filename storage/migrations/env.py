"""Alembic environment: migrates the connection handed over by `storage.migrate`, or the URL."""

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.engine import database_url_from_env

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Run the migrations on the given connection, or on a fresh one to the configured database."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(database_url_from_env())
    with engine.connect() as fresh:
        _migrate(fresh)
        fresh.commit()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
