"""Queries on routing policy versions."""

from collections.abc import Sequence

from sqlalchemy import and_, bindparam, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import Policy

DEFAULT_SCOPE = "*"
# The most scopes one policy lookup consults: (source, task), (source, *), (*, *).
MAX_SCOPES = 3


def _newest_of_scopes_statement() -> SelectOfScalar[Policy]:
    """The newest version of each of up to MAX_SCOPES scopes, as bound parameters s0, t0, ...:
    built once, as building it costs more than running it (the policy is read by every claim and
    every decision)."""
    newer = aliased(Policy)
    has_newer = exists().where(col(newer.source) == col(Policy.source),
                               col(newer.task) == col(Policy.task),
                               col(newer.version) > col(Policy.version))
    scopes = or_(*(and_(col(Policy.source) == bindparam(f"s{n}"), col(Policy.task) == bindparam(f"t{n}"))
                   for n in range(MAX_SCOPES)))
    return select(Policy).where(scopes, ~has_newer)


_NEWEST_OF_SCOPES = _newest_of_scopes_statement()


def get_latest_policies(
    *, session: Session, scopes: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Policy]:
    """The newest version of each of `scopes` (1 to MAX_SCOPES (source, task) pairs) that has a
    policy, by scope, in one query."""
    if not 1 <= len(scopes) <= MAX_SCOPES:
        raise ValueError(f"1 to {MAX_SCOPES} scopes, got {len(scopes)}")
    # Unused parameters repeat the last scope: one statement shape, one cached compilation.
    padded = [*scopes, *[scopes[-1]] * (MAX_SCOPES - len(scopes))]
    params = {name: value for n, (source, task) in enumerate(padded)
              for name, value in ((f"s{n}", source), (f"t{n}", task))}
    return {(policy.source, policy.task): policy
            for policy in session.exec(_NEWEST_OF_SCOPES, params=params)}


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
