"""API tokens: created once and shown once, stored only as a hash, revocable at once."""

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine

from review.actors import Actor, TokenBounds
from review.audit import AuditAction, append_audit, record_refusal
from review.clock import utcnow
from review.errors import InvalidRequest, NotFound, WorkbenchError
from review.permissions import Permission, require
from review.records import MAX_NAME_LENGTH as MAX_SOURCE_LENGTH
from review.records import normalise_key
from review.roles import granted_roles, normalised_email
from review.token_cache import TokenCache
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
    # None: every source.
    sources: tuple[str, ...] | None = None
    reviewer_identities: bool = False


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
    engine: Engine, actor: Actor, name: str, scope: Scope, user_email: str | None = None, *,
    sources: Collection[str] | None = None, reviewer_identities: bool = False,
) -> str:
    """Create a token and return its value; this is the only time the value exists in clear.

    `sources` bounds what it reads and writes (None: every source); `reviewer_identities` shows it
    reviewers' e-mails instead of pseudonyms."""
    require(actor, Permission.MANAGE_TOKENS)
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidRequest(f"a token name must be 1 to {MAX_NAME_LENGTH} characters", "name")
    if scope is Scope.REVIEW and not user_email:
        raise InvalidRequest("a review token acts as a person: give --user EMAIL", "user")
    bounded = _checked_bounds(scope, sources, reviewer_identities)
    email = normalised_email(user_email) if user_email else None
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writing(engine) as session:
        if get_token_by_name(session=session, name=name) is not None:
            raise InvalidRequest(f"a token called {name!r} exists already", "name")
        session.add(
            ApiToken(name=name, token_hash=hash_token(value), scope=scope, user_email=email,
                     created_by=actor.identity, created_at=utcnow(), sources=bounded,
                     reviewer_identities=reviewer_identities)
        )
        append_audit(session, actor, AuditAction.TOKEN_CREATED, f"token:{name}",
                     {"scope": scope.value, "user": email, "sources": bounded,
                      "reviewer_identities": reviewer_identities})
        session.commit()
    return value


def _checked_bounds(
    scope: Scope, sources: Collection[str] | None, reviewer_identities: bool
) -> list[str] | None:
    """The sources to store (sorted, once each; None: every source), or InvalidRequest."""
    if scope is Scope.REVIEW and (sources is not None or reviewer_identities):
        # A review token is its user, who sees every source and every reviewer on the Review
        # page anyway: a bound here would promise a protection that signing in goes around.
        field = "source" if sources is not None else "reviewer_identities"
        raise InvalidRequest("a review token acts as its user: sources and reviewer identities "
                             "apply to ingest and decisions:read tokens only", field)
    if sources is None:
        return None
    # In NFC, the form records' sources are stored in, so every spelling of a name matches.
    names = [normalise_key(source) for source in ([sources] if isinstance(sources, str) else sources)]
    if not names:
        raise InvalidRequest("name at least one source, or none at all for every source", "source")
    for source in names:
        if not source.strip() or len(source) > MAX_SOURCE_LENGTH:
            raise InvalidRequest(f"a source must be 1 to {MAX_SOURCE_LENGTH} characters, "
                                 "not blank", "source")
    return sorted(set(names))


def list_token_info(engine: Engine, actor: Actor) -> list[TokenInfo]:
    """Every token, without values."""
    require(actor, Permission.MANAGE_TOKENS)
    with reading(engine) as session:
        return [
            TokenInfo(token.name, Scope(token.scope), token.user_email, token.created_by,
                      token.created_at, token.revoked_at,
                      tuple(token.sources) if token.sources is not None else None,
                      token.reviewer_identities)
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


class TokenRevoked(WorkbenchError):
    """A revoked token was presented."""


@dataclass(frozen=True)
class TokenLookup:
    """What the database says of a presented token: kept in a TokenCache for a few seconds."""

    name: str
    revoked: bool
    actor: Actor
    scope: Scope


def authenticate_token(
    engine: Engine, value: str, cache: TokenCache[TokenLookup] | None = None
) -> tuple[Actor, Scope] | None:
    """The actor a token acts as and its scope, or None for an unknown token. A revoked token is
    refused with TokenRevoked and audited: its holder is known, and its use is worth a look.

    With `cache` (the server's), a lookup is reused until the cache's bound passes, so revoking a
    token or a review token's user's role takes effect within it. Unknown tokens are not cached:
    guesses never repeat, and caching them would evict real tokens and delay a new token's use."""
    token_hash = hash_token(value)
    found = cache.get(token_hash) if cache is not None else None
    if found is None:
        found = _look_up_token(engine, token_hash)
        if found is None:
            return None
        if cache is not None:
            cache.put(token_hash, found)
    if found.revoked:
        record_refusal(engine, Actor(identity=f"token:{found.name}", roles=frozenset()),
                       "use of a revoked token", "api token")
        raise TokenRevoked("this token was revoked")
    return found.actor, found.scope


def cached_token(value: str, cache: TokenCache[TokenLookup]) -> tuple[Actor, Scope] | None:
    """The actor and scope of a token `cache` holds a live lookup of and that was not revoked;
    None when the database must be asked (`authenticate_token`). Never blocks: a server answers
    most requests from here without leaving its event loop."""
    found = cache.get(hash_token(value))
    if found is None or found.revoked:
        return None
    return found.actor, found.scope


def _look_up_token(engine: Engine, token_hash: str) -> TokenLookup | None:
    with reading(engine) as session:
        token = get_token_by_hash(session=session, token_hash=token_hash)
        if token is None:
            return None
        name, revoked = token.name, token.revoked_at is not None
        scope, email = Scope(token.scope), token.user_email
        sources = frozenset(token.sources) if token.sources is not None else None
        bounds = TokenBounds(sources, token.reviewer_identities)
    if scope is Scope.REVIEW and email and not revoked:
        # A review token is its user: their current roles, so revoking a role takes effect at once
        # (within the cache's bound on the server).
        return TokenLookup(name, revoked, Actor(identity=email, roles=granted_roles(engine, email)), scope)
    token_actor = Actor(identity=f"token:{name}", roles=frozenset(), scopes=frozenset({scope.value}),
                        bounds=bounds)
    return TokenLookup(name, revoked, token_actor, scope)
