"""Alerts: each condition is posted once per hour across servers, recorded, and a failing URL noted."""

import json
import threading
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from review.alerts import NO_URL, alert_overview, raise_alerts
from review.clock import utcnow
from review.enums import Role
from review.errors import PermissionDenied
from review.settings import AlertSettings, SettingsError, load_alert_settings
from review.webhooks import DeliveryError, deliver_due, register_webhook
from storage.engine import reading, writing
from storage.models import Alert, Policy
from tests.factories import OPERATOR, claim, decide_held, make_actor, queue_items

URL = "https://alerts.example.com/hook"
SETTINGS = AlertSettings(url=URL, queue_depth=2)


class FakeSender:
    """Records what would have been posted; fails when told to."""

    def __init__(self, fail: bool = False) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.fail = fail

    def __call__(self, url: str, body: bytes) -> None:
        if self.fail:
            raise DeliveryError("alert URL answered HTTP 503")
        self.posts.append((url, json.loads(body)))


def _stored_alerts(engine: Engine) -> list[Alert]:
    with reading(engine) as session:
        return list(session.exec(select(Alert).order_by(col(Alert.id))))


def test_queue_depth_over_the_limit_posts_once_an_hour(engine):
    queue_items(engine, 3, impact="low")
    now, sender = utcnow(), FakeSender()
    raised = raise_alerts(engine, now, sender, SETTINGS)
    assert [a.condition for a in raised] == ["queue_depth"]
    assert sender.posts == [(URL, {"text": "Queue depth is 3, over the limit of 2."})]
    assert raised[0].sent_at is not None and raised[0].delivery_error is None
    assert raise_alerts(engine, now + timedelta(minutes=59), sender, SETTINGS) == []
    assert len(sender.posts) == 1
    again = raise_alerts(engine, now + timedelta(hours=1), sender, SETTINGS)
    assert [a.condition for a in again] == ["queue_depth"] and len(sender.posts) == 2
    assert len(_stored_alerts(engine)) == 2


def test_queue_at_the_limit_raises_nothing(engine):
    queue_items(engine, 2, impact="low")
    sender = FakeSender()
    assert raise_alerts(engine, utcnow(), sender, SETTINGS) == [] and sender.posts == []


def test_items_past_sla_post_once_an_hour(engine):
    queue_items(engine, 2, impact="medium")  # 240 minutes under the default policy
    settings, sender = AlertSettings(url=URL, queue_depth=100), FakeSender()
    assert raise_alerts(engine, utcnow() + timedelta(minutes=230), sender, settings) == []
    later = utcnow() + timedelta(minutes=250)
    raised = raise_alerts(engine, later, sender, settings)
    assert [(a.condition, a.text) for a in raised] == [("past_sla", "2 items waiting past their SLA.")]
    assert raise_alerts(engine, later + timedelta(minutes=30), sender, settings) == []
    assert len(raise_alerts(engine, later + timedelta(minutes=61), sender, settings)) == 1
    assert len(sender.posts) == 2


def _guardrail_pause(engine: Engine, source: str, task: str) -> None:
    with writing(engine) as session:
        session.add(Policy(source=source, task=task, version=1, threshold=0.9, audit_rate=0.05,
                           paused=True, reason_codes=[], author="guardrail", created_at=utcnow()))
        session.commit()


def test_a_guardrail_pause_posts_once_an_hour(engine):
    _guardrail_pause(engine, "helpdesk-ai", "ticket-triage")
    now, sender = utcnow(), FakeSender()
    raised = raise_alerts(engine, now, sender, SETTINGS)
    assert [a.condition for a in raised] == ["guardrail_pause:helpdesk-ai/ticket-triage"]
    assert sender.posts[0][1]["text"] == "The guardrail paused automation for helpdesk-ai / ticket-triage."
    assert raise_alerts(engine, now + timedelta(minutes=10), sender, SETTINGS) == []
    assert len(raise_alerts(engine, now + timedelta(hours=1, seconds=1), sender, SETTINGS)) == 1


def test_a_pause_by_a_lead_is_no_alert(engine):
    with writing(engine) as session:
        session.add(Policy(source="helpdesk-ai", task="ticket-triage", version=1, threshold=0.9,
                           audit_rate=0.05, paused=True, reason_codes=[], author="lead@example.com",
                           created_at=utcnow()))
        session.commit()
    assert raise_alerts(engine, utcnow(), FakeSender(), SETTINGS) == []


def test_webhook_deliveries_failing_for_an_hour_post_once_an_hour(engine):
    register_webhook(engine, OPERATOR, "helpdesk-ai", "https://upstream.example.com/hook")
    queue_items(engine, 1, impact="low")
    reviewer = make_actor(Role.REVIEWER)
    decide_held(engine, reviewer, claim(engine, reviewer))
    start = utcnow()

    def refuse(_outgoing):
        raise DeliveryError("receiver answered HTTP 500")

    deliver_due(engine, refuse, now=start)
    settings, sender = AlertSettings(url=URL, queue_depth=100), FakeSender()
    assert raise_alerts(engine, start + timedelta(minutes=50), sender, settings) == []
    later = start + timedelta(minutes=61)
    raised = raise_alerts(engine, later, sender, settings)
    assert [a.condition for a in raised] == ["webhook_failing:helpdesk-ai"]
    assert "failed for over an hour (1 waiting)" in sender.posts[0][1]["text"]
    assert raise_alerts(engine, later + timedelta(minutes=59), sender, settings) == []
    assert len(raise_alerts(engine, later + timedelta(minutes=60), sender, settings)) == 1


def test_a_failing_alert_url_is_recorded_and_not_retried_within_the_hour(engine):
    queue_items(engine, 3, impact="low")
    now = utcnow()
    raised = raise_alerts(engine, now, FakeSender(fail=True), SETTINGS)
    assert [(a.sent_at, a.delivery_error) for a in raised] == [(None, "alert URL answered HTTP 503")]
    [stored] = _stored_alerts(engine)
    assert stored.delivery_error == "alert URL answered HTTP 503" and stored.sent_at is None
    assert raise_alerts(engine, now + timedelta(minutes=5), FakeSender(), SETTINGS) == []


def test_without_an_alert_url_alerts_are_recorded_not_posted(engine):
    queue_items(engine, 3, impact="low")
    sender = FakeSender()
    [raised] = raise_alerts(engine, utcnow(), sender, AlertSettings(url=None, queue_depth=2))
    assert sender.posts == [] and raised.delivery_error == NO_URL


def test_a_second_server_within_the_hour_posts_nothing(engine):
    queue_items(engine, 3, impact="low")
    now, first, second = utcnow(), FakeSender(), FakeSender()
    raise_alerts(engine, now, first, SETTINGS)
    raise_alerts(engine, now + timedelta(seconds=1), second, SETTINGS)
    assert len(first.posts) + len(second.posts) == 1 and len(_stored_alerts(engine)) == 1


def test_leads_see_conditions_and_recent_alerts_reviewers_do_not(engine):
    queue_items(engine, 3, impact="low")
    raise_alerts(engine, utcnow(), FakeSender(fail=True), SETTINGS)
    overview = alert_overview(engine, make_actor(Role.LEAD), settings=SETTINGS)
    assert [c.key for c in overview.conditions] == ["queue_depth"]
    assert [(a.condition, a.delivery_error) for a in overview.recent] == [
        ("queue_depth", "alert URL answered HTTP 503")]
    try:
        alert_overview(engine, make_actor(Role.REVIEWER), settings=SETTINGS)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a reviewer saw the alerts")


def test_alert_settings_read_from_the_environment():
    assert load_alert_settings({}) == AlertSettings(url=None, queue_depth=500)
    assert load_alert_settings({"WORKBENCH_ALERT_URL": f" {URL} ", "WORKBENCH_ALERT_QUEUE_DEPTH": "40"}) == \
        AlertSettings(url=URL, queue_depth=40)
    for bad in ("many", "0"):
        try:
            load_alert_settings({"WORKBENCH_ALERT_QUEUE_DEPTH": bad})
        except SettingsError as error:
            assert "WORKBENCH_ALERT_QUEUE_DEPTH" in str(error)
        else:
            raise AssertionError(bad)


def test_servers_evaluating_at_the_same_moment_post_one_alert(engine):
    queue_items(engine, 3, impact="low")
    now, senders = utcnow(), [FakeSender() for _ in range(4)]
    start = threading.Barrier(len(senders))

    def evaluate(sender: FakeSender) -> None:
        start.wait()
        raise_alerts(engine, now, sender, SETTINGS)

    threads = [threading.Thread(target=evaluate, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(sender.posts) for sender in senders) == 1 and len(_stored_alerts(engine)) == 1
