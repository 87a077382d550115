"""Queries on webhooks and the delivery outbox."""

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import Webhook, WebhookDelivery

OPEN_STATES = ("pending", "failing")


def has_active_webhooks(*, session: Session) -> bool:
    """Whether any webhook is active (ingest skips outbox work entirely when none is)."""
    return session.exec(select(Webhook.id).where(col(Webhook.active)).limit(1)).first() is not None


def get_active_webhooks_by_source(*, session: Session, sources: set[str]) -> dict[str, Webhook]:
    """The active webhook of each of `sources` that has one."""
    if not sources:
        return {}
    statement = select(Webhook).where(col(Webhook.source).in_(sources), col(Webhook.active))
    return {webhook.source: webhook for webhook in session.exec(statement)}


def get_webhook_by_source(*, session: Session, source: str) -> Webhook | None:
    """The webhook registered for `source`."""
    return session.exec(select(Webhook).where(Webhook.source == source)).first()


def list_webhooks(*, session: Session) -> list[Webhook]:
    """Every webhook, by source."""
    return list(session.exec(select(Webhook).order_by(col(Webhook.source))))


def claim_due_deliveries(*, session: Session, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Due, unlocked deliveries whose item has no earlier open delivery (order per item)."""
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(
        and_(
            col(earlier.item_id) == col(WebhookDelivery.item_id),
            col(earlier.webhook_id) == col(WebhookDelivery.webhook_id),
            col(earlier.id) < col(WebhookDelivery.id),
            col(earlier.state).in_(OPEN_STATES),
        )
    )
    statement = (
        select(WebhookDelivery)
        .where(
            col(WebhookDelivery.state).in_(OPEN_STATES),
            col(WebhookDelivery.next_attempt_at) <= now,
            or_(col(WebhookDelivery.locked_until).is_(None), col(WebhookDelivery.locked_until) < now),
            ~blocked,
        )
        .order_by(col(WebhookDelivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)  # type: ignore[arg-type]
    )
    return list(session.exec(statement))


def count_deliveries_by_state(*, session: Session) -> dict[tuple[str, str], int]:
    """(source, state) → number of deliveries."""
    statement = (
        select(Webhook.source, WebhookDelivery.state, func.count())
        .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
        .group_by(Webhook.source, WebhookDelivery.state)
    )
    return {(source, state): count for source, state, count in session.exec(statement)}


def list_recent_failures(*, session: Session, limit: int) -> list[Any]:
    """The newest deliveries that failed at least once and are not delivered, with their source."""
    statement = (
        select(WebhookDelivery, Webhook.source)
        .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
        .where(col(WebhookDelivery.state).in_(("failing", "failed")))
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
