"""Deciding a held item: an immutable decision row, and the item's state derived in one transaction."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.enums import OUTCOME_OF_ACTION, Action, ItemState, Outcome
from review.errors import InvalidRequest, NotFound, PermissionDenied
from review.feed import is_final_decision
from review.permissions import Permission, require
from review.policy_scope import get_effective_policy
from review.queue import ensure_lease, release_lease, review_round_of
from review.records import check_json_value, check_text
from review.reviewer_agreement import same_answer
from review.webhooks import enqueue_deliveries
from storage.engine import writing
from storage.models import Decision, Item
from storage.repositories.decisions import get_decision_of_round
from storage.repositories.items import get_item_for_update

MAX_RATIONALE_LENGTH = 10_000


@dataclass(frozen=True)
class DecisionRequest:
    """What a reviewer submits for a held item."""

    item_id: int
    lease_id: str
    action: Action
    output: Any = None
    reason_code: str | None = None
    rationale: str | None = None


@dataclass(frozen=True)
class DecisionResult:
    """The stored decision, as the caller needs to report it."""

    decision_id: int
    item_id: int
    outcome: Outcome
    item_state: ItemState


def decide(
    engine: Engine, actor: Actor, request: DecisionRequest, now: datetime | None = None
) -> DecisionResult:
    """Record the actor's decision on an item they hold under a live lease."""
    require(actor, Permission.REVIEW)
    now = now or utcnow()
    with writing(engine) as session:
        item = get_item_for_update(session=session, item_id=request.item_id)
        if item is None:
            raise NotFound(f"item {request.item_id} does not exist")
        ensure_lease(item, actor, request.lease_id, now)
        _check_may_decide(actor, item, request.action)
        # The policy only matters for its reason codes: a plain approval never reads it.
        reason_codes = (
            get_effective_policy(session=session, source=item.source, task=item.task).reason_codes
            if needs_reason_code_check(request) else []
        )
        _check_request(request, item, reason_codes)
        decision = _decision_row(actor, item, request, now)
        decision.review_round = review_round_of(item)
        adjudicate = _disagrees_with_first_review(session, item, decision)
        if adjudicate:
            # Two reviews that disagree need a third decision, a senior's: the item's settling
            # rule (review_round = reviews_required) then makes neither review final.
            item.reviews_required = 3
        session.add(decision)
        _apply_to_item(item, decision, actor, now)
        session.add(item)
        session.flush()
        assert decision.id is not None and item.id is not None
        enqueue_deliveries(session, [(decision, item)], now)
        escalated = decision.outcome == Outcome.ESCALATED
        append_audit(
            session, actor, AuditAction.ITEM_ESCALATED if escalated else AuditAction.ITEM_DECIDED,
            f"item:{item.id}",
            {"decision_id": decision.id, "outcome": decision.outcome,
             "reason_code": decision.reason_code, **({"adjudication": True} if adjudicate else {})},
            now,
        )
        result = DecisionResult(decision.id, item.id, Outcome(decision.outcome), ItemState(item.state))
        session.commit()
        return result


def _check_may_decide(actor: Actor, item: Item, action: Action) -> None:
    # Four eyes: whoever made the first of two reviews settles the item in no queue.
    if item.first_reviewer is not None and item.first_reviewer == actor.identity:
        raise PermissionDenied("the second review must be made by someone else")
    if item.state in (ItemState.ESCALATED, ItemState.ADJUDICATION):
        require(actor, Permission.DECIDE_ESCALATIONS)
        # An adjudication's `escalated_by` is its second reviewer: neither reviewer settles it.
        if item.escalated_by == actor.identity:
            raise PermissionDenied("nobody may clear an item they escalated or reviewed themselves")
        if action is Action.ESCALATE:
            raise InvalidRequest("this item is with the seniors already", field="action")
    elif item.state != ItemState.PENDING:
        raise InvalidRequest(f"item {item.id} is {item.state} and cannot be decided")


def _check_request(request: DecisionRequest, item: Item, reason_codes: list[str]) -> None:
    problems = request_problems(request, reason_codes, item.output)
    if problems:
        field, message = next(iter(problems.items()))
        raise InvalidRequest(message, field=field)


def request_problems(request: DecisionRequest, reason_codes: list[str], ai_output: Any) -> dict[str, str]:
    """Everything wrong with a decision request, by field (`reason_code`, `rationale`, `output`),
    so a form can show every problem at once; `decide` refuses the first."""
    problems: dict[str, str] = {}
    if needs_reason_code_check(request):
        _collect(problems, "reason_code", _check_reason_code, request, reason_codes)
    if (request.rationale or "").strip() or request.action is not Action.APPROVE:
        _collect(problems, "rationale", _check_rationale, request)
    if request.action is Action.EDIT:
        _collect(problems, "output", _check_output, request, ai_output)
    return problems


def needs_reason_code_check(request: DecisionRequest) -> bool:
    """Whether the request's reason code is checked against the policy's: approve needs no reason,
    but one it is given is stored, so it is checked too."""
    return bool(request.reason_code) or request.action is not Action.APPROVE


def _collect(problems: dict[str, str], field: str, check: Any, *args: Any) -> None:
    try:
        check(*args)
    except InvalidRequest as error:
        problems[error.field or field] = str(error)


def _check_output(request: DecisionRequest, ai_output: Any) -> None:
    if request.output is None:
        raise InvalidRequest("an edit needs the corrected output", field="output")
    check_json_value("output", request.output)
    if _canonical(request.output) == _canonical(ai_output):
        raise InvalidRequest(
            "the corrected output is the same as the AI output; approve it instead", field="output"
        )


def _check_reason_code(request: DecisionRequest, reason_codes: list[str]) -> None:
    if not request.reason_code:
        raise InvalidRequest(f"{request.action.value} needs a reason code", field="reason_code")
    if request.reason_code not in reason_codes:
        raise InvalidRequest(
            f"unknown reason code {request.reason_code[:100]!r}; expected one of "
            + ", ".join(reason_codes),
            field="reason_code",
        )


def _check_rationale(request: DecisionRequest) -> None:
    if not request.rationale or not request.rationale.strip():
        raise InvalidRequest(f"{request.action.value} needs a rationale", field="rationale")
    if len(request.rationale) > MAX_RATIONALE_LENGTH:
        raise InvalidRequest(
            f"the rationale is longer than {MAX_RATIONALE_LENGTH} characters", field="rationale"
        )
    check_text("rationale", request.rationale)


def _disagrees_with_first_review(session: Session, item: Item, decision: Decision) -> bool:
    """Whether a second independent review disagrees with the first: another outcome, or two
    edits with different corrected outputs (compared as canonical JSON)."""
    if decision.review_round != 2 or decision.outcome == Outcome.ESCALATED:
        return False
    assert item.id is not None
    first = get_decision_of_round(session=session, item_id=item.id, review_round=1)
    if first is None:
        return False
    return not same_answer(first.outcome, first.output_after, decision.outcome, decision.output_after)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _decision_row(actor: Actor, item: Item, request: DecisionRequest, now: datetime) -> Decision:
    outcome = OUTCOME_OF_ACTION[request.action]
    after = request.output if outcome is Outcome.EDITED else item.output
    claimed_at = item.claimed_at or now
    assert item.id is not None
    return Decision(
        item_id=item.id,
        outcome=outcome,
        reviewer=actor.identity,
        reason_code=request.reason_code or None,
        rationale=(request.rationale or "").strip() or None,
        output_before=item.output,
        output_after=None if outcome is Outcome.REJECTED else after,
        review_seconds=max((now - claimed_at).total_seconds(), 0.0),
        decided_at=now,
        escalated=item.state == ItemState.ESCALATED,
    )


def _apply_to_item(item: Item, decision: Decision, actor: Actor, now: datetime) -> None:
    """Derive the item's state from its new decision and release the lease."""
    if decision.outcome == Outcome.ESCALATED:
        item.state = ItemState.ESCALATED
        item.escalated_by = actor.identity
    elif item.reviews_required == 3 and decision.review_round == 2:
        # The reviews disagree: to the seniors' queue, never to either reviewer.
        item.state = ItemState.ADJUDICATION
        item.escalated_by = actor.identity
    elif not is_final_decision(decision, item):
        # The first of two reviews: back to the queue for someone else, who sees the AI's output.
        item.first_reviewer = actor.identity
    else:
        item.state = ItemState.DECIDED
        item.decided_at = now
    release_lease(item)
