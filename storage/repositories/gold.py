"""Gold items in queries: the filter that keeps them out of exports and the feed, and their decisions."""

from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from storage.models import Decision, Item

_ANSWERS = ("approved", "edited", "rejected")


def _gold_decision() -> Any:
    # Through the JSON path, not `gold IS NULL`: an item stored without an answer may hold SQL
    # NULL or JSON null depending on how it was inserted, and both have no "decision".
    return col(Item.gold)["decision"].as_string()


def is_not_gold() -> ColumnElement[bool]:
    """SQL for "this item is not a gold item" (needs `item` in the query)."""
    return _gold_decision().is_(None)


def list_gold_decisions(*, session: Session) -> list[tuple[str, str, Any, dict[str, Any]]]:
    """(reviewer, outcome, output after, gold answer) of every approve, edit and reject on a gold
    item by a person, oldest first."""
    statement = (
        select(Decision.reviewer, Decision.outcome, Decision.output_after, Item.gold)
        .join(Item, col(Item.id) == col(Decision.item_id))
        .where(_gold_decision().is_not(None), col(Decision.reviewer).is_not(None),
               col(Decision.outcome).in_(_ANSWERS))
        .order_by(col(Decision.id))
    )
    rows = session.exec(statement)
    return [(str(reviewer), outcome, after, gold) for reviewer, outcome, after, gold in rows]
