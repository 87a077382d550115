"""Aggregate queries behind the dashboard and `workbench metrics`: the database does the counting.

Every query returns a few hundred rows at most (groups, not decisions), whatever the table size.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, false, func, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from storage.models import Decision, Item
from storage.repositories.decisions import settles_its_item

WAITING_STATES = ("pending", "escalated")
FINAL_OUTCOMES = ("approved", "edited", "rejected")
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class MetricsFilter:
    """Which decisions the figures cover: a period of decision times and optional scopes."""

    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    task: str | None = None
    model_version: str | None = None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _floor(session: Session, value: Any) -> Any:
    """Whole part of a non-negative number (PostgreSQL's CAST rounds, SQLite's truncates)."""
    return cast(func.floor(value) if _dialect(session) == "postgresql" else value, Integer)


def _utc(session: Session, moment: Any) -> Any:
    """A stored time as UTC wall-clock time, whatever the session's time zone."""
    return func.timezone("UTC", moment) if _dialect(session) == "postgresql" else moment


def _day(session: Session) -> Any:
    """The UTC day of a decision, as text YYYY-MM-DD."""
    if _dialect(session) == "postgresql":
        return func.to_char(_utc(session, col(Decision.decided_at)), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", col(Decision.decided_at))


def _hour(session: Session) -> Any:
    """The UTC hour of a decision, as text YYYY-MM-DD HH."""
    if _dialect(session) == "postgresql":
        return func.to_char(_utc(session, col(Decision.decided_at)), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", col(Decision.decided_at))


def _human_decisions(filters: MetricsFilter, *columns: Any) -> Any:
    """SELECT columns FROM decisions made by people (escalations, and each item's settling
    decision) joined to their items, within the filters."""
    statement = (
        sa_select(*columns)
        .select_from(Decision)
        .join(Item, col(Item.id) == col(Decision.item_id))
        .where(
            col(Decision.reviewer).is_not(None),
            (col(Decision.outcome) == "escalated") | settles_its_item(),
        )
    )
    return _scoped(statement, filters)


def _scoped(statement: Any, filters: MetricsFilter) -> Any:
    if filters.since is not None:
        statement = statement.where(col(Decision.decided_at) >= filters.since)
    if filters.until is not None:
        statement = statement.where(col(Decision.decided_at) < filters.until)
    for name in ("source", "task", "model_version"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(Item, name) == value)
    return statement


def _grouped(session: Session, statement: Any, keys: Sequence[Any]) -> Rows:
    return [tuple(row) for row in session.execute(statement.group_by(*keys).order_by(*keys))]


def count_outcomes_by_day(*, session: Session, filters: MetricsFilter) -> Rows:
    """(day, source, task, model_version, outcome, count) of human decisions."""
    keys = [_day(session), col(Item.source), col(Item.task), col(Item.model_version), col(Decision.outcome)]
    return _grouped(session, _human_decisions(filters, *keys, func.count()), keys)


def count_outcomes_by_reviewer(*, session: Session, filters: MetricsFilter) -> Rows:
    """(reviewer, outcome, count) of human decisions."""
    keys = [col(Decision.reviewer), col(Decision.outcome)]
    return _grouped(session, _human_decisions(filters, *keys, func.count()), keys)


def count_overrides_by_reason(*, session: Session, filters: MetricsFilter) -> Rows:
    """(reason_code, count) of edits and rejections."""
    keys = [col(Decision.reason_code)]
    statement = _human_decisions(filters, *keys, func.count()).where(
        col(Decision.outcome).in_(("edited", "rejected"))
    )
    return _grouped(session, statement, keys)


def count_audit_outcomes(*, session: Session, filters: MetricsFilter) -> Rows:
    """(source, task, model_version, outcome, count) of settling decisions on audit samples."""
    keys = [col(Item.source), col(Item.task), col(Item.model_version), col(Decision.outcome)]
    statement = _human_decisions(filters, *keys, func.count()).where(
        col(Item.route) == "audit", col(Decision.outcome).in_(FINAL_OUTCOMES)
    )
    return _grouped(session, statement, keys)


def count_outcomes_by_confidence_band(*, session: Session, filters: MetricsFilter) -> Rows:
    """(route, decile 0-10, outcome, count) of settling decisions on items with a confidence."""
    band = _floor(session, col(Item.confidence) * 10)
    keys = [col(Item.route), band, col(Decision.outcome)]
    statement = _human_decisions(filters, *keys, func.count()).where(
        col(Item.confidence).is_not(None), col(Decision.outcome).in_(FINAL_OUTCOMES)
    )
    return _grouped(session, statement, keys)


def count_items_by_confidence_band(*, session: Session, filters: MetricsFilter) -> Rows:
    """(decile 0-10, count) of items received in the period (what a threshold would route)."""
    band = _floor(session, col(Item.confidence) * 10)
    statement = sa_select(band, func.count()).select_from(Item).where(col(Item.confidence).is_not(None))
    if filters.since is not None:
        statement = statement.where(col(Item.received_at) >= filters.since)
    if filters.until is not None:
        statement = statement.where(col(Item.received_at) < filters.until)
    for name in ("source", "task", "model_version"):
        if getattr(filters, name) is not None:
            statement = statement.where(getattr(Item, name) == getattr(filters, name))
    return _grouped(session, statement, [band])


def count_agreement_pairs(*, session: Session, filters: MetricsFilter) -> Rows:
    """(task, first outcome, second outcome, count) over items two people reviewed independently."""
    second = sa_select(
        col(Decision.item_id).label("item_id"), col(Decision.outcome).label("outcome")
    ).where(col(Decision.review_round) == 2).subquery()
    keys = [col(Item.task), col(Decision.outcome), second.c.outcome]
    statement = _scoped(
        sa_select(*keys, func.count())
        .select_from(Decision)
        .join(Item, col(Item.id) == col(Decision.item_id))
        .join(second, second.c.item_id == col(Decision.item_id))
        .where(col(Decision.review_round) == 1, col(Item.reviews_required) == 2,
               col(Decision.outcome).in_(FINAL_OUTCOMES), second.c.outcome.in_(FINAL_OUTCOMES)),
        filters,
    )
    return _grouped(session, statement, keys)


def review_seconds_histogram(*, session: Session, filters: MetricsFilter, by_scope: bool = False) -> Rows:
    """(reviewer, whole seconds, count) — or (source, task, model_version, whole seconds, count)
    with `by_scope` — review times exact to the second."""
    seconds = _floor(session, col(Decision.review_seconds))
    group = [col(Item.source), col(Item.task), col(Item.model_version)] if by_scope else [
        col(Decision.reviewer)
    ]
    keys = [*group, seconds]
    statement = _human_decisions(filters, *keys, func.count()).where(
        col(Decision.review_seconds).is_not(None)
    )
    return _grouped(session, statement, keys)


def count_decisions_by_hour(*, session: Session, filters: MetricsFilter) -> Rows:
    """(hour, count) of human decisions: throughput."""
    keys = [_hour(session)]
    return _grouped(session, _human_decisions(filters, *keys, func.count()), keys)


def count_waiting_by_group(*, session: Session) -> Rows:
    """(source, task, impact, route, state, count, oldest received_at) of waiting items."""
    keys = [col(Item.source), col(Item.task), col(Item.impact), col(Item.route), col(Item.state)]
    statement = sa_select(*keys, func.count(), func.min(Item.received_at)).where(
        col(Item.state).in_(WAITING_STATES)
    )
    return _grouped(session, statement, keys)


def count_past_sla(
    *, session: Session, cutoffs: dict[tuple[str, str, str | None], datetime]
) -> Rows:
    """(source, task, impact, count) of waiting items received before their group's cutoff."""
    if not cutoffs:
        return []
    late = case(
        *[
            (and_(col(Item.source) == source, col(Item.task) == task, _impact_is(impact)),
             col(Item.received_at) < cutoff)
            for (source, task, impact), cutoff in cutoffs.items()
        ],
        else_=false(),
    )
    keys = [col(Item.source), col(Item.task), col(Item.impact)]
    statement = sa_select(*keys, func.sum(case((late, literal(1)), else_=literal(0)))).where(
        col(Item.state).in_(WAITING_STATES)
    )
    return _grouped(session, statement, keys)


def _impact_is(impact: str | None) -> ColumnElement[bool]:
    return col(Item.impact).is_(None) if impact is None else col(Item.impact) == impact
