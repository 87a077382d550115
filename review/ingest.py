"""Ingest use case: validate records, route them, and store the new ones a batch per transaction."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count, islice
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.enums import PRIORITY_OF_IMPACT, ItemState, Outcome, Route
from review.errors import InvalidRequest
from review.gold import with_gold_answer
from review.permissions import Permission, can_reach_source, require
from review.policies import rules_of
from review.policy_scope import get_effective_policy
from review.record_files import RawRecord
from review.records import JSON_FIELDS, Record, validate_record
from review.routing import PolicyRules, RoutingDecision, route_record
from review.webhooks import enqueue_deliveries
from storage.engine import writing
from storage.models import Policy
from storage.repositories.bulk import JsonText
from storage.repositories.decisions import insert_automatic_decisions, list_decisions_with_items
from storage.repositories.items import insert_new_items
from storage.repositories.webhooks import has_active_webhooks

# Records per transaction: a concurrent writer (a claim, a decision) waits for one batch at most,
# never for a whole file (on SQLite, where writers take turns, a long ingest would starve them).
BATCH_SIZE = 1000
GOLD_ROUTING = RoutingDecision(Route.REVIEW, "gold item (known answer)")


@dataclass(frozen=True)
class Rejection:
    """One record that was not stored: where it was (line or list index) and why."""

    position: int
    error: str
    field: str | None = None


@dataclass
class IngestReport:
    """What happened to every record of one ingest."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    routes: dict[str, int] = field(default_factory=dict)


def ingest_records(
    engine: Engine,
    actor: Actor,
    raw_records: Iterable[RawRecord],
    strict: bool = False,
    received_at: datetime | None = None,
    on_commit: Callable[[IngestReport], None] | None = None,
    gold: bool = False,
) -> IngestReport:
    """Validate, route and store records; with `strict`, store nothing unless every one is valid.

    Each batch of records is stored and audited in a transaction of its own, so a failure (a
    full disk) leaves the batches before it stored whole and the rest untouched; `on_commit` hears
    the running report after each commit. With `gold`, every record must carry a gold answer
    (review/gold.py) and goes to review; only leads and admins add gold items.
    """
    require(actor, Permission.ADD_GOLD_ITEMS if gold else Permission.INGEST)
    report = IngestReport()
    valid = _validated(raw_records, report, actor, gold)
    if strict:
        records = list(valid)
        if report.rejected:
            return report
        valid = iter(records)
    now = received_at or utcnow()
    router = _Router()
    for number in count(1):
        rejected_before = len(report.rejected)
        batch = list(islice(valid, BATCH_SIZE))
        if number > 1 and not batch and len(report.rejected) == rejected_before:
            break
        part = _commit_batch(engine, actor, router, batch, now, len(report.rejected) - rejected_before)
        _add_counts(report, part)
        if on_commit is not None:
            on_commit(report)
        if len(batch) < BATCH_SIZE:
            break
    return report


def _add_counts(report: IngestReport, part: IngestReport) -> None:
    report.accepted += part.accepted
    report.duplicates += part.duplicates
    for route, routed in part.routes.items():
        report.routes[route] = report.routes.get(route, 0) + routed


def find_rejections(raw_records: Iterable[RawRecord], gold: bool = False) -> list[Rejection]:
    """The records `ingest_records` would reject as invalid, found without the database."""
    report = IngestReport()
    for _record in _validated(raw_records, report, None, gold):
        pass
    return report.rejected


def _validated(
    raw_records: Iterable[RawRecord], report: IngestReport, actor: Actor | None, gold: bool = False
) -> Iterator[Record]:
    for raw in raw_records:
        if raw.error is not None:
            report.rejected.append(Rejection(raw.line, raw.error))
            continue
        try:
            record = validate_record(raw.value, gold=gold, unique_keys=raw.unique_keys)
            yield _writable(with_gold_answer(record, raw.value) if gold else record, actor)
        except InvalidRequest as error:
            report.rejected.append(Rejection(raw.line, str(error), error.field))


def _writable(record: Record, actor: Actor | None) -> Record:
    """The record, if the actor may write its source. Refused before the duplicate check, so a
    bounded token cannot learn which keys another source holds."""
    if actor is not None and not can_reach_source(actor, record.source):
        raise InvalidRequest(f"this token may not send records of source {record.source[:200]!r}",
                             field="source")
    return record


class _Router:
    """Routes records with the effective policy of their (source, task), read once per ingest."""

    def __init__(self) -> None:
        self._policies: dict[tuple[str, str], tuple[Policy, PolicyRules]] = {}

    def policy_for(self, session: Session, record: Record) -> tuple[Policy, PolicyRules]:
        """The policy of the record's (source, task), with its routing rules."""
        key = (record.source, record.task)
        if key not in self._policies:
            policy = get_effective_policy(session=session, source=record.source, task=record.task)
            self._policies[key] = (policy, rules_of(policy))
        return self._policies[key]


def _commit_batch(
    engine: Engine, actor: Actor, router: _Router, batch: list[Record], now: datetime, rejected: int
) -> IngestReport:
    """Store one batch with its automatic decisions and its audit entry, in one transaction."""
    part = IngestReport()
    with writing(engine) as session:
        auto_approvals = _store_batch(session, router, batch, now, part)
        # Automatic decisions take the transaction's id as their commit order (the column's
        # default, see storage/repositories/commit_order.py): no lock to take.
        if auto_approvals:
            _deliver_upstream(session, insert_automatic_decisions(session=session, rows=auto_approvals), now)
        append_audit(session, actor, AuditAction.ITEMS_INGESTED, "items", {
            "accepted": part.accepted, "duplicates": part.duplicates,
            "rejected": rejected, "routes": part.routes,
        })
        session.commit()
    return part


def _store_batch(
    session: Session, router: _Router, batch: list[Record], now: datetime, report: IngestReport
) -> list[dict[str, Any]]:
    """Store the batch's new items; return the automatic decisions their auto-approvals need."""
    unique: dict[tuple[str, str], Record] = {}
    for record in batch:
        if record.key in unique:
            report.duplicates += 1
        else:
            unique[record.key] = record
    rows = []
    for record in unique.values():
        policy, rules = router.policy_for(session, record)
        row = item_row(record, policy, now, rules)
        if record.json_texts is not None:  # encoded by validation: stored as they are
            row.update(zip(JSON_FIELDS, map(JsonText, record.json_texts), strict=True))
        rows.append(row)
    # Keys stored before (or by a concurrent ingest) are skipped by the insert itself.
    ids = insert_new_items(session=session, rows=rows)
    report.duplicates += len(rows) - len(ids)
    report.accepted += len(ids)
    for row in rows:
        if (row["source"], row["external_id"]) in ids:
            report.routes[row["route"]] = report.routes.get(row["route"], 0) + 1
    return [
        _auto_decision(ids[key], row, now)
        for row in rows
        if row["route"] == Route.AUTO and (key := (row["source"], row["external_id"])) in ids
    ]


def _deliver_upstream(session: Session, decision_ids: list[int], now: datetime) -> None:
    """Queue webhook deliveries of auto-approvals, in the ingest's transaction."""
    if decision_ids and has_active_webhooks(session=session):
        enqueue_deliveries(session, list_decisions_with_items(session=session, ids=decision_ids), now)


def item_row(
    record: Record, policy: Policy, received_at: datetime, rules: PolicyRules | None = None
) -> dict[str, Any]:
    """The item row for a routed record; `rules` are the policy's (rules_of), if already known."""
    # A gold item must reach a person: it is never auto-approved, sampled or sent to a second review.
    routing = (GOLD_ROUTING if record.gold is not None
               else route_record(record, rules or rules_of(policy)))
    auto = routing.route is Route.AUTO
    return {
        "source": record.source,
        "external_id": record.external_id,
        "task": record.task,
        "model_version": record.model_version,
        "input": record.input,
        "output": record.output,
        "confidence": record.confidence,
        "impact": record.impact.value if record.impact else None,
        "priority": PRIORITY_OF_IMPACT[record.impact],
        "tags": record.tags,
        "metadata": record.metadata,
        "route": routing.route.value,
        "route_reason": routing.reason,
        "policy_id": policy.id,
        "state": (ItemState.AUTO_APPROVED if auto else ItemState.PENDING).value,
        "received_at": received_at,
        "decided_at": received_at if auto else None,
        "escalated_by": None,
        "reviews_required": routing.reviews_required,
        "first_reviewer": None,
        "gold": record.gold,
    }


def _auto_decision(item_id: int, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "outcome": Outcome.APPROVED.value,
        "reviewer": None,
        "output_before": row["output"],
        "output_after": row["output"],
        "decided_at": now,
        "escalated": False,
        "review_round": 1,
    }
