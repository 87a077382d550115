"""Queries on the audit log, and the lock that keeps its chain from forking."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, cast
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from storage.models import AuditEntry, table_of
from storage.repositories.decisions import lock_decision_order


def lock_audit_chain(*, session: Session) -> None:
    """Serialise appends until commit (PostgreSQL: an advisory lock; SQLite: the write lock).

    It is the same lock as the decision-order lock: every decision appends to the chain in its
    transaction, so one lock serves both and two locks could only add a deadlock risk.
    """
    lock_decision_order(session=session)


def get_chain_head(*, session: Session) -> AuditEntry | None:
    """The newest entry."""
    return session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()


def stream_audit_rows(
    *, session: Session, batch_size: int = 10_000
) -> Iterator[tuple[Any, ...]]:
    """Every entry in chain order as plain rows (no ORM objects: verify walks millions).

    `at` and `details` come back as the stored text, unparsed: a tampered value that no longer
    parses must be reported as a broken entry, not crash the walk."""
    columns = table_of(AuditEntry).c
    statement = (
        sa_select(columns.seq, cast(columns.at, String), columns.actor, columns.action, columns.subject,
                  cast(columns.details, Text), columns.prev_hash, columns.entry_hash, columns.scheme)
        .order_by(columns.seq)
        .execution_options(yield_per=batch_size)
    )
    for row in session.execute(statement):
        yield tuple(row)


def count_audit_entries(*, session: Session) -> int:
    """How many entries the chain holds."""
    return int(session.exec(select(func.count()).select_from(AuditEntry)).one())


def list_audit_entries(
    *,
    session: Session,
    limit: int,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> list[AuditEntry]:
    """The newest entries matching the filters, newest first."""
    statement = select(AuditEntry)
    if actor:
        statement = statement.where(AuditEntry.actor == actor)
    if action:
        statement = statement.where(AuditEntry.action == action)
    if since:
        statement = statement.where(col(AuditEntry.at) >= since)
    return list(session.exec(statement.order_by(col(AuditEntry.seq).desc()).limit(limit)))
