"""Decisions back upstream: webhooks per source, an outbox written with each decision, a worker."""

import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.errors import InvalidRequest
from review.feed import decision_payload, is_unsettled_review
from review.permissions import Permission, require
from review.webhook_targets import TargetRefused, check_url, mask_userinfo
from storage.engine import reading, writing
from storage.models import Decision, Item, Webhook, WebhookDelivery
from storage.repositories.webhooks import (
    claim_due_deliveries,
    count_deliveries_by_state,
    get_active_webhooks_by_source,
    get_webhook_by_source,
    list_recent_failures,
    list_webhooks,
)

log = logging.getLogger("workbench.webhooks")
GIVE_UP_AFTER = timedelta(days=1)
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
# A worker that dies mid-send leaves its claim; another worker may retry after this long.
CLAIM_DURATION = timedelta(minutes=2)
MAX_ERROR_LENGTH = 500


class DeliveryState(StrEnum):
    """Where a delivery is."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILING = "failing"
    FAILED = "failed"  # gave up after a day of retries


class DeliveryError(Exception):
    """A receiver did not acknowledge; the message says why, without secrets."""


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, ready to send outside any transaction."""

    delivery_id: int
    url: str
    secret: str
    body: bytes


Sender = Callable[[Outgoing], None]


def validate_webhook_url(url: str) -> str:
    """An http(s) URL to a host that may be public, without credentials; see `review.webhook_targets`."""
    try:
        return check_url(url)
    except TargetRefused as refused:
        raise InvalidRequest(str(refused), field="url") from None


def register_webhook(
    engine: Engine, actor: Actor, source: str, url: str, secret: str | None = None
) -> str:
    """Register (or replace) the webhook for `source`; return its signing secret."""
    require(actor, Permission.MANAGE_WEBHOOKS)
    url = validate_webhook_url(url)
    if not source.strip():
        raise InvalidRequest("'source' must not be empty", field="source")
    secret = secret or secrets.token_urlsafe(32)
    with writing(engine) as session:
        webhook = get_webhook_by_source(session=session, source=source)
        if webhook is None:
            webhook = Webhook(source=source, url=url, secret=secret, created_by=actor.identity,
                              created_at=utcnow())
        webhook.url, webhook.secret, webhook.active = url, secret, True
        session.add(webhook)
        append_audit(session, actor, AuditAction.WEBHOOK_CHANGED, f"webhook:{source}", {"url": url})
        session.commit()
    return secret


def enqueue_deliveries(
    session: Session, decisions: Iterable[tuple[Decision, Item]], now: datetime
) -> int:
    """Write outbox rows for decisions on items whose source has a webhook (caller's transaction).

    An independent review that does not settle its item (the first of two, or either of two that
    disagreed) is not sent: upstream acts on what it receives, and that review is not the item's
    decision (the agreeing second, a senior's adjudication, or a senior's on an escalation is).
    Decisions on gold items are never sent: their answers were set by a lead, not the AI's output.
    """
    pairs = [(decision, item) for decision, item in decisions
             if not is_unsettled_review(decision, item) and item.gold is None]
    hooks = get_active_webhooks_by_source(session=session, sources={item.source for _, item in pairs})
    rows = [
        {"webhook_id": hooks[item.source].id, "decision_id": decision.id, "item_id": item.id,
         "payload": decision_payload(decision, item), "state": DeliveryState.PENDING.value,
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for decision, item in pairs
        if item.source in hooks
    ]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    return len(rows)


def claim_deliveries(engine: Engine, limit: int = 20, now: datetime | None = None) -> list[Outgoing]:
    """Claim due deliveries for this worker, in order per item; nothing is held while sending."""
    now = now or utcnow()
    with writing(engine) as session:
        claimed = claim_due_deliveries(session=session, now=now, limit=limit)
        hooks = {hook.id: hook for hook in list_webhooks(session=session)}
        outgoing = []
        for delivery in claimed:
            delivery.locked_until = now + CLAIM_DURATION
            session.add(delivery)
            hook = hooks[delivery.webhook_id]
            assert delivery.id is not None
            body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
            outgoing.append(Outgoing(delivery.id, hook.url, hook.secret, body))
        session.commit()
    return outgoing


def record_attempt(
    engine: Engine, delivery_id: int, error: str | None, now: datetime | None = None
) -> None:
    """Mark a delivery delivered, or schedule its retry with exponential backoff for a day."""
    now = now or utcnow()
    with writing(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.locked_until = None
        if error is None:
            delivery.state, delivery.delivered_at, delivery.last_error = "delivered", now, None
        else:
            delivery.last_error = error[:MAX_ERROR_LENGTH]
            given_up = now - delivery.created_at >= GIVE_UP_AFTER
            delivery.state = DeliveryState.FAILED if given_up else DeliveryState.FAILING
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        session.add(delivery)
        session.commit()


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s, … capped at an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def deliver_due(
    engine: Engine, sender: Sender, limit: int = 20, now: datetime | None = None
) -> int:
    """Send one batch of due deliveries; return how many were attempted."""
    batch = claim_deliveries(engine, limit, now)
    for outgoing in batch:
        try:
            sender(outgoing)
        except DeliveryError as error:
            log.info("delivery %s failed: %s", outgoing.delivery_id, error)
            record_attempt(engine, outgoing.delivery_id, str(error), now)
        else:
            record_attempt(engine, outgoing.delivery_id, None, now)
    return len(batch)


def run_delivery_worker(
    engine: Engine, sender: Sender, stop: threading.Event, idle_seconds: float = 1.0
) -> None:
    """Deliver until `stop` is set, resting while nothing is due; survives database outages."""
    while not stop.is_set():
        try:
            attempted = deliver_due(engine, sender)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
            log.exception("delivery round failed; retrying")
            attempted = 0
        if not attempted:
            stop.wait(idle_seconds)


@dataclass(frozen=True)
class DeliveryOverview:
    """What the Admin page shows about webhooks."""

    webhooks: list[dict[str, Any]]
    counts: dict[tuple[str, str], int]
    failures: list[dict[str, Any]]


def delivery_overview(engine: Engine, actor: Actor, failures: int = 50) -> DeliveryOverview:
    """Webhooks (without secrets), delivery counts by state, and the latest failures."""
    require(actor, Permission.MANAGE_WEBHOOKS)
    with reading(engine) as session:
        # Rows stored before credentials were refused still hold them; they are never shown.
        hooks = [{"source": h.source, "url": mask_userinfo(h.url), "active": h.active,
                  "created_by": h.created_by} for h in list_webhooks(session=session)]
        recent = [
            {"delivery": d.id, "source": source, "item_id": d.item_id, "state": d.state,
             "attempts": d.attempts, "last_error": d.last_error, "next_attempt_at": d.next_attempt_at}
            for d, source in list_recent_failures(session=session, limit=failures)
        ]
        return DeliveryOverview(hooks, count_deliveries_by_state(session=session), recent)
