"""The sources, tasks and model versions items have arrived with: choices for filters."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from storage.models import Item


def list_item_scopes(*, session: Session) -> tuple[list[str], list[str], list[str]]:
    """Distinct sources, tasks and model versions of stored items, each sorted."""
    return (_distinct(session, col(Item.source)), _distinct(session, col(Item.task)),
            _distinct(session, col(Item.model_version)))


def _distinct(session: Session, column: Any) -> list[str]:
    statement = select(column).where(column.is_not(None)).distinct()
    return sorted(str(value) for value in session.execute(statement).scalars())
