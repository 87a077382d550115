"""Claiming work: short transactions that set a lease; no lock is held while a person reads."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.enums import ItemState, Outcome, Queue
from review.errors import LeaseLost
from review.permissions import Permission, require
from review.policies import sla_minutes_for
from review.policy_scope import get_effective_policy
from storage.engine import reading, writing
from storage.models import Decision, Item
from storage.repositories.items import (
    get_held_item,
    get_item_for_update,
    get_next_claimable_item,
)

LEASE_DURATION = timedelta(minutes=10)

# Seniors work escalations and adjudications (two independent reviews that disagreed) alike.
_STATES_OF_QUEUE: dict[Queue, tuple[str, ...]] = {
    Queue.REVIEW: (ItemState.PENDING.value,),
    Queue.ESCALATIONS: (ItemState.ESCALATED.value, ItemState.ADJUDICATION.value),
}
_PERMISSION_OF_QUEUE = {
    Queue.REVIEW: Permission.REVIEW,
    Queue.ESCALATIONS: Permission.DECIDE_ESCALATIONS,
}


@dataclass(frozen=True)
class Escalation:
    """Why an item was escalated and by whom."""

    by: str
    reason_code: str | None
    rationale: str | None


@dataclass(frozen=True)
class PriorDecision:
    """One of the two independent reviews a senior adjudicates: who decided what, and why."""

    review_round: int
    reviewer: str
    outcome: str
    reason_code: str | None
    rationale: str | None
    # The corrected output of an edit; None for an approval or a rejection.
    output: Any


@dataclass(frozen=True)
class HeldItem:
    """Everything a reviewer needs to decide an item they hold."""

    item_id: int
    lease_id: str
    lease_expires_at: datetime
    received_at: datetime
    # When the item passes its policy's SLA for its impact.
    sla_due_at: datetime
    source: str
    external_id: str
    task: str
    model_version: str | None
    input: Any
    output: Any
    # The model's confidence only when the item's policy opts in (`show_confidence`), else None.
    # Route and routing reason are never here: an audit sample must look like any other item,
    # or reviewers who know it was auto-approvable judge it differently and bias the error rate.
    confidence: float | None
    impact: str | None
    guidelines: str
    reason_codes: list[str]
    escalation: Escalation | None
    # 2 when this is the second of two independent reviews (the first reviewer's decision is
    # deliberately not shown: the second person judges the AI output on its own).
    review_round: int = 1
    # An adjudication (round 3) shows both independent reviews that disagreed; empty otherwise.
    prior_decisions: list[PriorDecision] = field(default_factory=list)


def claim_next(
    engine: Engine, actor: Actor, queue: Queue = Queue.REVIEW, now: datetime | None = None
) -> HeldItem | None:
    """Lease the next item of `queue` to the actor (or return the one they hold); None if empty."""
    require(actor, permission_of_queue(queue))
    now = now or utcnow()
    state = states_of_queue(queue)
    with writing(engine) as session:
        item = get_held_item(session=session, holder=actor.identity, state=state, now=now)
        if item is None:
            # Nobody clears their own escalation, so a senior never sees items they escalated (nor
            # adjudicates a disagreement they made the second review of: `escalated_by`); and
            # whoever made the first of two reviews never gets the item again, in either queue.
            escalations = queue is Queue.ESCALATIONS
            item = get_next_claimable_item(
                session=session, state=state, now=now,
                exclude_escalated_by=actor.identity if escalations else None,
                exclude_first_reviewer=actor.identity, exclude_skipped_by=actor.identity,
            )
            if item is None:
                return None
            _lease(item, actor, now)
            session.add(item)
            session.flush()
            append_audit(session, actor, AuditAction.ITEM_CLAIMED, f"item:{item.id}",
                         {"queue": queue.value}, now)
        held = _held_item(session, item)
        session.commit()
        return held


def held_item(
    engine: Engine, actor: Actor, queue: Queue = Queue.REVIEW, now: datetime | None = None
) -> HeldItem | None:
    """The item of `queue` the actor holds under a live lease, if any (read-only)."""
    require(actor, permission_of_queue(queue))
    with reading(engine) as session:
        item = get_held_item(
            session=session, holder=actor.identity, state=states_of_queue(queue), now=now or utcnow()
        )
        return None if item is None else _held_item(session, item)


def renew_lease(
    engine: Engine, actor: Actor, item_id: int, lease_id: str, now: datetime | None = None
) -> datetime:
    """Extend a live lease the actor holds; return its new expiry, or raise LeaseLost."""
    require(actor, Permission.REVIEW)
    now = now or utcnow()
    with writing(engine) as session:
        item = get_item_for_update(session=session, item_id=item_id)
        ensure_lease(item, actor, lease_id, now)
        assert item is not None
        item.lease_expires_at = now + LEASE_DURATION
        session.add(item)
        session.commit()
        return item.lease_expires_at


def release_lease(item: Item) -> None:
    """Free the item for the next claim."""
    item.lease_id = None
    item.lease_holder = None
    item.lease_expires_at = None
    item.claimed_at = None


def permission_of_queue(queue: Queue) -> Permission:
    """What a person needs to work `queue`."""
    return _PERMISSION_OF_QUEUE[queue]


def states_of_queue(queue: Queue) -> tuple[str, ...]:
    """The states of the items waiting in `queue`."""
    return _STATES_OF_QUEUE[queue]


def ensure_lease(item: Item | None, actor: Actor, lease_id: str, now: datetime) -> None:
    """Raise LeaseLost unless `actor` holds the live lease `lease_id` on `item`."""
    if item is None or item.lease_id != lease_id or item.lease_holder != actor.identity:
        raise LeaseLost("you do not hold this item; claim it again")
    if item.lease_expires_at is None or item.lease_expires_at <= now:
        raise LeaseLost("your lease on this item expired; claim it again")


def review_round_of(item: Item) -> int:
    """The round the next decision on a waiting item belongs to: 2 once a first review is in,
    3 for a senior's adjudication of two reviews that disagreed."""
    if item.state == ItemState.ADJUDICATION:
        return 3
    return 2 if item.state == ItemState.PENDING and item.first_reviewer is not None else 1


def _lease(item: Item, actor: Actor, now: datetime) -> None:
    item.lease_id = str(uuid.uuid4())
    item.lease_holder = actor.identity
    item.lease_expires_at = now + LEASE_DURATION
    item.claimed_at = now


def _held_item(session: Session, item: Item) -> HeldItem:
    assert item.id is not None and item.lease_id and item.lease_expires_at
    # Guidelines and reason codes come from the policy in force now, not the one that routed
    # the item: a lead's new reason code must be usable on items already waiting.
    policy = get_effective_policy(session=session, source=item.source, task=item.task)
    return HeldItem(
        item_id=item.id,
        lease_id=item.lease_id,
        lease_expires_at=item.lease_expires_at,
        received_at=item.received_at,
        sla_due_at=item.received_at + timedelta(minutes=sla_minutes_for(policy, item.impact)),
        source=item.source,
        external_id=item.external_id,
        task=item.task,
        model_version=item.model_version,
        input=item.input,
        output=item.output,
        confidence=item.confidence if policy.show_confidence else None,
        impact=item.impact,
        guidelines=policy.guidelines,
        reason_codes=list(policy.reason_codes),
        escalation=_escalation_of(session, item),
        review_round=review_round_of(item),
        prior_decisions=_prior_decisions_of(session, item),
    )


def _escalation_of(session: Session, item: Item) -> Escalation | None:
    if item.state != ItemState.ESCALATED:
        return None
    statement = (
        select(Decision)
        .where(Decision.item_id == item.id, Decision.outcome == Outcome.ESCALATED)
        .order_by(col(Decision.id).desc())
        .limit(1)
    )
    decision = session.exec(statement).first()
    if decision is None or decision.reviewer is None:
        return None
    return Escalation(decision.reviewer, decision.reason_code, decision.rationale)


def _prior_decisions_of(session: Session, item: Item) -> list[PriorDecision]:
    if item.state != ItemState.ADJUDICATION:
        return []
    statement = (
        select(Decision)
        .where(Decision.item_id == item.id, col(Decision.review_round).in_((1, 2)),
               Decision.outcome != Outcome.ESCALATED, col(Decision.escalated).is_(False))
        .order_by(col(Decision.id))
    )
    return [
        PriorDecision(decision.review_round, decision.reviewer or "", decision.outcome,
                      decision.reason_code, decision.rationale,
                      decision.output_after if decision.outcome == Outcome.EDITED else None)
        for decision in session.exec(statement)
    ]
