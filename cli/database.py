"""The engine the command line works on, and the check that its schema is ready."""

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from review.errors import WorkbenchError
from storage.engine import create_database_engine, database_url_from_env
from storage.migrate import schema_is_current


def open_database(require_schema: bool = True) -> Engine:
    """The configured database; refuse with a clear message when it is unreachable or not set up."""
    try:
        engine = create_database_engine()
    except (ArgumentError, NoSuchModuleError):
        # The message would repeat the URL, password included.
        raise WorkbenchError(
            "WORKBENCH_DATABASE_URL is not a database URL the workbench can use "
            "(e.g. sqlite:///workbench.db or postgresql+psycopg://user@host/db)"
        ) from None
    if not require_schema:
        return engine
    try:
        current = schema_is_current(engine)
    except OperationalError as error:
        raise unreachable(error) from None
    if not current:
        raise WorkbenchError(
            f"the database {_safe_url()} is not initialised or is out of date; "
            "run `workbench init` first"
        )
    return engine


def unreachable(error: OperationalError) -> WorkbenchError:
    """The one-line refusal for a database that cannot be opened."""
    lines = str(error.orig).strip().splitlines() or ["no reason given"]
    return WorkbenchError(f"cannot reach the database: {lines[0]}")


def _safe_url() -> str:
    """The database URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(database_url_from_env()).render_as_string(hide_password=True)
