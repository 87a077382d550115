"""Queries on alerts raised, and on the conditions that raise them."""

from datetime import datetime

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from storage.models import Alert, Webhook, WebhookDelivery
from storage.repositories.policies import list_latest_policies

_ALERT_LOCK = 0xA1E27
GUARDRAIL_AUTHOR = "guardrail"


def lock_alerts(*, session: Session) -> None:
    """Hold, until commit, the right to raise alerts, so two servers checking "none within the hour"
    at once cannot both insert one. SQLite already serialises writers (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ALERT_LOCK})


def has_alert_since(*, session: Session, condition: str, since: datetime) -> bool:
    """Whether an alert for `condition` was raised after `since`."""
    statement = select(Alert.id).where(Alert.condition == condition, col(Alert.raised_at) > since)
    return session.exec(statement.limit(1)).first() is not None


def list_recent_alerts(*, session: Session, limit: int) -> list[Alert]:
    """The newest alerts raised, newest first."""
    statement = select(Alert).order_by(col(Alert.raised_at).desc(), col(Alert.id).desc()).limit(limit)
    return list(session.exec(statement))


def list_guardrail_paused_scopes(*, session: Session) -> list[tuple[str, str]]:
    """(source, task) of policies whose newest version is a pause written by the guardrail."""
    return [(policy.source, policy.task) for policy in list_latest_policies(session=session)
            if policy.paused and policy.author == GUARDRAIL_AUTHOR]


def count_failing_deliveries_by_source(*, session: Session, created_before: datetime) -> dict[str, int]:
    """source → deliveries still failing (retried, never acknowledged) created before `created_before`."""
    statement = (
        select(Webhook.source, func.count())
        .select_from(WebhookDelivery)
        .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
        .where(WebhookDelivery.state == "failing", col(WebhookDelivery.created_at) <= created_before)
        .group_by(Webhook.source)
    )
    return {source: count for source, count in session.exec(statement)}
