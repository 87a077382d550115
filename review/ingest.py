"""Ingest use case: validate records, route them, and store the new ones a batch per transaction."""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count, islice
from typing import Any, NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.enums import PRIORITY_OF_IMPACT, Impact, ItemState, Outcome, Route
from review.errors import InvalidRequest
from review.gold import with_gold_answer
from review.permissions import Permission, can_reach_source, require
from review.policies import rules_of
from review.policy_scope import get_effective_policy
from review.record_files import RawRecord
from review.records import Record, validate_record
from review.routing import PolicyRules, Router, RoutingDecision, route_record
from review.webhooks import enqueue_deliveries
from storage.engine import writing
from storage.models import Policy
from storage.repositories.decisions import insert_automatic_decisions, list_decisions_with_items
from storage.repositories.items import insert_item_values, item_time
from storage.repositories.webhooks import has_active_webhooks

# Records per transaction: a concurrent writer (a claim, a decision) waits for one batch at most,
# never for a whole file (on SQLite, where writers take turns, a long ingest would starve them).
BATCH_SIZE = 1000
GOLD_ROUTING = RoutingDecision(Route.REVIEW, "gold item (known answer)")
_AUTO_APPROVED, _PENDING = ItemState.AUTO_APPROVED.value, ItemState.PENDING.value
_APPROVED = Outcome.APPROVED.value
# Enum values looked up, not read through the enum's property, once per record.
_IMPACT_VALUE: dict[Impact | None, str | None] = {None: None, **{impact: impact.value for impact in Impact}}
_ROUTE_VALUE = {route: route.value for route in Route}


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
    policies = _Policies()
    for number in count(1):
        rejected_before = len(report.rejected)
        batch = list(islice(valid, BATCH_SIZE))
        if number > 1 and not batch and len(report.rejected) == rejected_before:
            break
        part = _commit_batch(engine, actor, policies, batch, now, len(report.rejected) - rejected_before)
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


class _Storable(NamedTuple):
    """What storing a valid record takes: its keys, what routing reads, and its JSON values as
    the text stored. The parsed values are dropped once validated, so a batch waiting to be
    stored holds strings, not thousands of containers for the garbage collector to walk."""

    source: str
    external_id: str
    task: str
    model_version: str | None
    confidence: float | None
    impact: Impact | None
    input: str
    output: str
    tags: str
    metadata: str
    gold: str | None


def _validated(
    raw_records: Iterable[RawRecord], report: IngestReport, actor: Actor | None, gold: bool = False
) -> Iterator[_Storable]:
    for raw in raw_records:
        if raw.error is not None:
            report.rejected.append(Rejection(raw.line, raw.error))
            continue
        try:
            record = validate_record(raw.value, gold=gold, unique_keys=raw.unique_keys)
            if gold:
                record = with_gold_answer(record, raw.value)
            _check_writable(record, actor)
        except InvalidRequest as error:
            report.rejected.append(Rejection(raw.line, str(error), error.field))
            continue
        texts = record.json_texts or tuple(
            map(json.dumps, (record.input, record.output, record.tags, record.metadata))
        )
        yield _Storable(
            record.source, record.external_id, record.task, record.model_version, record.confidence,
            record.impact, texts[0], texts[1], texts[2], texts[3],
            None if record.gold is None else json.dumps(record.gold),
        )


def _check_writable(record: Record, actor: Actor | None) -> None:
    """Refuse the record unless the actor may write its source. Refused before the duplicate
    check, so a bounded token cannot learn which keys another source holds."""
    if actor is not None and not can_reach_source(actor, record.source):
        raise InvalidRequest(f"this token may not send records of source {record.source[:200]!r}",
                             field="source")


class _Policies:
    """The effective policy of each (source, task), with its router, read once per ingest."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], tuple[int, Router]] = {}

    def route_for(self, session: Session, source: str, task: str) -> tuple[int, Router]:
        """The id of the policy of (source, task), with a router for its rules."""
        found = self._routes.get((source, task))
        if found is None:
            policy = get_effective_policy(session=session, source=source, task=task)
            assert policy.id is not None
            found = self._routes[(source, task)] = (policy.id, Router(rules_of(policy)))
        return found


def _commit_batch(
    engine: Engine, actor: Actor, policies: _Policies, batch: list[_Storable], now: datetime, rejected: int
) -> IngestReport:
    """Store one batch with its automatic decisions and its audit entry, in one transaction."""
    part = IngestReport()
    with writing(engine) as session:
        auto_approved = _store_batch(session, policies, batch, now, part)
        # Automatic decisions take the transaction's id as their commit order (the column's
        # default, see storage/repositories/commit_order.py): no lock to take.
        if auto_approved:
            # Without an active webhook no delivery is queued: the decisions' ids are not read back.
            upstream = has_active_webhooks(session=session)
            decision_ids = insert_automatic_decisions(
                session=session, item_ids=auto_approved, outcome=_APPROVED, decided_at=now, ids=upstream,
            )
            if upstream:
                enqueue_deliveries(session, list_decisions_with_items(session=session, ids=decision_ids), now)
        append_audit(session, actor, AuditAction.ITEMS_INGESTED, "items", {
            "accepted": part.accepted, "duplicates": part.duplicates,
            "rejected": rejected, "routes": part.routes,
        })
        session.commit()
    return part


def _store_batch(
    session: Session, policies: _Policies, batch: list[_Storable], now: datetime, report: IngestReport
) -> list[int]:
    """Store the batch's new items; return the ids of those approved automatically."""
    unique: dict[tuple[str, str], _Storable] = {}
    for record in batch:
        unique.setdefault((record.source, record.external_id), record)
    report.duplicates += len(batch) - len(unique)
    stamp = item_time(session=session, value=now)  # one conversion for the batch
    values, routes = [], []
    route_for = policies.route_for
    # Unpacked in _Storable's field order.
    for (source, external_id, task, model_version, confidence, impact,
         input_text, output_text, tags_text, metadata_text, gold) in unique.values():
        policy_id, router = route_for(session, source, task)
        routing = GOLD_ROUTING if gold is not None else router.route(
            source, external_id, confidence, impact)
        route = routing.route
        auto = route is Route.AUTO
        # In ITEM_COLUMNS order.
        values.append((
            source, external_id, task, model_version, input_text, output_text, confidence,
            _IMPACT_VALUE[impact], PRIORITY_OF_IMPACT[impact], tags_text, metadata_text,
            _ROUTE_VALUE[route], routing.reason, policy_id, _AUTO_APPROVED if auto else _PENDING,
            stamp, stamp if auto else None, None, routing.reviews_required, None, gold,
        ))
        routes.append(route)
    # Keys stored before (or by a concurrent ingest) are skipped by the insert itself.
    ids = insert_item_values(session=session, values=values)
    auto_approved = []
    counts: dict[Route, int] = {}
    for item_id, route in zip(ids, routes, strict=True):
        if item_id is None:
            continue
        counts[route] = counts.get(route, 0) + 1
        if route is Route.AUTO:
            auto_approved.append(item_id)
    accepted = sum(counts.values())
    report.accepted += accepted
    report.duplicates += len(values) - accepted
    for route, routed in counts.items():
        report.routes[route.value] = report.routes.get(route.value, 0) + routed
    return auto_approved


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
