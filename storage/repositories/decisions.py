"""Queries on decisions; the feed reads them in commit order (storage/repositories/commit_order.py)."""

import json
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from storage.models import Decision, Item, table_of
from storage.repositories.bulk import driver_value
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
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    # The ids travel as one parameter: an array on PostgreSQL, a JSON array SQLite's json_each reads.
    sql = (
        "INSERT INTO decision (item_id, outcome, reviewer, output_before, output_after, decided_at, "
        "escalated, review_round) SELECT id, {outcome}, NULL, output, output, {decided_at}, {no}, 1 "
        "FROM item WHERE {chosen} ORDER BY id"
    ).format_map(
        {"outcome": "%(outcome)s", "decided_at": "%(decided_at)s", "no": "false",
         "chosen": "id = ANY(%(ids)s)"}
        if postgresql else
        {"outcome": ":outcome", "decided_at": ":decided_at", "no": "0",
         "chosen": "id IN (SELECT value FROM json_each(:ids))"}
    )
    parameters = {
        "outcome": outcome, "ids": list(item_ids) if postgresql else json.dumps(list(item_ids)),
        "decided_at": driver_value(connection, table_of(Decision), "decided_at", decided_at),
    }
    if not ids:
        connection.exec_driver_sql(sql, parameters)
        return []
    return sorted(connection.exec_driver_sql(f"{sql} RETURNING id", parameters).scalars())


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
