"""Audit samples are blind: a reviewer (page or API) cannot tell a sample from any other item."""

from typing import Any

from sqlalchemy import Engine

from api.handlers import claim_payload
from review.enums import Role, Route
from review.policies import PolicyChange, set_policy
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_audit_record,
    make_record,
    stored_item,
)

ROUTING_KEYS = {"route", "route_reason", "routing_reason", "confidence", "review_round"}


def _claimed_pair(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    """The claim payloads of an audit sample and of an ordinary low-confidence item."""
    sample, ordinary = make_audit_record(), make_record(confidence=0.3, impact="low")
    ingest(engine, sample, ordinary)
    assert stored_item(engine, sample["external_id"]).route == Route.AUDIT
    assert stored_item(engine, ordinary["external_id"]).route == Route.REVIEW
    payloads = [claim_payload(claim(engine, make_actor(Role.REVIEWER)))["item"] for _ in range(2)]
    by_id = {payload["external_id"]: payload for payload in payloads}
    return by_id[sample["external_id"]], by_id[ordinary["external_id"]]


def test_an_audit_sample_and_an_ordinary_item_have_the_same_fields_and_no_routing(engine):
    sample, ordinary = _claimed_pair(engine)
    assert set(sample) == set(ordinary)
    assert not ROUTING_KEYS & set(sample)
    assert "audit" not in repr(sample).lower() and "sample" not in repr(sample).lower()
    assert "0.97" not in repr(sample)


def test_a_policy_that_shows_confidence_shows_it_for_samples_and_ordinary_items_alike(engine):
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(show_confidence=True))
    sample, ordinary = _claimed_pair(engine)
    assert set(sample) == set(ordinary)
    assert (sample["confidence"], ordinary["confidence"]) == (0.97, 0.3)
    assert not {"route", "route_reason", "routing_reason"} & set(sample)


def test_hiding_confidence_again_takes_effect_for_waiting_items(engine):
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(show_confidence=True))
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(show_confidence=False))
    sample, ordinary = _claimed_pair(engine)
    assert "confidence" not in sample and "confidence" not in ordinary


def test_the_second_review_of_an_audit_sample_looks_like_a_first_review_of_an_ordinary_item(engine):
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(second_review_rate=1.0))
    ingest(engine, make_audit_record())
    first = make_actor(Role.REVIEWER)
    decide_held(engine, first, claim(engine, first))
    second = claim_payload(claim(engine, make_actor(Role.REVIEWER)))["item"]
    ingest(engine, make_record(confidence=0.3, impact="low"))
    ordinary = claim_payload(claim(engine, make_actor(Role.REVIEWER)))["item"]
    assert set(second) == set(ordinary)
    assert not ROUTING_KEYS & set(second)
