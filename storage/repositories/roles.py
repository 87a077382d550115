"""Queries on role grants."""

from sqlmodel import Session, col, select

from storage.models import RoleGrant


def list_roles_of(*, session: Session, email: str) -> list[str]:
    """The roles granted to `email` (case-insensitive)."""
    statement = select(RoleGrant.role).where(RoleGrant.email == email.lower())
    return list(session.exec(statement))


def list_role_grants(*, session: Session) -> list[RoleGrant]:
    """Every grant, by e-mail then role."""
    return list(session.exec(select(RoleGrant).order_by(col(RoleGrant.email), col(RoleGrant.role))))


def get_role_grant(*, session: Session, email: str, role: str) -> RoleGrant | None:
    """One grant, if it exists."""
    statement = select(RoleGrant).where(RoleGrant.email == email.lower(), RoleGrant.role == role)
    return session.exec(statement).first()
