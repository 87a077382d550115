"""Factories: records, actors per role, and items waiting in the queue."""

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import col, select

from review.actors import Actor
from review.decisions import DecisionRequest, DecisionResult, decide
from review.enums import Action, Queue, Role
from review.ingest import IngestReport, ingest_records
from review.queue import HeldItem, claim_next
from review.record_files import RawRecord
from review.routing import audit_draw
from storage.engine import reading
from storage.models import Decision, Item
from storage.repositories.items import get_item_by_external_id

_serial = itertools.count(1)


def make_record(**overrides: Any) -> dict[str, Any]:
    """A valid record that routes to review (low confidence), with a unique external id."""
    record: dict[str, Any] = {
        "external_id": f"ext-{next(_serial)}",
        "source": "helpdesk-ai",
        "task": "ticket-triage",
        "model_version": "triage-v4",
        "input": {"subject": "Cannot log in"},
        "output": {"category": "account"},
        "confidence": 0.3,
        "impact": "medium",
    }
    record.update(overrides)
    return record


def make_actor(*roles: Role, identity: str | None = None) -> Actor:
    """An actor with `roles`, named after the first of them unless `identity` is given."""
    name = identity or f"{roles[0].value if roles else 'nobody'}-{next(_serial)}@example.com"
    return Actor(identity=name, roles=frozenset(roles))


OPERATOR = Actor(identity="cli:test", roles=frozenset({Role.ADMIN}))


def ingest(engine: Engine, *records: dict[str, Any], strict: bool = False) -> IngestReport:
    """Ingest records as the operator, numbering them like lines of a file."""
    raw = [RawRecord(line, value=record) for line, record in enumerate(records, start=1)]
    return ingest_records(engine, OPERATOR, raw, strict=strict)


def queue_items(engine: Engine, count: int, **overrides: Any) -> list[str]:
    """Put `count` items in the review queue; return their external ids."""
    records = [make_record(**overrides) for _ in range(count)]
    report = ingest(engine, *records)
    assert report.accepted == count, report
    return [record["external_id"] for record in records]


def _key_with_draw(low: float, high: float, source: str) -> str:
    """A fresh external id whose audit draw lies in [low, high)."""
    while True:
        external_id = f"ext-{next(_serial)}"
        if low <= audit_draw(source, external_id) < high:
            return external_id


def make_auto_record(**overrides: Any) -> dict[str, Any]:
    """A confident, low-impact record whose key is never audit-sampled at rates up to 50%."""
    source = overrides.get("source", "helpdesk-ai")
    record = make_record(external_id=_key_with_draw(0.5, 1.0, source), confidence=0.97, impact="low")
    record.update(overrides)
    return record


def make_audit_record(**overrides: Any) -> dict[str, Any]:
    """A confident, low-impact record whose key is audit-sampled at any rate of 1% or more."""
    source = overrides.get("source", "helpdesk-ai")
    record = make_record(external_id=_key_with_draw(0.0, 0.01, source), confidence=0.97, impact="low")
    record.update(overrides)
    return record


def raw_records(*records: Any) -> list[RawRecord]:
    """Values numbered like the lines of a file."""
    return [RawRecord(line, value=record) for line, record in enumerate(records, start=1)]


def claim(
    engine: Engine, actor: Actor, queue: Queue = Queue.REVIEW, now: datetime | None = None
) -> HeldItem:
    """Claim the next item of `queue`, which the test expects to exist."""
    held = claim_next(engine, actor, queue, now=now)
    assert held is not None, f"{actor.identity} found {queue.value} empty"
    return held


def decide_held(
    engine: Engine, actor: Actor, held: HeldItem, action: Action = Action.APPROVE,
    now: datetime | None = None, **fields: Any,
) -> DecisionResult:
    """Decide a held item; edit, reject and escalate get a valid reason and rationale by default."""
    if action is not Action.APPROVE:
        fields.setdefault("reason_code", "wrong_content")
        fields.setdefault("rationale", "The output does not match the input.")
    if action is Action.EDIT:
        fields.setdefault("output", {"category": "corrected"})
    request = DecisionRequest(held.item_id, held.lease_id, action, **fields)
    return decide(engine, actor, request, now=now)


def stored_item(engine: Engine, external_id: str, source: str = "helpdesk-ai") -> Item:
    """The stored item an upstream system knows by (source, external_id)."""
    with reading(engine) as session:
        item = get_item_by_external_id(session=session, source=source, external_id=external_id)
    assert item is not None, f"no item {external_id!r}"
    return item


def stored_decisions(engine: Engine, item_id: int | None = None) -> list[Decision]:
    """Decision rows, oldest first, of one item or of all."""
    with reading(engine) as session:
        statement = select(Decision).order_by(col(Decision.id))
        if item_id is not None:
            statement = statement.where(Decision.item_id == item_id)
        return list(session.exec(statement))


def stored_items(engine: Engine) -> list[Item]:
    """Every stored item, by id."""
    with reading(engine) as session:
        return list(session.exec(select(Item).order_by(col(Item.id))))


def tamper_audit_entry(engine: Engine, seq: int) -> None:
    """Edit one entry behind the application's back, as a database superuser could."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # The append-only trigger refuses this; a superuser can switch triggers off.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(
            text("UPDATE audit_entry SET subject = 'user:someone-else' WHERE seq = :seq"),
            {"seq": seq},
        )
