"""Factories: records, actors per role, and items waiting in the queue."""

import itertools
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor
from review.enums import Role
from review.ingest import IngestReport, ingest_records
from review.record_files import RawRecord

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
