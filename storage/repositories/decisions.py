"""Queries on decisions, and the lock that makes decision ids commit in order."""

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, text
from sqlmodel import Session, col, select

from storage.models import Decision, Item, table_of
from storage.repositories.bulk import insert_rows
from storage.repositories.gold import is_not_gold

# Any constant works; it only has to be the same in every process.
_DECISION_ORDER_LOCK = 0x5EB1E3


def lock_decision_order(*, session: Session) -> None:
    """Hold, until commit, the right to insert decisions, so ids become visible in id order.

    The decision feed pages by id. On PostgreSQL two transactions could otherwise commit ids
    10 and 9 in that order, and a reader between the commits would skip 9 for ever. SQLite
    already serialises writers (BEGIN IMMEDIATE), so there it is a no-op.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DECISION_ORDER_LOCK})


# What an automatic decision holds; the other columns (reason, rationale, review time) stay null.
_AUTOMATIC_COLUMNS = (
    "item_id", "outcome", "reviewer", "output_before", "output_after", "decided_at", "escalated",
    "review_round",
)


def insert_automatic_decisions(*, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert automatic decisions (one COPY or executemany for all); their ids, in order."""
    if not rows:
        return []
    stored = insert_rows(session.connection(), table_of(Decision), _AUTOMATIC_COLUMNS, rows, returning="id")
    return [row.id for row in stored]


def list_decisions_after(
    *, session: Session, after_id: int, limit: int, sources: Collection[str] | None = None
) -> list[tuple[Decision, Item]]:
    """Up to `limit` decisions with ids above `after_id`, oldest first, with their items; only
    those of items from `sources` when given."""
    statement = (
        select(Decision, Item)
        .join(Item, col(Item.id) == col(Decision.item_id))
        # Gold items are never sent upstream: filtered here, so the cursor still never skips.
        .where(col(Decision.id) > after_id, is_not_gold())
        .order_by(col(Decision.id))
        .limit(limit)
    )
    if sources is not None:
        statement = statement.where(col(Item.source).in_(sorted(sources)))
    return [(decision, item) for decision, item in session.exec(statement)]


def list_decisions_with_items(*, session: Session, ids: list[int]) -> list[tuple[Decision, Item]]:
    """The decisions with these ids, with their items, in id order."""
    statement = (
        select(Decision, Item)
        .join(Item, col(Item.id) == col(Decision.item_id))
        .where(col(Decision.id).in_(ids))
        .order_by(col(Decision.id))
    )
    return [(decision, item) for decision, item in session.exec(statement)]


def get_latest_decision(*, session: Session, item_id: int) -> Decision | None:
    """The newest decision on an item."""
    statement = (
        select(Decision).where(Decision.item_id == item_id).order_by(col(Decision.id).desc()).limit(1)
    )
    return session.exec(statement).first()


def settles_its_item() -> ColumnElement[bool]:
    """SQL for "this approve/edit/reject is its item's decision" (needs `item` joined): the first
    of two independent reviews is not, nor either of two that disagreed (the item then needs 3
    decisions); the agreeing second, a senior's adjudication (round 3), or one on an escalation is."""
    return or_(
        col(Item.reviews_required) == 1,
        col(Decision.review_round) == col(Item.reviews_required),
        col(Decision.escalated),
    )


def get_decision_of_round(*, session: Session, item_id: int, review_round: int) -> Decision | None:
    """The newest approve/edit/reject of one review round on an item (escalations excluded)."""
    statement = (
        select(Decision)
        .where(Decision.item_id == item_id, Decision.review_round == review_round,
               Decision.outcome != "escalated", col(Decision.escalated).is_(False))
        .order_by(col(Decision.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()
