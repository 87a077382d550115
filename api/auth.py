"""Bearer-token authentication: which actor a request acts as, and whether its scope fits."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.engine import shared_engine
from api.errors import ApiError, ScopeRefused
from api.refusal_count import count_anonymous_refusal
from review.actors import Actor
from review.token_cache import TokenCache
from review.tokens import Scope, TokenLookup, TokenRevoked, authenticate_token, cached_token

# This process's token lookups: revocation reaches it within token_cache.CACHE_SECONDS.
_TOKENS: TokenCache[TokenLookup] = TokenCache()


async def authenticate(request: Request, allowed: frozenset[Scope]) -> Actor:
    """The actor behind the request's bearer token; 401 without a valid one, 403 for a wrong scope."""
    header = request.headers.get("authorization", "")
    kind, _, value = header.partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        count_anonymous_refusal(401, "no token")
        raise ApiError(401, "missing bearer token: send `Authorization: Bearer TOKEN`")
    # A token looked up in the last few seconds needs no worker thread (nor the database).
    found = cached_token(value.strip(), _TOKENS)
    if found is None:
        try:
            found = await run_in_threadpool(authenticate_token, shared_engine(), value.strip(), _TOKENS)
        except TokenRevoked:
            raise ApiError(401, "unknown or revoked token") from None  # audited by the domain
    if found is None:
        count_anonymous_refusal(401, "unknown token")
        raise ApiError(401, "unknown or revoked token")
    actor, scope = found
    if scope not in allowed:
        wanted = " or ".join(sorted(s.value for s in allowed))
        raise ScopeRefused(actor, f"this route needs a token with scope {wanted}; yours has {scope.value}")
    return actor
