"""`workbench demo`: synthetic items with a plausible decision history, through the real routing."""

import copy
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session

from review.actors import Actor
from review.clock import utcnow
from review.demo_records import GUIDELINES, SYSTEMS, demo_record
from review.enums import ItemState, Outcome, Role, Route
from review.ingest import item_row
from review.permissions import Permission, require
from review.policies import PolicyChange, set_policy
from review.policy_scope import get_effective_policy
from review.records import validate_record
from review.roles import grant_role
from storage.engine import reading, writing
from storage.models import Decision, Policy
from storage.repositories.items import count_items, insert_new_items

DEMO_USERS = {
    "reviewer@example.com": Role.REVIEWER,
    "reviewer2@example.com": Role.REVIEWER,
    "senior@example.com": Role.SENIOR,
    "lead@example.com": Role.LEAD,
    "data@example.com": Role.DATA,
    "admin@example.com": Role.ADMIN,
}
_DECIDERS = ("reviewer@example.com", "reviewer2@example.com", "senior@example.com")
_BATCH = 5000


@dataclass(frozen=True)
class DemoReport:
    """What the demo loaded."""

    items: int
    decisions: int


def load_demo(
    engine: Engine, actor: Actor, items: int = 500, days: int = 30, seed: int = 7,
    now: datetime | None = None,
) -> DemoReport:
    """Grant one demo user per role, set per-task policies, and load `items` items over `days`."""
    require(actor, Permission.INGEST)
    require(actor, Permission.MANAGE_ROLES)
    now = now or utcnow()
    for email, role in DEMO_USERS.items():
        grant_role(engine, actor, email, role)
    for source, task, _versions in SYSTEMS:
        # Moderation asks for four eyes on high impact; every task has some audits reviewed
        # twice, so reviewer agreement has data.
        set_policy(engine, actor, source, task, PolicyChange(
            guidelines=GUIDELINES[task], second_review_rate=0.3,
            four_eyes_high_impact=task == "content-moderation",
        ))
    rng = random.Random(seed)
    offset = _next_demo_index(engine)
    stored = decisions = 0
    for start in range(0, items, _BATCH):
        count = min(_BATCH, items - start)
        with writing(engine) as session:
            new, made = _load_batch(session, rng, offset + start, count, days, now)
            session.commit()
        stored, decisions = stored + new, decisions + made
    return DemoReport(items=stored, decisions=decisions)


def _next_demo_index(engine: Engine) -> int:
    """Demo external ids continue after earlier loads, so loading twice adds items."""
    with reading(engine) as session:
        return count_items(session=session)


def _load_batch(
    session: Session, rng: random.Random, first: int, count: int, days: int, now: datetime
) -> tuple[int, int]:
    policies: dict[tuple[str, str], Policy] = {}
    rows, fates = [], []
    for index in range(first, first + count):
        record = validate_record(demo_record(rng, index))
        key = (record.source, record.task)
        if key not in policies:
            policies[key] = get_effective_policy(session=session, source=key[0], task=key[1])
        received_at = now - timedelta(seconds=rng.uniform(0, days * 86400))
        row = item_row(record, policies[key], received_at)
        fate = _history(rng, row, now)
        rows.append(row)
        fates.append(fate)
    ids = insert_new_items(session=session, rows=rows)
    decision_rows = []
    for row, fate in zip(rows, fates, strict=True):
        item_id = ids.get((row["source"], row["external_id"]))
        if item_id is not None:
            decision_rows += [dict(decision, item_id=item_id) for decision in fate]
    if decision_rows:
        session.execute(insert(Decision), decision_rows)
    return len(ids), len(decision_rows)


def _history(rng: random.Random, row: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Decision rows for one item, updating the row's state to match them."""
    received: datetime = row["received_at"]
    if row["route"] == Route.AUTO:
        return [_decision(row, Outcome.APPROVED, None, received, None)]
    age = now - received
    if age < timedelta(hours=20) or rng.random() < 0.05:
        if rng.random() < 0.03:
            return _escalate_only(rng, row, received)
        return []
    decided_at = received + timedelta(minutes=rng.uniform(5, 600))
    history: list[dict[str, Any]] = []
    if rng.random() < 0.03:
        history = _escalate_only(rng, row, received)
        decider = "senior@example.com"
    else:
        decider = rng.choice(_DECIDERS)
    if row["reviews_required"] == 2 and not history:
        history += _first_of_two(rng, row, decider, decided_at)
        decider = next(person for person in _DECIDERS if person != decider)
        decided_at += timedelta(minutes=rng.uniform(5, 120))
    if row["first_reviewer"]:
        final = _second_review(rng, row, history[-1], decider, decided_at)
        if final["outcome"] != history[-1]["outcome"]:
            # The two disagree: someone senior who made neither review adjudicates (round 3).
            history.append(final)
            row["reviews_required"], row["escalated_by"] = 3, decider
            reviewers = {row["first_reviewer"], decider}
            senior = "senior@example.com" if "senior@example.com" not in reviewers else "lead@example.com"
            decided_at += timedelta(minutes=rng.uniform(10, 240))
            final = _final(rng, row, senior, decided_at, escalated=False)
            final["review_round"] = 3
    else:
        final = _final(rng, row, decider, decided_at, escalated=bool(history))
    history.append(final)
    row["state"] = ItemState.DECIDED.value
    row["decided_at"] = decided_at
    return history


_HUMAN_OUTCOMES = (Outcome.APPROVED, Outcome.EDITED, Outcome.REJECTED)


def _second_review(
    rng: random.Random, row: dict[str, Any], first: dict[str, Any], reviewer: str, at: datetime
) -> dict[str, Any]:
    """The second of two independent reviews: it agrees with the first about 88% of the time."""
    if rng.random() < 0.88:
        outcome, code, why = Outcome(first["outcome"]), first["reason_code"], first["rationale"]
    else:
        outcome = rng.choice([o for o in _HUMAN_OUTCOMES if o != first["outcome"]])
        code, why = (None, None) if outcome is Outcome.APPROVED else ("wrong_content", "Disagree.")
    decision = _decision(row, outcome, reviewer, at, code, why)
    decision["review_round"] = 2
    decision["review_seconds"] = round(rng.lognormvariate(3.5, 0.6), 1)
    return decision


def _first_of_two(
    rng: random.Random, row: dict[str, Any], reviewer: str, at: datetime
) -> list[dict[str, Any]]:
    """The first of two independent reviews; the item remembers who made it."""
    row["first_reviewer"] = reviewer
    return [_final(rng, row, reviewer, at, escalated=False)]


def _escalate_only(rng: random.Random, row: dict[str, Any], received: datetime) -> list[dict[str, Any]]:
    reviewer = rng.choice(_DECIDERS[:2])
    row["state"], row["escalated_by"] = ItemState.ESCALATED.value, reviewer
    at = received + timedelta(minutes=rng.uniform(1, 60))
    return [_decision(row, Outcome.ESCALATED, reviewer, at, "other", "Not sure; needs a senior.")]


def _final(
    rng: random.Random, row: dict[str, Any], reviewer: str, at: datetime, escalated: bool
) -> dict[str, Any]:
    confidence = row["confidence"] if row["confidence"] is not None else 0.5
    wrong = rng.random() < (0.04 if row["route"] == Route.AUDIT else 0.1 + (1 - confidence) * 0.8)
    if not wrong:
        outcome, code, why = Outcome.APPROVED, None, None
    elif rng.random() < 0.7:
        outcome, code, why = Outcome.EDITED, rng.choice(["wrong_content", "incomplete"]), "Fixed."
    else:
        outcome, code, why = Outcome.REJECTED, rng.choice(["hallucination", "policy_violation"]), "Wrong."
    decision = _decision(row, outcome, reviewer, at, code, why, escalated)
    decision["review_seconds"] = round(rng.lognormvariate(3.5, 0.6), 1)
    return decision


def _decision(
    row: dict[str, Any], outcome: Outcome, reviewer: str | None, at: datetime,
    reason_code: str | None, rationale: str | None = None, escalated: bool = False,
) -> dict[str, Any]:
    after: Any = row["output"]
    if outcome is Outcome.EDITED:
        after = _corrected(row["output"])
    elif outcome is Outcome.REJECTED:
        after = None
    return {
        "outcome": outcome.value, "reviewer": reviewer, "reason_code": reason_code,
        "rationale": rationale, "output_before": row["output"], "output_after": after,
        "review_seconds": None, "decided_at": at, "escalated": escalated, "review_round": 1,
    }


def _corrected(output: Any) -> Any:
    if isinstance(output, str):
        return output.replace("Kind regards", "Best regards")
    corrected = copy.deepcopy(output)
    if isinstance(corrected, dict):
        corrected["corrected"] = True
    return corrected
