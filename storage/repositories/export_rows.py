"""The query behind the labelled data set: final decisions joined to their items and policies."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Dialect, func, tuple_
from sqlmodel import Session, col, select

from storage.models import BASE_TXID, Decision, Item, Policy
from storage.repositories.commit_order import (
    CommitCursor,
    below_horizon,
    commit_ordering,
    wait_until_settled,
)
from storage.repositories.decisions import settles_its_item
from storage.repositories.gold import is_not_gold

FINAL_OUTCOMES = ("approved", "edited", "rejected")
# Where an export starts: a position in commit order, or a plain decision id (the cursors given
# out before migration 0012; 0 is the start).
ExportCursor = CommitCursor | int


@dataclass(frozen=True)
class ExportFilter:
    """Which decisions an export includes."""

    after: ExportCursor = 0
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    task: str | None = None
    model_version: str | None = None
    decision: str | None = None
    route: str | None = None
    include_auto: bool = False


def stream_export_rows(
    *, session: Session, filters: ExportFilter, batch_size: int = 1000
) -> Iterator[tuple[Decision, Item, int]]:
    """Final decisions in commit order, with their item and policy, fetched in batches."""
    wait_until_settled(session.connection())  # an export right after a decision includes it
    statement = filtered(
        select(Decision, Item, Policy.version)
        .join(Item, col(Item.id) == col(Decision.item_id))
        .join(Policy, col(Policy.id) == col(Item.policy_id)),
        filters,
    )
    statement = after_cursor(statement, filters, session.get_bind().dialect, ordered=True)
    result = session.execute(statement.execution_options(yield_per=batch_size))
    yield from cast(Iterator[tuple[Decision, Item, int]], result)


def count_export_rows(*, session: Session, filters: ExportFilter) -> int:
    """How many rows `stream_export_rows` would yield (for a progress bar's total)."""
    statement = filtered(
        select(func.count()).select_from(Decision).join(Item, col(Item.id) == col(Decision.item_id)),
        filters,
    )
    statement = after_cursor(statement, filters, session.get_bind().dialect, ordered=False)
    return int(session.execute(statement).scalar_one())


def after_cursor(statement: Any, filters: ExportFilter, dialect: Dialect, *, ordered: bool) -> Any:
    """`statement` limited to rows past the filters' cursor whose transactions have all finished
    (`storage.repositories.commit_order`), and in commit order if `ordered`: an export and the next
    one from its cursor together hold every decision exactly once.

    Every comparison and ordering by the export cursor is here."""
    txid, row_id = col(Decision.txid), col(Decision.id)
    statement = statement.where(tuple_(txid, row_id) > _position(filters.after), below_horizon(dialect, txid))
    return statement.order_by(*commit_ordering(txid, row_id)) if ordered else statement


def _position(after: ExportCursor) -> Any:
    if isinstance(after, CommitCursor):
        return tuple_(after.txid, after.id)
    # A plain decision id stands for that decision's position (`commit_order.legacy_cursor`).
    txid_of = select(col(Decision.txid)).where(col(Decision.id) == after).scalar_subquery()
    return tuple_(func.coalesce(txid_of, BASE_TXID), after)


def filtered(statement: Any, filters: ExportFilter) -> Any:
    """`statement` (decisions joined to items) limited to final, exportable decisions matching
    the filters other than the cursor (see `after_cursor`)."""
    statement = statement.where(
        col(Decision.outcome).in_(FINAL_OUTCOMES),
        settles_its_item(),
        # Gold items' answers were set, not observed: they are never training data.
        is_not_gold(),
    )
    if not filters.include_auto:
        statement = statement.where(col(Decision.reviewer).is_not(None))
    if filters.since is not None:
        statement = statement.where(col(Decision.decided_at) >= filters.since)
    if filters.until is not None:
        statement = statement.where(col(Decision.decided_at) < filters.until)
    if filters.source is not None:
        statement = statement.where(col(Item.source) == filters.source)
    if filters.task is not None:
        statement = statement.where(col(Item.task) == filters.task)
    if filters.model_version is not None:
        statement = statement.where(col(Item.model_version) == filters.model_version)
    if filters.decision is not None:
        statement = statement.where(col(Decision.outcome) == filters.decision)
    if filters.route is not None:
        statement = statement.where(col(Item.route) == filters.route)
    return statement
