"""Alerts: conditions a lead must hear about without looking at the Dashboard, posted to an alert
URL as Slack-compatible JSON at most once per condition per hour across all servers."""

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor
from review.clock import utcnow
from review.permissions import Permission, require
from review.queue_counts import count_waiting
from review.settings import AlertSettings, get_alert_settings
from review.webhooks import MAX_ERROR_LENGTH, DeliveryError
from storage.engine import reading, writing
from storage.models import Alert
from storage.repositories.alerts import (
    count_failing_deliveries_by_source,
    has_alert_since,
    list_guardrail_paused_scopes,
    list_recent_alerts,
    lock_alerts,
)
from storage.repositories.stats import (
    WAITING_STATES,
)

log = logging.getLogger("workbench.alerts")
REPEAT_AFTER = timedelta(hours=1)
FAILING_FOR = timedelta(hours=1)
ALERT_SECONDS = 60
NO_URL = "not posted: WORKBENCH_ALERT_URL is not set"
# Posts a JSON body to a URL; raises DeliveryError when the receiver does not acknowledge.
AlertSender = Callable[[str, bytes], None]


@dataclass(frozen=True)
class Condition:
    """Something wrong now: a stable key (one alert per key per hour) and what to tell people."""

    key: str
    text: str


@dataclass(frozen=True)
class RaisedAlert:
    """An alert as recorded: when it was raised, and whether it was posted or why not."""

    condition: str
    text: str
    raised_at: datetime
    sent_at: datetime | None
    delivery_error: str | None


@dataclass(frozen=True)
class AlertOverview:
    """What the Dashboard and `workbench metrics` show: conditions now and recent alerts."""

    conditions: list[Condition]
    recent: list[RaisedAlert]


def current_conditions(session: Session, now: datetime, queue_depth: int) -> list[Condition]:
    """Every alert condition that holds at `now`."""
    found: list[Condition] = []
    counts = count_waiting(session, WAITING_STATES, now)
    waiting, late = counts.waiting, counts.past_sla
    if waiting > queue_depth:
        found.append(Condition("queue_depth", f"Queue depth is {waiting}, over the limit of {queue_depth}."))
    if late:
        found.append(Condition("past_sla", f"{late} item{'s' if late != 1 else ''} waiting past their SLA."))
    for source, task in list_guardrail_paused_scopes(session=session):
        found.append(Condition(f"guardrail_pause:{source}/{task}",
                               f"The guardrail paused automation for {source} / {task}."))
    failing = count_failing_deliveries_by_source(session=session, created_before=now - FAILING_FOR)
    for source, count in sorted(failing.items()):
        text = f"Webhook deliveries for {source} have failed for over an hour ({count} waiting)."
        found.append(Condition(f"webhook_failing:{source}", text))
    return found


def raise_alerts(
    engine: Engine, now: datetime, sender: AlertSender, settings: AlertSettings | None = None
) -> list[RaisedAlert]:
    """Record and post an alert for every current condition not alerted within the hour; return them."""
    settings = settings or get_alert_settings()
    with reading(engine) as session:
        conditions = current_conditions(session, now, settings.queue_depth)
    claimed = [alert for condition in conditions if (alert := _claim(engine, condition, now))]
    return [_post(engine, alert, settings.url, sender) for alert in claimed]


def _claim(engine: Engine, condition: Condition, now: datetime) -> Alert | None:
    """Insert the alert unless one for its condition was raised within the hour, in one transaction."""
    with writing(engine) as session:
        lock_alerts(session=session)
        if has_alert_since(session=session, condition=condition.key, since=now - REPEAT_AFTER):
            return None
        alert = Alert(condition=condition.key[:300], text=condition.text[:2000], raised_at=now)
        session.add(alert)
        session.commit()
        return alert


def _post(engine: Engine, alert: Alert, url: str | None, sender: AlertSender) -> RaisedAlert:
    """Post one claimed alert outside any transaction, then record how it went."""
    error: str | None = NO_URL
    if url is not None:
        body = json.dumps({"text": alert.text}, ensure_ascii=False).encode()
        try:
            sender(url, body)
            error = None
        except DeliveryError as failure:
            error = str(failure)[:MAX_ERROR_LENGTH]
    with writing(engine) as session:
        stored = session.get(Alert, alert.id)
        assert stored is not None
        stored.sent_at = utcnow() if error is None else None
        stored.delivery_error = error
        session.add(stored)
        session.commit()
        return _raised(stored)


def _raised(alert: Alert) -> RaisedAlert:
    return RaisedAlert(alert.condition, alert.text, alert.raised_at, alert.sent_at, alert.delivery_error)


def alert_overview(engine: Engine, actor: Actor, now: datetime | None = None, recent: int = 20,
                   settings: AlertSettings | None = None) -> AlertOverview:
    """Conditions that hold now and the newest alerts raised, for leads."""
    require(actor, Permission.VIEW_DASHBOARD)
    settings = settings or get_alert_settings()
    with reading(engine) as session:
        conditions = current_conditions(session, now or utcnow(), settings.queue_depth)
        alerts = [_raised(alert) for alert in list_recent_alerts(session=session, limit=recent)]
    return AlertOverview(conditions, alerts)


def run_alert_worker(engine: Engine, sender: AlertSender, stop: threading.Event,
                     interval: float = ALERT_SECONDS) -> None:
    """Raise alerts every `interval` seconds until `stop` is set; survives database outages."""
    while not stop.wait(interval):
        try:
            raise_alerts(engine, utcnow(), sender)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
            log.exception("alert round failed; retrying")
