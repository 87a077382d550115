"""API tokens: created once and shown once, stored only as a hash, revocable at once."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.errors import InvalidRequest, NotFound
from review.permissions import Permission, require
from review.roles import granted_roles, normalised_email
from storage.engine import reading, writing
from storage.models import ApiToken
from storage.repositories.tokens import get_token_by_hash, get_token_by_name, list_tokens

TOKEN_PREFIX = "wbt_"
MAX_NAME_LENGTH = 100


class Scope(StrEnum):
    """What a token may be used for."""

    INGEST = "ingest"
    DECISIONS_READ = "decisions:read"
    REVIEW = "review"


@dataclass(frozen=True)
class TokenInfo:
    """A token without its value."""

    name: str
    scope: Scope
    user_email: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


def hash_token(value: str) -> str:
    """SHA-256 of a token value; tokens are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(value.encode()).hexdigest()


def parse_scope(name: str) -> Scope:
    """The scope called `name`, or InvalidRequest listing the valid ones."""
    try:
        return Scope(name)
    except ValueError:
        valid = ", ".join(scope.value for scope in Scope)
        raise InvalidRequest(f"unknown scope {name[:50]!r}; expected one of {valid}", "scope") from None


def create_token(
    engine: Engine, actor: Actor, name: str, scope: Scope, user_email: str | None = None
) -> str:
    """Create a token and return its value; this is the only time the value exists in clear."""
    require(actor, Permission.MANAGE_TOKENS)
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidRequest(f"a token name must be 1 to {MAX_NAME_LENGTH} characters", "name")
    if scope is Scope.REVIEW and not user_email:
        raise InvalidRequest("a review token acts as a person: give --user EMAIL", "user")
    email = normalised_email(user_email) if user_email else None
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writing(engine) as session:
        if get_token_by_name(session=session, name=name) is not None:
            raise InvalidRequest(f"a token called {name!r} exists already", "name")
        session.add(
            ApiToken(name=name, token_hash=hash_token(value), scope=scope, user_email=email,
                     created_by=actor.identity, created_at=utcnow())
        )
        append_audit(session, actor, AuditAction.TOKEN_CREATED, f"token:{name}",
                     {"scope": scope.value, "user": email})
        session.commit()
    return value


def list_token_info(engine: Engine, actor: Actor) -> list[TokenInfo]:
    """Every token, without values."""
    require(actor, Permission.MANAGE_TOKENS)
    with reading(engine) as session:
        return [
            TokenInfo(token.name, Scope(token.scope), token.user_email, token.created_by,
                      token.created_at, token.revoked_at)
            for token in list_tokens(session=session)
        ]


def revoke_token(engine: Engine, actor: Actor, name: str) -> bool:
    """Revoke the token called `name` (effective at once); False if it was revoked already."""
    require(actor, Permission.MANAGE_TOKENS)
    with writing(engine) as session:
        token = get_token_by_name(session=session, name=name)
        if token is None:
            raise NotFound(f"no token is called {name[:100]!r}")
        if token.revoked_at is not None:
            return False
        token.revoked_at = utcnow()
        session.add(token)
        append_audit(session, actor, AuditAction.TOKEN_REVOKED, f"token:{name}")
        session.commit()
        return True


def authenticate_token(engine: Engine, value: str) -> tuple[Actor, Scope] | None:
    """The actor a token acts as and its scope, or None for an unknown or revoked token."""
    with reading(engine) as session:
        token = get_token_by_hash(session=session, token_hash=hash_token(value))
        if token is None or token.revoked_at is not None:
            return None
        scope, name, email = Scope(token.scope), token.name, token.user_email
    if scope is Scope.REVIEW and email:
        # A review token is its user: their current roles, so revoking a role takes effect at once.
        return Actor(identity=email, roles=granted_roles(engine, email)), scope
    return Actor(identity=f"token:{name}", roles=frozenset(), scopes=frozenset({scope.value})), scope
