"""Claims and leases: claim order, holding one item, expiry, renewal, and privacy of held items."""

from dataclasses import replace
from datetime import timedelta

import pytest

from review.clock import utcnow
from review.enums import Action, Queue, Role
from review.errors import LeaseLost, PermissionDenied
from review.policies import PolicyChange, set_policy
from review.queue import LEASE_DURATION, claim_next, held_item, renew_lease
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_record,
    stored_decisions,
)


def test_claims_take_the_highest_impact_first_then_the_oldest(engine):
    low, medium, unknown = (make_record(impact=i) for i in ("low", "medium", None))
    ingest(engine, low, medium, unknown)
    high_later = make_record(impact="high", confidence=0.99)
    ingest(engine, high_later)
    reviewer = make_actor(Role.REVIEWER)
    order = []
    while (held := claim_next(engine, reviewer)) is not None:
        order.append(held.external_id)
        decide_held(engine, reviewer, held)
    # Unknown impact counts as medium, so the older medium item comes first.
    assert order == [high_later["external_id"], medium["external_id"], unknown["external_id"],
                     low["external_id"]]


def test_claiming_again_returns_the_item_already_held(engine):
    ingest(engine, make_record(), make_record())
    reviewer = make_actor(Role.REVIEWER)
    first = claim(engine, reviewer)
    again = claim(engine, reviewer)
    assert (again.item_id, again.lease_id) == (first.item_id, first.lease_id)
    assert held_item(engine, reviewer) == first


def test_a_claim_shows_what_the_reviewer_needs(engine):
    record = make_record(input={"subject": "Refund"}, output={"category": "billing"},
                         confidence=0.42, impact="high")
    ingest(engine, record)
    now = utcnow()
    held = claim(engine, make_actor(Role.REVIEWER), now=now)
    assert (held.source, held.external_id, held.task) == (record["source"], record["external_id"],
                                                          record["task"])
    # The confidence stays hidden unless the policy opts in (tests/review/test_blind_samples.py).
    assert (held.input, held.output, held.confidence, held.impact) == (
        {"subject": "Refund"}, {"category": "billing"}, None, "high"
    )
    assert "wrong_content" in held.reason_codes
    assert held.lease_expires_at == now + LEASE_DURATION
    assert held.escalation is None


def test_a_reviewer_never_gets_an_item_another_reviewer_holds(engine):
    ingest(engine, make_record(), make_record())
    alice, bob, carol = (make_actor(Role.REVIEWER) for _ in range(3))
    a, b = claim(engine, alice), claim(engine, bob)
    assert a.item_id != b.item_id
    assert claim_next(engine, carol) is None
    assert held_item(engine, carol) is None


def test_an_empty_queue_gives_none(engine):
    assert claim_next(engine, make_actor(Role.REVIEWER)) is None


def test_an_expired_lease_lets_someone_else_claim_and_the_first_decision_then_fails(engine):
    ingest(engine, make_record())
    alice, bob = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    start = utcnow()
    a = claim(engine, alice, now=start)
    assert claim_next(engine, bob, now=start + LEASE_DURATION - timedelta(seconds=1)) is None

    later = start + LEASE_DURATION + timedelta(seconds=1)
    b = claim(engine, bob, now=later)
    assert b.item_id == a.item_id and b.lease_id != a.lease_id
    with pytest.raises(LeaseLost):
        decide_held(engine, alice, a, now=later + timedelta(seconds=1))
    assert stored_decisions(engine) == []
    decide_held(engine, bob, b, Action.REJECT, now=later + timedelta(seconds=2))
    assert [d.reviewer for d in stored_decisions(engine)] == [bob.identity]


def test_a_decision_after_the_lease_expired_fails_even_if_nobody_took_the_item(engine):
    ingest(engine, make_record())
    alice = make_actor(Role.REVIEWER)
    start = utcnow()
    held = claim(engine, alice, now=start)
    with pytest.raises(LeaseLost, match="expired"):
        decide_held(engine, alice, held, now=start + LEASE_DURATION)
    assert stored_decisions(engine) == []


def test_someone_elses_lease_id_is_not_accepted(engine):
    ingest(engine, make_record(), make_record())
    alice, bob = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    a, b = claim(engine, alice), claim(engine, bob)
    with pytest.raises(LeaseLost):
        decide_held(engine, bob, a)
    with pytest.raises(LeaseLost):
        decide_held(engine, alice, replace(b, item_id=a.item_id))
    with pytest.raises(LeaseLost):
        renew_lease(engine, bob, a.item_id, a.lease_id)


def test_renewing_a_lease_extends_it(engine):
    ingest(engine, make_record())
    alice, bob = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    start = utcnow()
    held = claim(engine, alice, now=start)
    renewed_at = start + LEASE_DURATION - timedelta(minutes=1)
    expires = renew_lease(engine, alice, held.item_id, held.lease_id, now=renewed_at)
    assert expires == renewed_at + LEASE_DURATION

    past_first_expiry = start + LEASE_DURATION + timedelta(minutes=1)
    assert claim_next(engine, bob, now=past_first_expiry) is None
    decide_held(engine, alice, held, now=past_first_expiry)
    assert len(stored_decisions(engine)) == 1


def test_an_expired_lease_cannot_be_renewed(engine):
    ingest(engine, make_record())
    alice = make_actor(Role.REVIEWER)
    start = utcnow()
    held = claim(engine, alice, now=start)
    with pytest.raises(LeaseLost):
        renew_lease(engine, alice, held.item_id, held.lease_id, now=start + LEASE_DURATION)


def test_renewing_needs_the_review_role(engine):
    ingest(engine, make_record())
    held = claim(engine, make_actor(Role.REVIEWER, identity="pat@example.com"))
    demoted = make_actor(identity="pat@example.com")
    with pytest.raises(PermissionDenied):
        renew_lease(engine, demoted, held.item_id, held.lease_id)


def test_a_reviewer_cannot_claim_from_the_escalations_queue(engine):
    with pytest.raises(PermissionDenied):
        claim_next(engine, make_actor(Role.REVIEWER), Queue.ESCALATIONS)


def test_the_review_queue_never_offers_escalated_items(engine):
    ingest(engine, make_record())
    reviewer = make_actor(Role.REVIEWER)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.ESCALATE)
    assert claim_next(engine, make_actor(Role.SENIOR)) is None


def _four_eyes_item(engine, **record: object) -> str:
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage",
               PolicyChange(four_eyes_high_impact=True))
    four_eyes = make_record(impact="high", **record)
    ingest(engine, four_eyes)
    return four_eyes["external_id"]


def test_the_first_of_two_reviewers_is_never_offered_the_item_again(engine):
    four_eyes = _four_eyes_item(engine)
    ordinary = make_record(impact="low")
    ingest(engine, ordinary)
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    held = claim(engine, first)
    assert (held.external_id, held.review_round) == (four_eyes, 1)
    decide_held(engine, first, held, Action.APPROVE)
    # The high-impact item still comes first in the queue, but not for the first reviewer.
    assert claim(engine, first).external_id == ordinary["external_id"]
    again = claim(engine, second)
    assert (again.external_id, again.review_round) == (four_eyes, 2)


def test_the_second_reviewer_sees_the_ai_output_and_not_the_first_decision(engine):
    _four_eyes_item(engine, output={"category": "account"})
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    decide_held(engine, first, claim(engine, first), Action.EDIT, output={"category": "billing"},
                rationale="Clearly a billing question.")
    held = claim(engine, second)
    assert held.output == {"category": "account"} and held.escalation is None
    assert "billing" not in repr(held) and first.identity not in repr(held)


def test_a_senior_who_reviewed_first_is_not_offered_the_escalated_second_review(engine):
    _four_eyes_item(engine)
    first_senior, reviewer, other_senior = (make_actor(Role.SENIOR), make_actor(Role.REVIEWER),
                                            make_actor(Role.SENIOR))
    decide_held(engine, first_senior, claim(engine, first_senior), Action.APPROVE)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.ESCALATE)
    assert claim_next(engine, first_senior, Queue.ESCALATIONS) is None
    taken = claim(engine, other_senior, Queue.ESCALATIONS)
    assert taken.escalation is not None and taken.escalation.by == reviewer.identity
