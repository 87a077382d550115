"""Team-lead metrics: pure functions over the database's grouped counts, and the use case.

Every figure a lead may defend comes with its sample size, and rates with a 95 % Wilson interval.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor
from review.clock import utcnow
from review.permissions import Permission, require
from review.policies import sla_cutoffs
from review.statistics import (
    BandCounts,
    Proportion,
    cohen_kappa_from_counts,
    histogram_percentile,
    lowest_safe_threshold,
    override_rate,
    proportion,
)
from storage.engine import reading
from storage.repositories import metrics as queries
from storage.repositories import snapshot_metrics as facts
from storage.repositories.metrics import MetricsFilter
from storage.snapshot import refreshed_snapshot

OVERRIDES = ("edited", "rejected")
FINAL = ("approved", "edited", "rejected")


@dataclass(frozen=True)
class RateRow:
    """An override rate for one group (a day, a model version, a reviewer…)."""

    key: str
    decided: int
    rate: Proportion


@dataclass(frozen=True)
class ErrorEstimate:
    """The estimated error rate of auto-approved outputs of one source/task/model version."""

    source: str
    task: str
    model_version: str
    rate: Proportion


@dataclass(frozen=True)
class Agreement:
    """How often two independent reviewers of the same items agreed, for one task."""

    task: str
    pairs: int
    percent: float | None
    kappa: float | None


@dataclass(frozen=True)
class ReviewTime:
    """One reviewer's decisions and review-time median and 90th percentile, in seconds."""

    reviewer: str
    decisions: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Autonomy:
    """The lowest confidence threshold whose error stays under target, and what it would do."""

    target: float
    threshold: float | None
    estimate: Proportion | None
    items_per_day: float | None


@dataclass
class QueueHealth:
    """What waits, for how long, past SLA, and how fast work gets done."""

    depth: list[tuple[str, str, int]] = field(default_factory=list)  # (state, route, count)
    oldest_waiting_seconds: float | None = None
    past_sla: list[tuple[str, str, str, int]] = field(default_factory=list)  # source, task, impact, n
    throughput: list[tuple[str, int]] = field(default_factory=list)  # (UTC hour, decisions)
    review_times: list[ReviewTime] = field(default_factory=list)


@dataclass
class DashboardMetrics:
    """Everything the Dashboard shows, computed from grouped counts, taken at one moment."""

    taken_at: datetime
    filters: MetricsFilter
    override: Proportion
    decisions_by_kind: dict[str, int]
    escalation: Proportion
    over_time: list[RateRow]
    by_model_version: list[RateRow]
    by_task: list[RateRow]
    by_reviewer: list[RateRow]
    by_reason: list[tuple[str, int]]
    error_rates: list[ErrorEstimate]
    bands: dict[str, list[BandCounts]]
    items_by_band: dict[float, int]
    period_days: float
    agreement: list[Agreement]
    queue: QueueHealth


def dashboard_metrics(
    engine: Engine, actor: Actor, filters: MetricsFilter, period: str = "day", now: datetime | None = None
) -> DashboardMetrics:
    """Every dashboard figure for the filters; `period` buckets the trend by "day" or "week"."""
    require(actor, Permission.VIEW_DASHBOARD)
    now = now or utcnow()
    snapshot = refreshed_snapshot(engine)
    by_day = facts.count_outcomes_by_day(snapshot, filters)
    by_reviewer = facts.count_outcomes_by_reviewer(snapshot, filters)
    reasons = facts.count_overrides_by_reason(snapshot, filters)
    audits = facts.count_audit_outcomes(snapshot, filters)
    bands = facts.count_outcomes_by_confidence_band(snapshot, filters)
    items = facts.count_items_by_confidence_band(snapshot, filters)
    pairs = facts.count_agreement_pairs(snapshot, filters)
    with reading(engine) as session:
        queue = _queue_health(session, now)
    queue.throughput = facts.count_decisions_by_hour(snapshot, filters)
    queue.review_times = review_times(facts.review_seconds_histogram(snapshot, filters))
    kinds: Counter[str] = Counter()
    for *_, outcome, count in by_day:
        kinds[outcome] += count
    decided = sum(kinds[outcome] for outcome in FINAL)
    return DashboardMetrics(
        taken_at=now, filters=filters,
        override=override_rate(kinds["edited"], kinds["rejected"], decided),
        decisions_by_kind=dict(kinds),
        escalation=proportion(min(kinds["escalated"], decided), decided),
        over_time=rate_rows((bucket(row[0], period), row[4], row[5]) for row in by_day),
        by_model_version=rate_rows((row[3] or "(none)", row[4], row[5]) for row in by_day),
        by_task=rate_rows((row[2], row[4], row[5]) for row in by_day),
        by_reviewer=rate_rows(by_reviewer),
        by_reason=[(code or "(none)", count) for code, count in reasons],
        error_rates=error_estimates(audits),
        bands=band_counts(bands),
        items_by_band={min(band, 9) / 10: count for band, count in _merge_top_band(items)},
        period_days=_period_days(filters, by_day, now),
        agreement=agreements(pairs),
        queue=queue,
    )


def bucket(day: str, period: str) -> str:
    """The trend's bucket for a UTC day: the day itself, or its ISO week (e.g. 2026-W47)."""
    if period == "day":
        return day
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def rate_rows(rows: Iterable[tuple[Any, ...]]) -> list[RateRow]:
    """Override rate per key from (key, outcome, count) rows; escalations are not decisions."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for key, outcome, count in rows:
        counts[str(key)][outcome] += count
    result = []
    for key in sorted(counts):
        outcomes = counts[key]
        decided = sum(outcomes[outcome] for outcome in FINAL)
        if decided:
            result.append(RateRow(key, decided, override_rate(outcomes["edited"], outcomes["rejected"],
                                                              decided)))
    return result


def error_estimates(rows: Iterable[tuple[Any, ...]]) -> list[ErrorEstimate]:
    """Override rate among audit samples per (source, task, model version): the error rate of
    the confident outputs nobody else reviews."""
    counts: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for source, task, model_version, outcome, count in rows:
        counts[(source, task, model_version or "(none)")][outcome] += count
    return [
        ErrorEstimate(*key, override_rate(c["edited"], c["rejected"], sum(c[o] for o in FINAL)))
        for key, c in sorted(counts.items())
    ]


def band_counts(rows: Iterable[tuple[Any, ...]]) -> dict[str, list[BandCounts]]:
    """Decisions and overrides per confidence decile, per route (a confidence of 1 joins 0.9)."""
    counts: dict[str, dict[int, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for route, band, outcome, count in rows:
        counts[route][min(int(band), 9)][outcome] += count
    return {
        route: [BandCounts(band / 10, sum(c[o] for o in FINAL), sum(c[o] for o in OVERRIDES))
                for band, c in sorted(by_band.items())]
        for route, by_band in counts.items()
    }


def earned_autonomy(metrics: DashboardMetrics, target: float) -> Autonomy:
    """The lowest decile edge whose upper 95 % error bound (review and audit decisions alike)
    stays under `target`, and how many items a day that threshold would have auto-approved."""
    merged: dict[float, BandCounts] = {}
    for bands in metrics.bands.values():
        for band in bands:
            old = merged.get(band.lower, BandCounts(band.lower, 0, 0))
            merged[band.lower] = BandCounts(band.lower, old.decided + band.decided,
                                            old.overridden + band.overridden)
    found = lowest_safe_threshold(list(merged.values()), target)
    if found is None:
        return Autonomy(target, None, None, None)
    threshold, estimate = found
    above = sum(count for lower, count in metrics.items_by_band.items() if lower >= threshold)
    return Autonomy(target, threshold, estimate, above / metrics.period_days)


def agreements(rows: Iterable[tuple[Any, ...]]) -> list[Agreement]:
    """Percent agreement and Cohen's κ per task from (task, first, second, count) rows."""
    tables: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for task, first, second, count in rows:
        tables[task][(first, second)] = count
    result = []
    for task, table in sorted(tables.items()):
        pairs = sum(table.values())
        agreed = sum(count for (a, b), count in table.items() if a == b)
        result.append(Agreement(task, pairs, agreed / pairs if pairs else None,
                                cohen_kappa_from_counts(table)))
    return result


def review_times(rows: Iterable[tuple[Any, ...]]) -> list[ReviewTime]:
    """Median and p90 review time per reviewer from (reviewer, whole seconds, count) rows."""
    histograms: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for reviewer, seconds, count in rows:
        histograms[reviewer].append((float(seconds), count))
    return [
        ReviewTime(reviewer, sum(c for _, c in histogram), histogram_percentile(histogram, 0.5),
                   histogram_percentile(histogram, 0.9))
        for reviewer, histogram in sorted(histograms.items())
    ]


def _queue_health(session: Any, now: datetime) -> QueueHealth:
    """What waits and what is late, from the items' current state (not the snapshot)."""
    groups = queries.count_waiting_by_group(session=session)
    health = QueueHealth()
    depth: Counter[tuple[str, str]] = Counter()
    oldest: datetime | None = None
    for _source, _task, _impact, route, state, count, first in groups:
        depth[(state, route)] += count
        oldest = first if oldest is None or first < oldest else oldest
    health.depth = [(state, route, count) for (state, route), count in sorted(depth.items())]
    health.oldest_waiting_seconds = (now - oldest).total_seconds() if oldest else None
    cutoffs = sla_cutoffs(session, {(g[0], g[1], g[2]) for g in groups}, now)
    health.past_sla = [row for row in queries.count_past_sla(session=session, cutoffs=cutoffs) if row[3]]
    return health


def _merge_top_band(rows: Iterable[tuple[Any, ...]]) -> list[tuple[int, int]]:
    merged: Counter[int] = Counter()
    for band, count in rows:
        merged[min(int(band), 9)] += count
    return sorted(merged.items())


def _period_days(filters: MetricsFilter, by_day: list[tuple[Any, ...]], now: datetime) -> float:
    """How many days the figures span: the filters' period, else the days with decisions."""
    if filters.since is not None:
        return max(((filters.until or now) - filters.since).total_seconds() / 86400, 1.0)
    return float(max(len({row[0] for row in by_day}), 1))
