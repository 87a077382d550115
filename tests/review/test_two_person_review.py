"""Four-eyes on high impact and second reviews of audit samples: two people, independently."""

import json

import pytest
from sqlmodel import select

from review.decisions import DecisionRequest, decide
from review.enums import Action, ItemState, Queue, Role
from review.errors import LeaseLost
from review.export import export_rows
from review.feed import read_decision_feed
from review.policies import PolicyChange, set_policy
from review.queue import claim_next
from review.records import validate_record
from review.routing import PolicyRules, route_record
from review.webhooks import register_webhook
from storage.engine import reading
from storage.models import WebhookDelivery
from storage.repositories.export_rows import ExportFilter
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_record, stored_items

RULES = PolicyRules(threshold=0.8, audit_rate=1.0, paused=False)


def test_routing_asks_for_two_reviews_on_high_impact_only_with_four_eyes():
    record = validate_record(make_record(impact="high"))
    assert route_record(record, RULES).reviews_required == 1
    four_eyes = PolicyRules(0.8, 0.0, False, four_eyes_high_impact=True)
    assert route_record(record, four_eyes).reviews_required == 2
    assert route_record(validate_record(make_record(impact="low")), four_eyes).reviews_required == 1


def test_second_reviews_of_audit_samples_follow_the_rate_and_the_key():
    rules = PolicyRules(threshold=0.5, audit_rate=1.0, paused=False, second_review_rate=0.25)
    records = [validate_record(make_record(confidence=0.99)) for _ in range(4000)]
    decisions = [route_record(record, rules) for record in records]
    share = sum(decision.reviews_required == 2 for decision in decisions) / len(decisions)
    assert 0.22 < share < 0.28
    assert [route_record(record, rules) for record in records[:50]] == decisions[:50]


@pytest.fixture
def four_eyes(engine):
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(four_eyes_high_impact=True))
    register_webhook(engine, OPERATOR, "helpdesk-ai", "https://upstream.example.com/hook")
    ingest(engine, make_record(impact="high", output={"category": "account"}))
    return engine


def test_two_people_decide_a_four_eyes_item_and_the_second_decision_settles_it(four_eyes):
    engine = four_eyes
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    held = claim(engine, first)
    result = decide_held(engine, first, held, Action.EDIT, output={"category": "billing"})
    assert result.item_state is ItemState.PENDING
    assert claim_next(engine, first) is None  # never offered to the first reviewer again
    again = claim(engine, second)
    assert again.item_id == held.item_id
    assert again.output == {"category": "account"}  # the AI's output, not the first edit
    assert decide_held(engine, second, again, Action.APPROVE).item_state is ItemState.DECIDED
    decisions, _ = read_decision_feed(engine, OPERATOR, 0, 10)
    assert [(d["decision"], d["final"]) for d in decisions] == [("edited", False), ("approved", True)]
    rows = [row for _, row in export_rows(engine, OPERATOR, ExportFilter())]
    assert [(row["decision"], row["reviewer"]) for row in rows] == [("approved", second.identity)]
    with reading(engine) as session:
        payloads = [d.payload for d in session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert [p["final"] for p in payloads] == [False, True]
    assert json.dumps(payloads[-1]["final_output"]) == json.dumps({"category": "account"})


def test_the_first_reviewer_may_not_make_the_second_review(four_eyes):
    engine = four_eyes
    first = make_actor(Role.REVIEWER)
    held = claim(engine, first)
    decide_held(engine, first, held, Action.APPROVE)
    (item,) = stored_items(engine)
    assert item.first_reviewer == first.identity and item.state == ItemState.PENDING
    assert claim_next(engine, first) is None
    with pytest.raises(LeaseLost):  # the first review's lease ended with it
        decide(engine, first, DecisionRequest(item.id, held.lease_id, Action.APPROVE))


def test_an_escalation_in_the_first_round_is_settled_by_the_senior(four_eyes):
    engine = four_eyes
    reviewer, senior = make_actor(Role.REVIEWER), make_actor(Role.SENIOR)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.ESCALATE)
    decided = decide_held(engine, senior, claim(engine, senior, Queue.ESCALATIONS), Action.REJECT)
    assert decided.item_state is ItemState.DECIDED
    rows = [row for _, row in export_rows(engine, OPERATOR, ExportFilter())]
    assert [(row["decision"], row["escalated"]) for row in rows] == [("rejected", True)]
