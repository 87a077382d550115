"""Queries on routing policy versions."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Policy

DEFAULT_SCOPE = "*"


def get_latest_policy(*, session: Session, source: str, task: str) -> Policy | None:
    """The newest version of the policy for exactly (source, task), if there is one."""
    statement = (
        select(Policy)
        .where(Policy.source == source, Policy.task == task)
        .order_by(Policy.version.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    return session.exec(statement).first()


def list_policy_versions(*, session: Session) -> list[Policy]:
    """Every version of every policy scope, by scope, oldest version first."""
    statement = select(Policy).order_by(col(Policy.source), col(Policy.task), col(Policy.version))
    return list(session.exec(statement))


def list_latest_policies(*, session: Session) -> list[Policy]:
    """The newest version of every policy scope, default first."""
    newest = (
        select(Policy.source, Policy.task, func.max(Policy.version).label("version"))
        .group_by(Policy.source, Policy.task)
        .subquery()
    )
    statement = (
        select(Policy)
        .join(
            newest,
            (col(Policy.source) == newest.c.source)
            & (col(Policy.task) == newest.c.task)
            & (col(Policy.version) == newest.c.version),
        )
        .order_by(Policy.source, Policy.task)
    )
    return list(session.exec(statement))
