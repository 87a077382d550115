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


def get_effective_policy(*, session: Session, source: str, task: str) -> Policy:
    """The policy that governs (source, task): its own newest version, else the default's."""
    policy = get_latest_policy(session=session, source=source, task=task)
    if policy is None:
        policy = get_latest_policy(session=session, source=DEFAULT_SCOPE, task=DEFAULT_SCOPE)
    if policy is None:
        raise LookupError("the default routing policy is missing; run `workbench init`")
    return policy


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
