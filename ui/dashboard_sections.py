"""The Dashboard's tabs: overrides, auto-approval error, earned autonomy, agreement, queue health."""

import pandas as pd
import streamlit as st

from review.metrics import DashboardMetrics, earned_autonomy
from ui import dashboard_charts as charts
from ui.dashboard_data import format_rate
from ui.dashboard_format import kappa_text, percent
from ui.dashboard_gold import blindness
from ui.dashboard_trend import choose_trend
from ui.policy_prefill import offer_threshold


def render_overrides(metrics: DashboardMetrics, period: str) -> None:
    """Override rate over time and by model version, task, reviewer and reason; decisions by kind."""
    left, right = st.columns(2)
    left.metric("Override rate", _percent(metrics.override.rate), help=format_rate(metrics.override))
    right.metric("Escalation rate", _percent(metrics.escalation.rate), help=format_rate(metrics.escalation))
    st.text(f"Override rate: {format_rate(metrics.override)}")
    if not metrics.over_time:
        st.info("No human decisions in this period.")
        return
    st.altair_chart(charts.override_trend(choose_trend(metrics.over_time, period)), width="stretch")
    versions, tasks = st.columns(2)
    versions.altair_chart(charts.override_bars(metrics.by_model_version, "Model version"),
                          width="stretch")
    tasks.altair_chart(charts.override_bars(metrics.by_task, "Task"), width="stretch")
    reviewers, kinds = st.columns(2)
    reviewers.altair_chart(charts.override_bars(metrics.by_reviewer, "Reviewer"), width="stretch")
    kinds.altair_chart(charts.kind_bars(metrics.decisions_by_kind), width="stretch")
    st.subheader("Overrides by reason code")
    st.dataframe(pd.DataFrame(metrics.by_reason, columns=["reason_code", "overrides"]), hide_index=True)


def render_error_rates(metrics: DashboardMetrics) -> None:
    """The estimated error rate of auto-approved outputs, from audit samples, with its interval."""
    st.text("Audit samples are confident outputs reviewed at random: their override rate estimates "
            "the error rate of the outputs nobody reviews.")
    if not metrics.error_rates:
        st.info("No audit sample has been reviewed in this period: nothing can be concluded yet.")
        return
    rows = [{"source": e.source, "task": e.task, "model_version": e.model_version,
             "audit samples": e.rate.total, "errors": e.rate.successes, "error rate": percent(e.rate.rate),
             "95% low": percent(e.rate.low), "95% high": percent(e.rate.high),
             "conclusion": "estimate" if e.rate.conclusive else "sample too small to conclude",
             "blind": blindness(e.source, e.task)}
            for e in metrics.error_rates]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def render_autonomy(metrics: DashboardMetrics) -> None:
    """Override rate by confidence decile, and the lowest threshold that keeps error under target."""
    frame = pd.DataFrame(
        [{"route": route, "confidence": band.lower, "decided": band.decided,
          "overridden": band.overridden, "rate": band.overridden / band.decided if band.decided else None}
         for route, bands in metrics.bands.items() for band in bands]
    )
    if frame.empty:
        st.info("No decisions on items with a confidence in this period.")
        return
    st.altair_chart(charts.band_chart(frame), width="stretch")
    target = st.number_input("Target error rate (%)", min_value=0.1, max_value=50.0, value=5.0, step=0.5,
                             format="%.1f", key="dashboard_target_error") / 100
    autonomy = earned_autonomy(metrics, target)
    if autonomy.threshold is None or autonomy.estimate is None:
        st.warning(f"No confidence threshold keeps the error's upper 95% bound under {target:.1%} "
                   "with the decisions so far.")
        return
    st.success(f"Lowest safe threshold: {autonomy.threshold:.1f}. Error above it: "
               f"{format_rate(autonomy.estimate)}. It would have auto-approved about "
               f"{autonomy.items_per_day or 0:,.0f} items a day in this period.")
    offer_threshold(autonomy.threshold)


def render_agreement(metrics: DashboardMetrics) -> None:
    """Percent agreement and Cohen's kappa per task, where two people decided the same item."""
    if not metrics.agreement:
        st.info("No item was reviewed by two people in this period (four-eyes or second reviews "
                "of audit samples, set in the routing policy).")
        return
    st.dataframe(pd.DataFrame([{"task": a.task, "pairs": a.pairs, "agreement": percent(a.percent),
                                "Cohen's kappa": kappa_text(a)} for a in metrics.agreement]), hide_index=True)


def render_queue_health(metrics: DashboardMetrics) -> None:
    """Depth by state and route, past-SLA items, throughput, review times per reviewer."""
    queue = metrics.queue
    late = sum(row[3] for row in queue.past_sla)
    st.metric("Past their SLA", late)
    st.dataframe(pd.DataFrame(queue.depth, columns=["state", "route", "waiting"]), hide_index=True)
    if queue.past_sla:
        st.dataframe(pd.DataFrame(queue.past_sla, columns=["source", "task", "impact", "past SLA"]),
                     hide_index=True)
    if queue.throughput:
        st.altair_chart(charts.throughput_chart(queue.throughput), width="stretch")
    st.dataframe(pd.DataFrame([{"reviewer": t.reviewer, "decisions": t.decisions,
                                "median seconds": _seconds(t.median), "p90 seconds": _seconds(t.p90)}
                               for t in queue.review_times]), hide_index=True)


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


