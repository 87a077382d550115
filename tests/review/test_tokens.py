"""API tokens: bounds to sources and reviewer identities, stored, listed, audited and authenticated."""

import pytest

from review.audit import AuditAction, list_audit
from review.errors import InvalidRequest
from review.tokens import Scope, authenticate_token, create_token, list_token_info
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
