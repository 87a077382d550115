"""API tokens: bounds to sources and reviewer identities, stored, listed, audited and authenticated."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event

from review.audit import AuditAction, list_audit
from review.enums import Role
from review.errors import InvalidRequest
from review.roles import grant_role, revoke_role
from review.token_cache import CACHE_SECONDS, TokenCache
from review.tokens import (
    Scope,
    TokenLookup,
    TokenRevoked,
    authenticate_token,
    create_token,
    hash_token,
    list_token_info,
    revoke_token,
)
from tests.factories import OPERATOR


def test_a_token_bounded_to_sources_authenticates_as_an_actor_bounded_to_them(engine):
    value = create_token(engine, OPERATOR, "crm", Scope.INGEST, sources=["crm-ai", "billing-ai", "crm-ai"])
    found = authenticate_token(engine, value)
    assert found is not None
    actor, scope = found
    assert scope is Scope.INGEST and actor.bounds is not None
    assert actor.bounds.sources == frozenset({"crm-ai", "billing-ai"})
    assert actor.bounds.reviewer_identities is False
    [info] = list_token_info(engine, OPERATOR)
    assert (info.sources, info.reviewer_identities) == (("billing-ai", "crm-ai"), False)


def test_a_token_without_sources_sees_every_source_and_reviewers_by_pseudonym(engine):
    value = create_token(engine, OPERATOR, "reader", Scope.DECISIONS_READ)
    shown = create_token(engine, OPERATOR, "hr-reader", Scope.DECISIONS_READ, reviewer_identities=True)
    plain, with_identities = authenticate_token(engine, value), authenticate_token(engine, shown)
    assert plain is not None and with_identities is not None
    assert plain[0].bounds is not None and plain[0].bounds.sources is None
    assert not plain[0].bounds.reviewer_identities
    assert with_identities[0].bounds is not None and with_identities[0].bounds.reviewer_identities
    listed = {t.name: t.sources for t in list_token_info(engine, OPERATOR)}
    assert listed == {"reader": None, "hr-reader": None}


def test_a_review_token_acts_as_its_user_and_takes_no_bounds(engine):
    with pytest.raises(InvalidRequest) as sources:
        create_token(engine, OPERATOR, "bot", Scope.REVIEW, "ann@example.com", sources=["crm-ai"])
    with pytest.raises(InvalidRequest) as identities:
        create_token(engine, OPERATOR, "bot", Scope.REVIEW, "ann@example.com", reviewer_identities=True)
    assert (sources.value.field, identities.value.field) == ("source", "reviewer_identities")
    value = create_token(engine, OPERATOR, "bot", Scope.REVIEW, "ann@example.com")
    found = authenticate_token(engine, value)
    assert found is not None and found[0].bounds is None


def test_sources_are_bounded_in_nfc_like_the_records_sources(engine):
    value = create_token(engine, OPERATOR, "cafe", Scope.INGEST, sources=["cafe\u0301-ai"])
    found = authenticate_token(engine, value)
    assert found is not None and found[0].bounds is not None
    assert found[0].bounds.sources == {"caf\u00e9-ai"}


@pytest.mark.parametrize("sources", [[], [""], ["   "], ["x" * 201]], ids=["none", "empty", "blank", "long"])
def test_a_source_bound_that_names_no_source_is_refused(engine, sources):
    with pytest.raises(InvalidRequest) as refused:
        create_token(engine, OPERATOR, "crm", Scope.INGEST, sources=sources)
    assert refused.value.field == "source"
    assert list_token_info(engine, OPERATOR) == []


def test_creating_a_token_audits_its_sources_and_identities_flag(engine):
    create_token(engine, OPERATOR, "crm", Scope.INGEST, sources=["crm-ai"], reviewer_identities=True)
    create_token(engine, OPERATOR, "all", Scope.DECISIONS_READ)
    created = [e for e in list_audit(engine, OPERATOR) if e.action == AuditAction.TOKEN_CREATED]
    details = {entry.subject: entry.details for entry in created}
    assert details["token:crm"] == {"scope": "ingest", "user": None, "sources": ["crm-ai"],
                                    "reviewer_identities": True}
    assert details["token:all"] == {"scope": "decisions:read", "user": None, "sources": None,
                                    "reviewer_identities": False}


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _cache(clock: FakeClock, max_entries: int = 16) -> TokenCache[TokenLookup]:
    return TokenCache(max_entries=max_entries, clock=clock)


def test_a_token_used_twice_within_the_bound_is_looked_up_once(engine):
    value = create_token(engine, OPERATOR, "crm", Scope.INGEST, sources=["crm-ai"])
    clock = FakeClock()
    cache = _cache(clock)
    with counted_statements(engine) as first:
        found = authenticate_token(engine, value, cache)
    clock.now = CACHE_SECONDS - 0.1
    with counted_statements(engine) as second:
        again = authenticate_token(engine, value, cache)
    assert first and second == []
    assert found == again and found is not None and found[1] is Scope.INGEST
    assert hash_token(value) in cache and value not in cache


def test_a_revoked_token_is_refused_once_the_bound_passes_and_each_use_is_audited(engine):
    value = create_token(engine, OPERATOR, "crm", Scope.INGEST)
    clock = FakeClock()
    cache = _cache(clock)
    assert authenticate_token(engine, value, cache) is not None
    revoke_token(engine, OPERATOR, "crm")
    clock.now = CACHE_SECONDS - 0.1
    assert authenticate_token(engine, value, cache) is not None  # the documented bound
    clock.now = CACHE_SECONDS
    for _ in range(2):  # looked up afresh, then refused from the cache: audited both times
        with pytest.raises(TokenRevoked):
            authenticate_token(engine, value, cache)
    refusals = [e for e in list_audit(engine, OPERATOR)
                if e.action == AuditAction.REFUSED and e.actor == "token:crm"]
    assert len(refusals) == 2


def test_a_review_tokens_roles_follow_its_user_within_the_bound(engine):
    grant_role(engine, OPERATOR, "ann@example.com", Role.SENIOR)
    value = create_token(engine, OPERATOR, "bot", Scope.REVIEW, "ann@example.com")
    clock = FakeClock()
    cache = _cache(clock)
    found = authenticate_token(engine, value, cache)
    assert found is not None and found[0].roles == {Role.SENIOR}
    revoke_role(engine, OPERATOR, "ann@example.com", Role.SENIOR)
    clock.now = CACHE_SECONDS
    found = authenticate_token(engine, value, cache)
    assert found is not None and found[0].roles == frozenset()


def test_unknown_tokens_are_not_cached_and_the_cache_keeps_the_most_recently_used(engine):
    clock = FakeClock()
    cache = _cache(clock, max_entries=2)
    with counted_statements(engine) as first:
        assert authenticate_token(engine, "wbt_unknown", cache) is None
    with counted_statements(engine) as again:
        assert authenticate_token(engine, "wbt_unknown", cache) is None
    assert first and again == first and len(cache) == 0
    values = [create_token(engine, OPERATOR, f"t{n}", Scope.INGEST) for n in range(3)]
    for value in values[:2]:
        authenticate_token(engine, value, cache)
    authenticate_token(engine, values[0], cache)  # now the most recently used
    authenticate_token(engine, values[2], cache)
    assert len(cache) == 2 and hash_token(values[1]) not in cache
    assert hash_token(values[0]) in cache and hash_token(values[2]) in cache
