"""Decisions: what each action needs, escalation to seniors, and decisions as immutable history."""

from datetime import timedelta

import pytest

from review.clock import utcnow
from review.decisions import DecisionRequest, decide
from review.enums import Action, ItemState, Outcome, Queue, Role
from review.errors import InvalidRequest, LeaseLost, PermissionDenied
from review.export import export_rows
from review.policies import PolicyChange, set_policy
from review.queue import claim_next, held_item
from storage.repositories.export_rows import ExportFilter
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


def _one_held(engine, role: Role = Role.REVIEWER, **record: object):
    ingest(engine, make_record(**record))
    actor = make_actor(role)
    return actor, claim(engine, actor)


def _export(engine):
    return [row for _, row in export_rows(engine, OPERATOR, ExportFilter())]


def test_approve_needs_nothing_and_keeps_the_ai_output(engine):
    actor, held = _one_held(engine, output={"category": "account"})
    result = decide(engine, actor, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))
    assert (result.outcome, result.item_state) == (Outcome.APPROVED, ItemState.DECIDED)
    [row] = _export(engine)
    assert (row["decision"], row["final_output"], row["reason_code"], row["rationale"]) == (
        "approved", {"category": "account"}, None, None
    )
    assert row["reviewer"] == actor.identity and row["escalated"] is False


@pytest.mark.parametrize("action", [Action.EDIT, Action.REJECT, Action.ESCALATE])
def test_edit_reject_and_escalate_need_a_known_reason_and_a_rationale(engine, action):
    actor, held = _one_held(engine)
    output = {"category": "billing"} if action is Action.EDIT else None
    refusals = [
        ({"reason_code": None, "rationale": "Because."}, "reason_code"),
        ({"reason_code": "made_up", "rationale": "Because."}, "reason_code"),
        ({"reason_code": "tone", "rationale": None}, "rationale"),
        ({"reason_code": "tone", "rationale": "   \n"}, "rationale"),
        ({"reason_code": "tone", "rationale": "x" * 10_001}, "rationale"),
    ]
    for fields, field in refusals:
        request = DecisionRequest(held.item_id, held.lease_id, action, output=output, **fields)
        with pytest.raises(InvalidRequest) as caught:
            decide(engine, actor, request)
        assert caught.value.field == field
    # Refused every time: no decision, and the reviewer still holds the item, undecided.
    assert stored_decisions(engine) == []
    assert held_item(engine, actor) == held
    assert stored_item(engine, held.external_id).state == ItemState.PENDING

    request = DecisionRequest(held.item_id, held.lease_id, action, output=output,
                              reason_code="tone", rationale="  Too curt.  ")
    decide(engine, actor, request)
    [decision] = stored_decisions(engine)
    assert (decision.reason_code, decision.rationale) == ("tone", "Too curt.")


def test_an_edit_must_change_the_output(engine):
    actor, held = _one_held(engine, output={"category": "account", "urgent": False})
    for same in ({"urgent": False, "category": "account"}, None):
        with pytest.raises(InvalidRequest) as caught:
            decide_held(engine, actor, held, Action.EDIT, output=same)
        assert caught.value.field == "output"
    assert stored_decisions(engine) == []
    result = decide_held(engine, actor, held, Action.EDIT, output={"category": "billing"})
    assert result.outcome == Outcome.EDITED
    [row] = _export(engine)
    assert row["ai_output"] == {"category": "account", "urgent": False}
    assert row["final_output"] == {"category": "billing"}


def test_a_rejection_has_no_final_output(engine):
    actor, held = _one_held(engine)
    decide_held(engine, actor, held, Action.REJECT, reason_code="hallucination")
    [row] = _export(engine)
    assert (row["decision"], row["final_output"], row["reason_code"]) == (
        "rejected", None, "hallucination"
    )


def test_an_approval_may_carry_a_known_reason_but_not_an_unknown_one(engine):
    actor, held = _one_held(engine)
    for bad in ({"reason_code": "x" * 500}, {"rationale": "x" * 10_001},
                {"rationale": "null\x00byte"}):
        with pytest.raises(InvalidRequest):
            decide_held(engine, actor, held, **bad)
    decide_held(engine, actor, held, reason_code="other", rationale="Fine as it is.")
    [decision] = stored_decisions(engine)
    assert (decision.reason_code, decision.rationale) == ("other", "Fine as it is.")


def test_values_no_database_can_store_are_refused_not_crashed_on(engine):
    actor, held = _one_held(engine)
    for fields in ({"output": {"text": "nul\x00"}}, {"output": [float("nan")]},
                   {"output": "\ud800"}, {"rationale": "a\x00b"}, {"rationale": "\udc00"}):
        with pytest.raises(InvalidRequest):
            decide_held(engine, actor, held, Action.EDIT, **fields)
    assert held_item(engine, actor) == held


def test_an_edit_can_reach_any_json_shape(engine):
    actor, held = _one_held(engine)
    decide_held(engine, actor, held, Action.EDIT, output=["a", 1, None, {"b": [True]}])
    assert _export(engine)[0]["final_output"] == ["a", 1, None, {"b": [True]}]


def test_a_decided_item_cannot_be_decided_again(engine):
    actor, held = _one_held(engine)
    decide_held(engine, actor, held)
    with pytest.raises(LeaseLost):
        decide_held(engine, actor, held, Action.REJECT)
    assert len(stored_decisions(engine)) == 1


def test_an_escalated_item_goes_to_a_senior_who_decides_it(engine):
    reviewer, held = _one_held(engine)
    result = decide_held(engine, reviewer, held, Action.ESCALATE, reason_code="policy_violation",
                         rationale="Might leak data; not sure.")
    assert (result.outcome, result.item_state) == (Outcome.ESCALATED, ItemState.ESCALATED)
    assert claim_next(engine, reviewer) is None
    assert _export(engine) == []

    senior = make_actor(Role.SENIOR)
    taken = claim(engine, senior, Queue.ESCALATIONS)
    assert taken.item_id == held.item_id
    assert taken.escalation is not None
    assert (taken.escalation.by, taken.escalation.reason_code, taken.escalation.rationale) == (
        reviewer.identity, "policy_violation", "Might leak data; not sure."
    )
    decide_held(engine, senior, taken, Action.EDIT, output={"category": "security"})

    escalate_row, final_row = stored_decisions(engine, held.item_id)
    assert (escalate_row.outcome, escalate_row.reviewer, escalate_row.escalated) == (
        "escalated", reviewer.identity, False
    )
    assert (final_row.outcome, final_row.reviewer, final_row.escalated) == (
        "edited", senior.identity, True
    )
    [row] = _export(engine)
    assert (row["decision"], row["reviewer"], row["escalated"]) == ("edited", senior.identity, True)
    assert claim_next(engine, senior, Queue.ESCALATIONS) is None


def test_an_escalated_item_cannot_be_escalated_again(engine):
    reviewer, held = _one_held(engine)
    decide_held(engine, reviewer, held, Action.ESCALATE)
    senior = make_actor(Role.SENIOR)
    taken = claim(engine, senior, Queue.ESCALATIONS)
    with pytest.raises(InvalidRequest):
        decide_held(engine, senior, taken, Action.ESCALATE)
    assert len(stored_decisions(engine)) == 1


def test_a_senior_who_escalated_is_never_offered_the_item_nor_may_decide_it(engine):
    senior, held = _one_held(engine, Role.SENIOR)
    decide_held(engine, senior, held, Action.ESCALATE)
    assert claim_next(engine, senior, Queue.ESCALATIONS) is None
    with pytest.raises((PermissionDenied, LeaseLost)):
        decide_held(engine, senior, held)

    other = make_actor(Role.SENIOR)
    taken = claim(engine, other, Queue.ESCALATIONS)
    with pytest.raises((PermissionDenied, LeaseLost)):
        decide_held(engine, senior, taken)
    decide_held(engine, other, taken)
    assert [d.reviewer for d in stored_decisions(engine)] == [senior.identity, other.identity]


def test_a_plain_reviewer_cannot_decide_an_escalation(engine):
    reviewer, held = _one_held(engine)
    decide_held(engine, reviewer, held, Action.ESCALATE)
    with pytest.raises(PermissionDenied):
        claim_next(engine, reviewer, Queue.ESCALATIONS)


def test_review_time_is_measured_from_the_claim(engine):
    ingest(engine, make_record())
    reviewer = make_actor(Role.REVIEWER)
    start = utcnow()
    held = claim(engine, reviewer, now=start)
    decide_held(engine, reviewer, held, now=start + timedelta(seconds=90))
    [row] = _export(engine)
    assert row["review_seconds"] == pytest.approx(90)


def _four_eyes_item(engine, **record: object) -> int:
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage",
               PolicyChange(four_eyes_high_impact=True))
    four_eyes = make_record(impact="high", **record)
    ingest(engine, four_eyes)
    item = stored_item(engine, four_eyes["external_id"])
    assert item.id is not None and item.reviews_required == 2
    return item.id


def test_two_people_who_agree_on_a_four_eyes_item_settle_it_with_the_second_decision(engine):
    item_id = _four_eyes_item(engine, output={"category": "account"})
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    held = claim(engine, first)
    result = decide_held(engine, first, held, Action.EDIT, output={"category": "billing"})
    assert (result.outcome, result.item_state) == (Outcome.EDITED, ItemState.PENDING)
    waiting = stored_item(engine, held.external_id)
    assert (waiting.state, waiting.first_reviewer, waiting.lease_holder) == (
        "pending", first.identity, None
    )
    assert _export(engine) == []  # not decided yet
    assert claim_next(engine, first) is None

    again = claim(engine, second)
    assert (again.item_id, again.output) == (item_id, {"category": "account"})
    # The same correction: the reviews agree, so the second decision settles the item.
    result = decide_held(engine, second, again, Action.EDIT, output={"category": "billing"})
    assert (result.outcome, result.item_state) == (Outcome.EDITED, ItemState.DECIDED)
    rows = [(d.review_round, d.outcome, d.reviewer) for d in stored_decisions(engine, item_id)]
    assert rows == [(1, "edited", first.identity), (2, "edited", second.identity)]
    [row] = _export(engine)
    assert (row["decision"], row["reviewer"], row["final_output"]) == (
        "edited", second.identity, {"category": "billing"}
    )


def test_the_first_reviewer_cannot_decide_the_second_round_with_their_old_lease(engine):
    _four_eyes_item(engine)
    first = make_actor(Role.REVIEWER)
    held = claim(engine, first)
    decide_held(engine, first, held)
    with pytest.raises(LeaseLost):
        decide_held(engine, first, held)
    assert [d.review_round for d in stored_decisions(engine)] == [1]


def test_an_escalation_in_the_first_round_is_settled_by_the_senior(engine):
    item_id = _four_eyes_item(engine)
    reviewer, senior = make_actor(Role.REVIEWER), make_actor(Role.SENIOR)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.ESCALATE)
    assert claim_next(engine, make_actor(Role.REVIEWER)) is None  # not back in the review queue
    taken = claim(engine, senior, Queue.ESCALATIONS)
    assert taken.review_round == 1
    result = decide_held(engine, senior, taken, Action.REJECT)
    assert result.item_state is ItemState.DECIDED
    rows = [(d.review_round, d.outcome, d.escalated) for d in stored_decisions(engine, item_id)]
    assert rows == [(1, "escalated", False), (1, "rejected", True)]
    [row] = _export(engine)
    assert (row["decision"], row["reviewer"], row["escalated"]) == ("rejected", senior.identity, True)


def test_an_escalation_in_the_second_round_is_settled_by_the_senior(engine):
    item_id = _four_eyes_item(engine)
    first, second, senior = (make_actor(Role.REVIEWER), make_actor(Role.REVIEWER),
                             make_actor(Role.SENIOR))
    decide_held(engine, first, claim(engine, first), Action.APPROVE)
    result = decide_held(engine, second, claim(engine, second), Action.ESCALATE)
    assert result.item_state is ItemState.ESCALATED
    decide_held(engine, senior, claim(engine, senior, Queue.ESCALATIONS), Action.APPROVE)
    rows = [(d.review_round, d.outcome, d.reviewer) for d in stored_decisions(engine, item_id)]
    assert rows[:2] == [(1, "approved", first.identity), (2, "escalated", second.identity)]
    assert rows[2][1:] == ("approved", senior.identity)
    [row] = _export(engine)
    assert (row["decision"], row["reviewer"], row["escalated"]) == ("approved", senior.identity, True)
