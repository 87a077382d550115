"""`metrics`: the dashboard's defensible numbers, for scripts and alerts."""

import argparse
import json
from typing import Any

from cli.database import open_database
from review.actors import cli_actor
from review.export import since_from_iso
from review.metrics_summary import ScopeMetrics, metrics_summary, summary_as_json
from review.statistics import Proportion


def register(commands: Any) -> None:
    """Add `metrics` to the parser."""
    metrics = commands.add_parser("metrics", help="override rate, review time, auto-approval error rate")
    metrics.add_argument("--since", metavar="ISO", help="only decisions from this time on")
    metrics.add_argument("--json", action="store_true")
    metrics.set_defaults(handler=run_metrics)


def run_metrics(args: argparse.Namespace) -> int:
    """Print the figures per source, task and model version, then in total."""
    summary = metrics_summary(open_database(), cli_actor(), since=since_from_iso(args.since))
    if args.json:
        print(json.dumps(summary_as_json(summary), indent=2))
        return 0
    print(f"taken at {summary.taken_at:%Y-%m-%d %H:%M:%S} UTC"
          + (f", decisions since {summary.since.isoformat()}" if summary.since else ""))
    for scope in [*summary.scopes, summary.total]:
        _print_scope(scope)
    return 0


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
