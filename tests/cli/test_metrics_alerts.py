"""`workbench metrics` evaluates alerts like the server does and lists them under "alerts"."""

import json

import pytest

from review.settings import get_alert_settings
from tests.factories import queue_items


@pytest.fixture
def alert_env(monkeypatch: pytest.MonkeyPatch):
    """A queue-depth limit of 1 and an alert URL on loopback, which the webhook address rules refuse."""
    monkeypatch.setenv("WORKBENCH_ALERT_QUEUE_DEPTH", "1")
    monkeypatch.setenv("WORKBENCH_ALERT_URL", "http://127.0.0.1:9/alerts")
    monkeypatch.delenv("WORKBENCH_WEBHOOK_ALLOW_PRIVATE", raising=False)
    get_alert_settings.cache_clear()
    yield
    get_alert_settings.cache_clear()


def test_metrics_json_lists_current_conditions_and_the_alert_raised(alert_env, initialised, cli_engine):
    queue_items(cli_engine, 2, impact="low")
    run = initialised("metrics", "--json")
    assert run.code == 0, run.err
    alerts = json.loads(run.out)["alerts"]
    assert alerts["conditions"] == [{"condition": "queue_depth",
                                     "text": "Queue depth is 2, over the limit of 1."}]
    [raised] = alerts["recent"]
    assert raised["condition"] == "queue_depth" and raised["sent_at"] is None
    assert raised["delivery_error"].startswith("refused before connecting: a webhook URL must not point at")
    again = json.loads(initialised("metrics", "--json").out)["alerts"]
    assert len(again["recent"]) == 1  # within the hour: not raised again


def test_metrics_refuses_a_bad_queue_depth_setting(alert_env, initialised, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ALERT_QUEUE_DEPTH", "lots")
    get_alert_settings.cache_clear()
    run = initialised("metrics")
    assert run.code == 2 and "WORKBENCH_ALERT_QUEUE_DEPTH must be a whole number" in run.err
