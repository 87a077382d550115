"""Adjudication: two independent reviews that disagree go to a senior who reviewed neither, whose
decision settles the item; agreeing reviews are settled by the second; per-reviewer agreement."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from review.actors import Actor
from review.enums import Action, ItemState, Queue, Role
from review.errors import InvalidRequest
from review.export import export_rows
from review.feed import is_final_decision, item_status, read_decision_feed
from review.metrics import dashboard_metrics
from review.policies import PolicyChange, set_policy
from review.queue import PriorDecision, claim_next
from review.queue_counts import queue_counts
from review.reviewer_agreement import agreement_with_settled_answers
from review.tokens import Scope
from storage.engine import reading, writing
from storage.models import Decision, Item
from storage.repositories.decisions import settles_its_item
from storage.repositories.export_rows import ExportFilter
from storage.repositories.metrics import MetricsFilter
from storage.repositories.snapshot_metrics import count_outcomes_by_reviewer
from storage.snapshot import refreshed_snapshot
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_record,
    stored_decisions,
    stored_item,
)

READER = Actor(identity="token:upstream", roles=frozenset(),
               scopes=frozenset({Scope.DECISIONS_READ.value}))
WHY = "The output does not match the input."


def _four_eyes_item(engine, output=None) -> str:
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(four_eyes_high_impact=True))
    record = make_record(impact="high", output=output or {"category": "account"})
    ingest(engine, record)
    return str(record["external_id"])


def _export(engine) -> list[dict]:
    return [row for _, row in export_rows(engine, OPERATOR, ExportFilter())]


def test_disagreeing_reviews_go_to_a_senior_who_reviewed_neither_and_whose_decision_settles(engine):
    external_id = _four_eyes_item(engine)
    # Both reviewers are seniors themselves: still, neither may adjudicate their own disagreement.
    first, second, senior = (make_actor(Role.SENIOR), make_actor(Role.SENIOR), make_actor(Role.SENIOR))
    decide_held(engine, first, claim(engine, first), Action.APPROVE)
    result = decide_held(engine, second, claim(engine, second), Action.REJECT, reason_code="tone",
                         rationale="Rude <b>reply</b>")
    assert result.item_state is ItemState.ADJUDICATION
    assert _export(engine) == []
    for reviewer in (first, second):
        assert claim_next(engine, reviewer, Queue.REVIEW) is None
        assert claim_next(engine, reviewer, Queue.ESCALATIONS) is None

    held = claim(engine, senior, Queue.ESCALATIONS)
    assert (held.review_round, held.escalation, held.output) == (3, None, {"category": "account"})
    assert held.prior_decisions == [
        PriorDecision(1, first.identity, "approved", None, None, None),
        PriorDecision(2, second.identity, "rejected", "tone", "Rude <b>reply</b>", None),
    ]
    with pytest.raises(InvalidRequest):
        decide_held(engine, senior, held, Action.ESCALATE)
    result = decide_held(engine, senior, held, Action.EDIT, output={"category": "billing"})
    assert result.item_state is ItemState.DECIDED
    rows = [(d.review_round, d.outcome, d.reviewer) for d in stored_decisions(engine)]
    assert rows == [(1, "approved", first.identity), (2, "rejected", second.identity),
                    (3, "edited", senior.identity)]

    [row] = _export(engine)
    assert (row["decision"], row["reviewer"], row["final_output"]) == (
        "edited", senior.identity, {"category": "billing"})
    feed, _ = read_decision_feed(engine, READER, 0, limit=10)
    assert [(entry["decision"], entry["final"]) for entry in feed] == [
        ("approved", False), ("rejected", False), ("edited", True)]
    status = item_status(engine, READER, "helpdesk-ai", external_id)
    assert (status["state"], status["decision"]["final_output"]) == ("decided", {"category": "billing"})


def test_two_edits_disagree_on_a_different_output_but_not_on_key_order(engine):
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    _four_eyes_item(engine, output={"category": "account", "priority": "low"})
    decide_held(engine, first, claim(engine, first), Action.EDIT,
                output={"category": "x", "priority": "high"})
    same = decide_held(engine, second, claim(engine, second), Action.EDIT,
                       output={"priority": "high", "category": "x"})
    assert same.item_state is ItemState.DECIDED  # agreed: round 2 settles

    other = _four_eyes_item(engine, output={"category": "account"})
    decide_held(engine, first, claim(engine, first), Action.EDIT, output={"category": "x"})
    different = decide_held(engine, second, claim(engine, second), Action.EDIT, output={"category": "y"})
    assert different.item_state is ItemState.ADJUDICATION
    assert stored_item(engine, other).state == "adjudication"
    held = claim(engine, make_actor(Role.SENIOR), Queue.ESCALATIONS)
    assert [(p.reviewer, p.output) for p in held.prior_decisions] == [
        (first.identity, {"category": "x"}), (second.identity, {"category": "y"})]


def test_an_escalation_in_round_one_goes_to_seniors_and_is_not_an_adjudication(engine):
    _four_eyes_item(engine)
    reviewer, senior = make_actor(Role.REVIEWER), make_actor(Role.SENIOR)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.ESCALATE)
    held = claim(engine, senior, Queue.ESCALATIONS)
    assert (held.review_round, held.prior_decisions) == (1, [])
    assert held.escalation is not None and held.escalation.by == reviewer.identity
    decide_held(engine, senior, held, Action.APPROVE)
    feed, _ = read_decision_feed(engine, READER, 0, limit=10)
    assert [(entry["decision"], entry["final"]) for entry in feed] == [
        ("escalated", False), ("approved", True)]
    [row] = _export(engine)
    assert (row["reviewer"], row["escalated"]) == (senior.identity, True)


def test_adjudications_wait_in_the_escalations_queue_and_its_counts(engine):
    _four_eyes_item(engine)
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    decide_held(engine, first, claim(engine, first), Action.APPROVE)
    decide_held(engine, second, claim(engine, second), Action.REJECT)
    senior = make_actor(Role.SENIOR)
    assert queue_counts(engine, senior, Queue.ESCALATIONS).waiting == 1
    assert queue_counts(engine, senior, Queue.REVIEW).waiting == 0


# (reviews_required, review_round, escalated, outcome) -> settles its item, by hand.
SETTLES = [
    ((1, 1, False, "approved"), True),
    ((1, 1, True, "rejected"), True),  # a senior's decision on an escalation
    ((1, 1, False, "escalated"), False),
    ((2, 1, False, "approved"), False),  # first of two
    ((2, 2, False, "edited"), True),  # the agreeing second
    ((2, 2, False, "escalated"), False),
    ((2, 1, True, "approved"), True),  # a senior's, after an escalation in either round
    ((3, 1, False, "approved"), False),  # first of two that disagreed
    ((3, 2, False, "rejected"), False),  # second of two that disagreed
    ((3, 3, False, "edited"), True),  # the senior's adjudication
]


def test_the_python_sqlalchemy_and_duckdb_settle_rules_agree_with_the_truth_table(engine):
    ingest(engine, *[make_record(external_id=f"tt-{n}") for n in range(len(SETTLES))])
    now = stored_item(engine, "tt-0").received_at + timedelta(minutes=1)
    with writing(engine) as session:
        for n, ((required, review_round, escalated, outcome), _) in enumerate(SETTLES):
            item = session.exec(select(Item).where(Item.external_id == f"tt-{n}")).one()
            item.reviews_required = required
            session.add(item)
            assert item.id is not None
            session.add(Decision(item_id=item.id, outcome=outcome, reviewer=f"case-{n}",
                                 decided_at=now, escalated=escalated, review_round=review_round))
        session.commit()
    expected = {f"case-{n}" for n, (_, settles) in enumerate(SETTLES) if settles}
    with reading(engine) as session:
        pairs = list(session.exec(select(Decision, Item).join(Item, col(Item.id) == col(Decision.item_id))))
        in_python = {d.reviewer for d, item in pairs if is_final_decision(d, item)}
        statement = (select(Decision.reviewer).join(Item, col(Item.id) == col(Decision.item_id))
                     .where(col(Decision.outcome) != "escalated", settles_its_item()))
        in_sql = set(session.exec(statement))
    counted = count_outcomes_by_reviewer(refreshed_snapshot(engine), MetricsFilter())
    in_duckdb = {reviewer for reviewer, outcome, _ in counted if outcome != "escalated"}
    assert in_python == in_sql == in_duckdb == expected


def _review_pair(engine, first, second, first_action, second_action, first_output=None,
                 second_output=None) -> None:
    _four_eyes_item(engine)
    decide_held(engine, first, claim(engine, first), first_action,
                **({"output": first_output} if first_output else {}))
    decide_held(engine, second, claim(engine, second), second_action,
                **({"output": second_output} if second_output else {}))


def test_each_reviewers_agreement_with_settled_answers_is_computed_by_hand(engine):
    alice, bob, carol = (make_actor(Role.REVIEWER, identity="alice@example.com"),
                         make_actor(Role.REVIEWER, identity="bob@example.com"), make_actor(Role.SENIOR))
    # A: both approve; the second settles it. Alice and Bob match.
    _review_pair(engine, alice, bob, Action.APPROVE, Action.APPROVE)
    # B: Bob approves, Alice rejects; Carol rejects. Alice matches, Bob does not.
    _review_pair(engine, bob, alice, Action.APPROVE, Action.REJECT)
    decide_held(engine, carol, claim(engine, carol, Queue.ESCALATIONS), Action.REJECT)
    # C: both edit, to different outputs; Carol picks Bob's. Bob matches, Alice does not.
    _review_pair(engine, alice, bob, Action.EDIT, Action.EDIT, {"category": "x"}, {"category": "y"})
    decide_held(engine, carol, claim(engine, carol, Queue.ESCALATIONS), Action.EDIT, output={"category": "y"})
    # D: Alice approves, Bob escalates; Carol approves. Alice matches; an escalation is no answer.
    _review_pair(engine, alice, bob, Action.APPROVE, Action.ESCALATE)
    decide_held(engine, carol, claim(engine, carol, Queue.ESCALATIONS), Action.APPROVE)
    # E: waiting for adjudication: nothing settled, so nobody is scored on it.
    _review_pair(engine, alice, bob, Action.APPROVE, Action.REJECT)

    lead = make_actor(Role.LEAD)
    by_reviewer = {row.reviewer: row.agreement for row in
                   agreement_with_settled_answers(engine, lead, MetricsFilter())}
    assert set(by_reviewer) == {"alice@example.com", "bob@example.com"}
    alice_rate, bob_rate = by_reviewer["alice@example.com"], by_reviewer["bob@example.com"]
    assert (alice_rate.successes, alice_rate.total) == (3, 4)
    assert (bob_rate.successes, bob_rate.total) == (2, 3)
    # Wilson 95%: centre (p + z²/2n) / (1 + z²/n), half-width z·√(p(1-p)/n + z²/4n²) / (1 + z²/n).
    assert alice_rate.low == pytest.approx(0.3006, abs=1e-4)
    assert alice_rate.high == pytest.approx(0.9544, abs=1e-4)
    assert bob_rate.low == pytest.approx(0.2077, abs=1e-4)
    assert bob_rate.high == pytest.approx(0.9385, abs=1e-4)

    # The pairs of A, B, C and E all count; C's edits differ in output, so only A agrees.
    [agreement] = dashboard_metrics(engine, lead, MetricsFilter()).agreement
    assert (agreement.pairs, agreement.percent) == (4, 1 / 4)
