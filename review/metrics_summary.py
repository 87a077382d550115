"""The figures `workbench metrics` prints, per source, task and model version."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor
from review.clock import utcnow
from review.metrics import FINAL, error_estimates
from review.permissions import Permission, require
from review.statistics import Proportion, histogram_percentile, override_rate
from storage.repositories import snapshot_metrics as facts
from storage.repositories.metrics import MetricsFilter
from storage.snapshot import refreshed_snapshot

Scope = tuple[str, str, str]


@dataclass(frozen=True)
class ScopeMetrics:
    """One source/task/model version's figures."""

    source: str
    task: str
    model_version: str
    decisions_by_kind: dict[str, int]
    override: Proportion
    median_review_seconds: float | None
    error_of_auto_approved: Proportion | None


@dataclass(frozen=True)
class MetricsSummary:
    """All scopes, and the same figures over everything."""

    taken_at: datetime
    since: datetime | None
    total: ScopeMetrics
    scopes: list[ScopeMetrics]


def metrics_summary(
    engine: Engine, actor: Actor, since: datetime | None = None, now: datetime | None = None
) -> MetricsSummary:
    """Override rate, decisions by kind, median review time and the estimated error rate of
    auto-approved outputs, per source/task/model version and in total."""
    require(actor, Permission.VIEW_DASHBOARD)
    filters = MetricsFilter(since=since)
    snapshot = refreshed_snapshot(engine)
    by_day = facts.count_outcomes_by_day(snapshot, filters)
    audits = facts.count_audit_outcomes(snapshot, filters)
    times = facts.review_seconds_histogram(snapshot, filters, by_scope=True)
    kinds: dict[Scope, Counter[str]] = defaultdict(Counter)
    for _day, source, task, model_version, outcome, count in by_day:
        kinds[(source, task, model_version or "(none)")][outcome] += count
    histograms: dict[Scope, list[tuple[float, int]]] = defaultdict(list)
    for source, task, model_version, seconds, count in times:
        histograms[(source, task, model_version or "(none)")].append((float(seconds), count))
    errors = {(e.source, e.task, e.model_version): e.rate for e in error_estimates(audits)}
    scopes = [_scope(key, kinds[key], histograms[key], errors.get(key)) for key in sorted(kinds)]
    all_kinds: Counter[str] = sum(kinds.values(), Counter())
    all_times = [entry for histogram in histograms.values() for entry in histogram]
    audit_total = _pooled(list(errors.values()))
    total = _scope(("(all)", "(all)", "(all)"), all_kinds, all_times, audit_total)
    return MetricsSummary(now or utcnow(), since, total, scopes)


def _scope(key: Scope, kinds: Counter[str], histogram: list[tuple[float, int]],
           error: Proportion | None) -> ScopeMetrics:
    decided = sum(kinds[outcome] for outcome in FINAL)
    return ScopeMetrics(*key, dict(kinds), override_rate(kinds["edited"], kinds["rejected"], decided),
                        histogram_percentile(histogram, 0.5), error)


def _pooled(rates: list[Proportion]) -> Proportion | None:
    if not rates:
        return None
    return override_rate(sum(r.successes for r in rates), 0, sum(r.total for r in rates))


def summary_as_json(summary: MetricsSummary) -> dict[str, Any]:
    """The summary as plain JSON values, for scripts and alerts."""
    def scope(s: ScopeMetrics) -> dict[str, Any]:
        return {
            "source": s.source, "task": s.task, "model_version": s.model_version,
            "decisions_by_kind": s.decisions_by_kind, "override_rate": _rate(s.override),
            "median_review_seconds": s.median_review_seconds,
            "auto_approved_error_rate": _rate(s.error_of_auto_approved),
        }
    return {"taken_at": summary.taken_at.isoformat(),
            "since": summary.since.isoformat() if summary.since else None,
            "total": scope(summary.total), "scopes": [scope(s) for s in summary.scopes]}


def _rate(rate: Proportion | None) -> dict[str, Any] | None:
    if rate is None:
        return None
    return {"rate": rate.rate, "low": rate.low, "high": rate.high, "n": rate.total,
            "conclusive": rate.conclusive}
