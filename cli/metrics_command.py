"""`metrics`: the dashboard's defensible numbers, for scripts and alerts."""

import argparse
import json
from typing import Any

from cli.database import open_database
from review.actors import cli_actor
from review.alert_sender import HttpAlertSender
from review.alerts import AlertOverview, alert_overview, raise_alerts
from review.clock import isoformat_utc, utcnow
from review.errors import WorkbenchError
from review.export import since_from_iso
from review.metrics_summary import ScopeMetrics, metrics_summary, summary_as_json
from review.settings import SettingsError, get_alert_settings
from review.statistics import Proportion


def register(commands: Any) -> None:
    """Add `metrics` to the parser."""
    metrics = commands.add_parser("metrics", help="override rate, review time, auto-approval error rate")
    metrics.add_argument("--since", metavar="ISO", help="only decisions from this time on")
    metrics.add_argument("--json", action="store_true")
    metrics.set_defaults(handler=run_metrics)


def run_metrics(args: argparse.Namespace) -> int:
    """Print the figures per source, task and model version, then in total."""
    engine = open_database()
    summary = metrics_summary(engine, cli_actor(), since=since_from_iso(args.since))
    alerts = _evaluate_alerts(engine)
    if args.json:
        print(json.dumps({**summary_as_json(summary), "alerts": alerts_as_json(alerts)}, indent=2))
        return 0
    print(f"taken at {summary.taken_at:%Y-%m-%d %H:%M:%S} UTC"
          + (f", decisions since {summary.since.isoformat()}" if summary.since else ""))
    for scope in [*summary.scopes, summary.total]:
        _print_scope(scope)
    print("alerts now: " + ("; ".join(c.text for c in alerts.conditions) or "none"))
    return 0


def _evaluate_alerts(engine: Any) -> AlertOverview:
    """Raise (post) what is due, as the server does every minute, then read conditions and recent alerts."""
    try:
        get_alert_settings()
    except SettingsError as error:
        raise WorkbenchError(str(error)) from None
    sender = HttpAlertSender()
    try:
        raise_alerts(engine, utcnow(), sender)
    finally:
        sender.close()
    return alert_overview(engine, cli_actor())


def alerts_as_json(overview: AlertOverview) -> dict[str, Any]:
    """Current alert conditions and recent alerts as plain JSON values."""
    return {
        "conditions": [{"condition": c.key, "text": c.text} for c in overview.conditions],
        "recent": [{"condition": a.condition, "text": a.text, "raised_at": isoformat_utc(a.raised_at),
                    "sent_at": isoformat_utc(a.sent_at), "delivery_error": a.delivery_error}
                   for a in overview.recent],
    }


def _print_scope(scope: ScopeMetrics) -> None:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(scope.decisions_by_kind.items()))
    median = "-" if scope.median_review_seconds is None else f"{scope.median_review_seconds:.0f} s"
    print(f"{scope.source}/{scope.task}/{scope.model_version}")
    print(f"  decisions: {kinds or 'none'}")
    print(f"  override rate: {_rate(scope.override)}; median review time: {median}")
    print(f"  auto-approved error rate (audit samples): {_rate(scope.error_of_auto_approved)}")


def _rate(rate: Proportion | None) -> str:
    if rate is None or rate.rate is None:
        return "no sample"
    text = f"{rate.rate:.1%} (95% CI {rate.low:.1%}–{rate.high:.1%}, n={rate.total})"
    return text if rate.conclusive else text + ", sample too small to conclude"
