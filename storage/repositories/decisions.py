"""Queries on decisions; the feed reads them in commit order (storage/repositories/commit_order.py)."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, DateTime, Integer, String, false, insert, literal, null, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import Decision, Item, table_of
from storage.repositories.commit_order import CommitCursor, after_cursor, commit_ordering, horizon
from storage.repositories.gold import is_not_gold


def insert_automatic_decisions(
    *, session: Session, item_ids: Sequence[int], outcome: str, decided_at: datetime, ids: bool = True
) -> list[int]:
    """A decision with `outcome` and no reviewer for each item, its output taken as it is stored
    (before and after): one INSERT ... SELECT for all, so the outputs are copied inside the
    database, never encoded or sent again. The decisions' ids in item order, or [] without `ids`.
    Reason, rationale and review time stay null."""
    if not item_ids:
        return []
    item, decision = table_of(Item), table_of(Decision)
    chosen = (
        sa_select(
            item.c.id, literal(outcome, String), null(), item.c.output, item.c.output,
            literal(decided_at, DateTime), false(), literal(1, Integer),
        )
        .where(item.c.id.in_(item_ids))
        .order_by(item.c.id)
    )
    statement = insert(decision).from_select(
        ["item_id", "outcome", "reviewer", "output_before", "output_after", "decided_at", "escalated",
         "review_round"],
        chosen,
    )
    if not ids:
        session.execute(statement)
        return []
    return sorted(session.execute(statement.returning(decision.c.id)).scalars())


def list_decisions_after(
    *, session: Session, after: CommitCursor, limit: int, sources: Collection[str] | None = None
) -> tuple[list[tuple[Decision, Item]], int]:
    """Up to `limit` decisions after `after` in commit order, with their items (only those of
    items from `sources` when given), and how many committed decisions after them the same look
    found waiting behind the horizon (an earlier transaction still running)."""
    dialect = session.get_bind().dialect
    statement = (
        select(Decision, Item, horizon(dialect))
        .join(Item, col(Item.id) == col(Decision.item_id))
        # Gold items are never sent upstream: filtered here, so the cursor still never skips.
        .where(after_cursor(col(Decision.txid), col(Decision.id), after), is_not_gold())
        .order_by(*commit_ordering(col(Decision.txid), col(Decision.id)))
        .limit(limit)
    )
    if sources is not None:
        statement = statement.where(col(Item.source).in_(sorted(sources)))
    rows = session.exec(statement).all()
    # Ordered by txid, so the rows past the horizon are the page's tail: cut there.
    settled = [(decision, item) for decision, item, line in rows
               if decision.txid is not None and decision.txid < line]
    return settled, len(rows) - len(settled)


def get_decision_txid(*, session: Session, decision_id: int) -> int | None:
    """The commit-order stamp of one decision, or None if there is no such decision."""
    statement = select(Decision.txid).where(col(Decision.id) == decision_id)
    return session.exec(statement).first()


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
