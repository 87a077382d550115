"""One engine per server process for the API routes (the UI has its own cached one)."""

from functools import lru_cache

from sqlalchemy import Engine

from storage.engine import create_database_engine


@lru_cache(maxsize=1)
def shared_engine() -> Engine:
    """The process's engine to the configured database."""
    return create_database_engine()
