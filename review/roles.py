"""Role grants: who holds which of the contract's roles."""

import os
import re
from dataclasses import dataclass

from sqlalchemy import Engine

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.enums import Role
from review.errors import InvalidRequest
from review.permissions import Permission, require
from storage.engine import reading, writing
from storage.models import RoleGrant
from storage.repositories.roles import get_role_grant, list_role_grants, list_roles_of

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class LocalUser:
    """A person with granted roles, as listed in local mode's sign-in picker."""

    email: str
    roles: frozenset[Role]


def parse_role(name: str) -> Role:
    """The role called `name`, or InvalidRequest listing the valid ones."""
    try:
        return Role(name)
    except ValueError:
        valid = ", ".join(role.value for role in Role)
        raise InvalidRequest(f"unknown role {name[:50]!r}; expected one of {valid}", "role") from None


def grant_role(engine: Engine, actor: Actor, email: str, role: Role) -> bool:
    """Grant `role` to `email`; False if it was granted already."""
    require(actor, Permission.MANAGE_ROLES)
    email = normalised_email(email)
    with writing(engine) as session:
        if get_role_grant(session=session, email=email, role=role) is not None:
            return False
        session.add(RoleGrant(email=email, role=role, granted_by=actor.identity, granted_at=utcnow()))
        append_audit(session, actor, AuditAction.ROLE_GRANTED, f"user:{email}", {"role": role.value})
        session.commit()
        return True


def revoke_role(engine: Engine, actor: Actor, email: str, role: Role) -> bool:
    """Revoke `role` from `email`; False if it was not granted."""
    require(actor, Permission.MANAGE_ROLES)
    email = normalised_email(email)
    with writing(engine) as session:
        grant = get_role_grant(session=session, email=email, role=role)
        if grant is None:
            return False
        session.delete(grant)
        append_audit(session, actor, AuditAction.ROLE_REVOKED, f"user:{email}", {"role": role.value})
        session.commit()
        return True


def granted_roles(engine: Engine, email: str) -> frozenset[Role]:
    """The roles granted in the workbench to `email` (identity-provider roles are merged by the caller)."""
    with reading(engine) as session:
        return frozenset(Role(name) for name in list_roles_of(session=session, email=email))


def role_claim_name() -> str:
    """The ID-token claim that lists a person's roles (`WORKBENCH_ROLE_CLAIM`, default `groups`)."""
    return os.environ.get("WORKBENCH_ROLE_CLAIM") or "groups"


def roles_from_claim(value: object) -> frozenset[Role]:
    """The contract's roles named in an ID-token claim; other group names are ignored."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return frozenset()
    names = {str(name).strip().lower() for name in value}
    return frozenset(role for role in Role if role.value in names)


def actor_for_person(engine: Engine, email: str, claimed: object = None) -> Actor:
    """A signed-in person: roles from the identity provider's claim merged with granted ones."""
    email = email.strip().lower()
    return Actor(identity=email, roles=roles_from_claim(claimed) | granted_roles(engine, email))


def list_local_users(engine: Engine) -> list[LocalUser]:
    """Everyone with a granted role, for local mode's sign-in picker. Needs no actor: it is the
    picker shown before anyone is signed in, and local mode only serves loopback."""
    users: dict[str, set[Role]] = {}
    with reading(engine) as session:
        for grant in list_role_grants(session=session):
            users.setdefault(grant.email, set()).add(Role(grant.role))
    return [LocalUser(email, frozenset(roles)) for email, roles in users.items()]


def list_grants(engine: Engine, actor: Actor) -> list[RoleGrant]:
    """Every role grant, for the Admin page."""
    require(actor, Permission.MANAGE_ROLES)
    with reading(engine) as session:
        return list_role_grants(session=session)


def normalised_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 320 or not email.isprintable():
        raise InvalidRequest(f"{email[:100]!r} is not an e-mail address", field="email")
    return email
