"""Aggregate queries for queue statistics; the database does the counting."""

from datetime import datetime

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import Decision, Item
from storage.repositories.items import state_is
from storage.repositories.late_items import Cutoffs, count_late_by_group
from storage.repositories.metrics import GROUP_BY_IMPACT_FIRST

WAITING_STATES = ("pending", "escalated", "adjudication")


def count_waiting_items(*, session: Session, now: datetime) -> list[tuple[str, str, str, str, int]]:
    """(source, task, route, state, count) of items still waiting; held items count as `claimed`."""
    held = and_(col(Item.lease_expires_at).is_not(None), col(Item.lease_expires_at) > now)
    state = case((and_(col(Item.state) == "pending", held), "claimed"), else_=col(Item.state))
    statement = (
        sa_select(col(Item.source), col(Item.task), col(Item.route), state.label("state"), func.count())
        .where(col(Item.state).in_(WAITING_STATES))
        # State first for SQLite's sake, like metrics.GROUP_BY_IMPACT_FIRST: the same groups.
        .group_by(state, Item.source, Item.task, Item.route)
        .order_by(Item.source, Item.task, Item.route, state)
    )
    return [tuple(row) for row in session.execute(statement)]  # type: ignore[misc]


def get_oldest_waiting_received_at(*, session: Session) -> datetime | None:
    """When the longest-waiting item arrived."""
    statement = select(func.min(Item.received_at)).where(col(Item.state).in_(WAITING_STATES))
    return session.exec(statement).one()


def count_human_decisions_since(*, session: Session, since: datetime) -> int:
    """Decisions made by people (not auto-approvals) since `since`."""
    statement = select(func.count()).where(
        Decision.decided_at >= since, col(Decision.reviewer).is_not(None)
    )
    return session.exec(statement).one()


def count_items_in_state_by_sla_group(
    *, session: Session, state: str | tuple[str, ...]
) -> list[tuple[str, str, str | None, int]]:
    """(source, task, impact, count) of items in `state` (or any of them): the groups an SLA
    applies to."""
    keys = [col(Item.source), col(Item.task), col(Item.impact)]
    statement = sa_select(*keys, func.count()).where(state_is(state)).group_by(*GROUP_BY_IMPACT_FIRST)
    return [tuple(row) for row in session.execute(statement)]  # type: ignore[misc]


def count_items_in_state_received_before(
    *, session: Session, state: str | tuple[str, ...], cutoffs: Cutoffs,
) -> int:
    """How many items in `state` arrived before their (source, task, impact) group's cutoff."""
    states = (state,) if isinstance(state, str) else state
    return sum(row[3] for row in count_late_by_group(session=session, states=states, cutoffs=cutoffs))
