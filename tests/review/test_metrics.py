"""Dashboard metrics: the pure functions by hand, and the database's counts on both databases."""

from datetime import timedelta

import pytest

from review.clock import utcnow
from review.enums import Action, Queue, Role
from review.errors import PermissionDenied
from review.metrics import (
    agreements,
    band_counts,
    bucket,
    dashboard_metrics,
    earned_autonomy,
    error_estimates,
    rate_rows,
    review_times,
)
from review.metrics_summary import metrics_summary
from review.policies import PolicyChange, set_policy
from review.statistics import (
    BandCounts,
    cohen_kappa,
    cohen_kappa_from_counts,
    histogram_percentile,
    percentile,
)
from storage.repositories.metrics import MetricsFilter
from storage.snapshot import refreshed_snapshot
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_audit_record,
    make_record,
)


def test_rate_rows_count_edits_and_rejections_over_final_decisions_only():
    rows = rate_rows([("v1", "approved", 6), ("v1", "edited", 3), ("v1", "rejected", 1),
                      ("v1", "escalated", 5), ("v2", "escalated", 2)])
    assert [(row.key, row.decided, row.rate.successes) for row in rows] == [("v1", 10, 4)]
    assert rows[0].rate.rate == 0.4


def test_weeks_are_iso_weeks():
    assert bucket("2026-11-22", "day") == "2026-11-22"
    assert bucket("2026-11-22", "week") == "2026-W47"
    assert bucket("2027-01-01", "week") == "2026-W53"


def test_error_estimates_and_bands_by_hand():
    [estimate] = error_estimates([("s", "t", None, "approved", 27), ("s", "t", None, "edited", 3)])
    assert (estimate.model_version, estimate.rate.successes, estimate.rate.total) == ("(none)", 3, 30)
    assert estimate.rate.conclusive
    bands = band_counts([("review", 10, "rejected", 1), ("review", 9, "approved", 3),
                         ("audit", 8, "edited", 2)])
    assert bands["review"] == [BandCounts(0.9, 4, 1)]  # confidence 1.0 joins the top decile
    assert bands["audit"] == [BandCounts(0.8, 2, 2)]


def test_agreement_and_kappa_from_a_contingency_table():
    # 20 pairs: 15 agree approved, 2 agree edited, 3 disagree: kappa by hand.
    table = [("t", "approved", "approved", 15), ("t", "edited", "edited", 2), ("t", "approved", "edited", 3)]
    [agreement] = agreements(table)
    assert (agreement.pairs, agreement.percent) == (20, 17 / 20)
    # p_o = 0.85; first rater 18 approved / 2 edited, second 15 / 5: p_e = (18*15 + 2*5) / 400 = 0.7
    assert agreement.kappa == pytest.approx((0.85 - 0.7) / (1 - 0.7))
    pairs = [("approved", "approved")] * 15 + [("edited", "edited")] * 2 + [("approved", "edited")] * 3
    assert cohen_kappa(pairs) == pytest.approx(agreement.kappa)
    assert cohen_kappa_from_counts({}) is None


def test_review_time_percentiles_from_a_histogram_match_the_expanded_values():
    histogram = [(10.0, 3), (20.0, 1), (50.0, 6)]
    values = [10.0] * 3 + [20.0] + [50.0] * 6
    for fraction in (0.0, 0.5, 0.9, 1.0):
        assert histogram_percentile(histogram, fraction) == pytest.approx(percentile(values, fraction))
    [times] = review_times([("ann", 10, 3), ("ann", 20, 1), ("ann", 50, 6)])
    assert (times.decisions, times.median, times.p90) == (10, 50.0, 50.0)
    assert histogram_percentile([], 0.5) is None


def _decide_many(engine, count: int, action: Action, **record) -> None:
    ingest(engine, *[make_record(**record) for _ in range(count)])
    reviewer = make_actor(Role.REVIEWER)
    for _ in range(count):
        decide_held(engine, reviewer, claim(engine, reviewer), action)


def test_the_database_counts_give_the_exact_figures(engine):
    _decide_many(engine, 6, Action.APPROVE, model_version="m1")
    _decide_many(engine, 3, Action.EDIT, model_version="m1")
    _decide_many(engine, 1, Action.REJECT, model_version="m2")
    _decide_many(engine, 1, Action.ESCALATE, model_version="m2")
    ingest(engine, *[make_audit_record(model_version="m1") for _ in range(4)])
    auditor = make_actor(Role.REVIEWER)
    for action in (Action.APPROVE, Action.APPROVE, Action.APPROVE, Action.REJECT):
        decide_held(engine, auditor, claim(engine, auditor), action)
    metrics = dashboard_metrics(engine, make_actor(Role.LEAD), MetricsFilter())
    assert metrics.decisions_by_kind == {"approved": 9, "edited": 3, "rejected": 2, "escalated": 1}
    assert (metrics.override.successes, metrics.override.total) == (5, 14)
    assert [(r.key, r.decided, r.rate.successes) for r in metrics.by_model_version] == [
        ("m1", 13, 4), ("m2", 1, 1)]
    [error] = metrics.error_rates
    assert (error.model_version, error.rate.successes, error.rate.total) == ("m1", 1, 4)
    assert not error.rate.conclusive
    assert [(state, route, n) for state, route, n in metrics.queue.depth] == [("escalated", "review", 1)]
    assert sum(n for _, n in metrics.queue.throughput) == 15
    assert metrics.queue.past_sla == []
    later = dashboard_metrics(engine, OPERATOR, MetricsFilter(), now=utcnow() + timedelta(hours=5))
    assert [row[3] for row in later.queue.past_sla] == [1]  # medium impact: 240 minutes
    assert dashboard_metrics(engine, OPERATOR, MetricsFilter(model_version="m2")).override.total == 1
    future = MetricsFilter(since=utcnow() + timedelta(days=1))
    assert dashboard_metrics(engine, OPERATOR, future).override.total == 0


def test_agreement_comes_from_second_reviews_of_audit_samples(engine):
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(second_review_rate=1.0))
    ingest(engine, *[make_audit_record() for _ in range(3)])
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    for action in (Action.APPROVE, Action.APPROVE, Action.EDIT):
        decide_held(engine, first, claim(engine, first), action)
    for action in (Action.APPROVE, Action.EDIT, Action.EDIT):
        decide_held(engine, second, claim(engine, second), action)
    metrics = dashboard_metrics(engine, OPERATOR, MetricsFilter())
    [agreement] = metrics.agreement
    assert (agreement.task, agreement.pairs, agreement.percent) == ("ticket-triage", 3, 2 / 3)
    # Neither review settles the disagreeing item, and no first review is an item's decision.
    assert metrics.override.total == 2
    senior = make_actor(Role.SENIOR)
    decide_held(engine, senior, claim(engine, senior, Queue.ESCALATIONS), Action.REJECT)
    metrics = dashboard_metrics(engine, OPERATOR, MetricsFilter())
    [agreement] = metrics.agreement  # the adjudicated pair still counts
    assert (agreement.pairs, agreement.percent) == (3, 2 / 3)
    assert (metrics.override.total, metrics.override.successes) == (3, 2)


def test_earned_autonomy_finds_the_lowest_safe_threshold(engine):
    metrics = dashboard_metrics(engine, OPERATOR, MetricsFilter())
    metrics.bands = {"review": [BandCounts(0.5, 100, 40), BandCounts(0.8, 400, 4)],
                     "audit": [BandCounts(0.9, 300, 0)]}
    metrics.items_by_band, metrics.period_days = {0.5: 70, 0.8: 140, 0.9: 210}, 7.0
    autonomy = earned_autonomy(metrics, target=0.03)
    assert autonomy.threshold == 0.8 and autonomy.items_per_day == 50.0
    assert earned_autonomy(metrics, target=0.001).threshold is None


def test_only_leads_and_admins_see_the_metrics(engine):
    for role in (Role.REVIEWER, Role.SENIOR, Role.DATA):
        with pytest.raises(PermissionDenied):
            dashboard_metrics(engine, make_actor(role), MetricsFilter())
        with pytest.raises(PermissionDenied):
            metrics_summary(engine, make_actor(role))
    assert metrics_summary(engine, make_actor(Role.LEAD)).scopes == []


def test_the_snapshot_appends_new_decisions_and_starts_over_on_a_new_database(engine):
    _decide_many(engine, 2, Action.APPROVE)
    lead = make_actor(Role.LEAD)
    first = dashboard_metrics(engine, lead, MetricsFilter())
    _decide_many(engine, 1, Action.REJECT)
    second = dashboard_metrics(engine, lead, MetricsFilter())
    assert (first.override.total, second.override.total) == (2, 3)
    assert second.override.successes == 1 and second.taken_at >= first.taken_at
    snapshot = refreshed_snapshot(engine)
    real = snapshot.last_decision_id
    snapshot.last_decision_id += 1000  # as if the database behind the address had been replaced
    assert refreshed_snapshot(engine).last_decision_id == real
    assert dashboard_metrics(engine, lead, MetricsFilter()).override.total == 3
