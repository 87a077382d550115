"""`Dashboard`: queue health, override rates, the error nobody sees, earned autonomy, agreement,
and the pause switch, for leads and admins."""

import streamlit as st

from review.permissions import Permission
from ui.dashboard_alerts import load_alerts, render_alerts
from ui.dashboard_data import METRICS_TTL_SECONDS, DashboardFilters, load_dashboard_metrics
from ui.dashboard_gold import load_confidence_shown, load_gold_accuracy, render_gold_accuracy
from ui.dashboard_reviewer_agreement import load_reviewer_agreement, render_reviewer_agreement
from ui.dashboard_sections import (
    render_agreement,
    render_autonomy,
    render_error_rates,
    render_overrides,
    render_queue_health,
)
from ui.dashboard_trend import PERIOD_CHOICES
from ui.deps import database_key, get_engine, require_permission
from ui.pause_switch import render_pause_switch
from ui.queue_health import SNAPSHOT_TTL_SECONDS, QueueSnapshot, format_age, load_queue_snapshot

TABS = ["Overrides", "Auto-approval error", "Earned autonomy", "Agreement", "Queue health", "Automation"]


def render_dashboard() -> None:
    """Headline queue figures, then each question a lead is asked, on a tab of its own."""
    actor = require_permission(Permission.VIEW_DASHBOARD)
    st.title("Dashboard")
    render_alerts(load_alerts(database_key(), get_engine(), actor))
    snapshot = load_queue_snapshot(database_key(), get_engine(), actor)
    _render_headline(snapshot)
    filters, period = _render_filters()
    metrics = load_dashboard_metrics(database_key(), get_engine(), actor, filters)
    # One line for both moments: the tabs should start above the fold.
    st.text(f"Figures taken at {snapshot.taken_at:%Y-%m-%d %H:%M:%S} UTC, decision metrics at "
            f"{metrics.taken_at:%H:%M:%S} UTC (kept up to {SNAPSHOT_TTL_SECONDS} / {METRICS_TTL_SECONDS} s; "
            "Refresh takes new ones).")
    overrides, errors, autonomy, agreement, queue, automation = st.tabs(TABS)
    with overrides:
        render_overrides(metrics, period)
    with errors:
        render_error_rates(metrics)
    with autonomy:
        render_autonomy(metrics)
    with agreement:
        render_agreement(metrics)
        render_reviewer_agreement(actor, filters)
        render_gold_accuracy(actor)
    with queue:
        _render_queue_depth(snapshot)
        render_queue_health(metrics)
    with automation:
        if render_pause_switch(actor):
            _forget_figures()
            st.rerun()


def _forget_figures() -> None:
    load_queue_snapshot.clear()
    load_dashboard_metrics.clear()
    load_gold_accuracy.clear()
    load_reviewer_agreement.clear()
    load_confidence_shown.clear()
    load_alerts.clear()


def _render_filters() -> tuple[DashboardFilters, str]:
    with st.expander("Filters", expanded=False):
        since_column, until_column, period_column = st.columns(3)
        since = since_column.date_input("From (UTC day)", value=None, key="dashboard_since")
        until = until_column.date_input("Until (UTC day)", value=None, key="dashboard_until")
        period = period_column.radio("Trend by", PERIOD_CHOICES, horizontal=True, key="dashboard_period",
                                     help="auto: weeks where the median day has fewer than 30 decisions")
        source_column, task_column, model_column = st.columns(3)
        source = source_column.text_input("Source", key="dashboard_source", placeholder="all")
        task = task_column.text_input("Task", key="dashboard_task", placeholder="all")
        model = model_column.text_input("Model version", key="dashboard_model_version", placeholder="all")
    # Metrics come by day; the trend pools them into weeks itself (ui.dashboard_trend).
    return DashboardFilters(since, until, source, task, model, "day"), str(period)


def _render_headline(snapshot: QueueSnapshot) -> None:
    """One compact row, so the tabs start above the fold."""
    waiting, oldest, today, refresh = st.columns([2, 2, 2, 1], vertical_alignment="center")
    waiting.metric("Waiting", snapshot.waiting)
    oldest.metric("Oldest waiting", format_age(snapshot.oldest_waiting_seconds))
    today.metric("Decisions today (UTC)", snapshot.decisions_today)
    if refresh.button("Refresh", key="dashboard_refresh"):
        _forget_figures()
        st.rerun()


def _render_queue_depth(snapshot: QueueSnapshot) -> None:
    st.subheader("Queue depth")
    if snapshot.depths.empty:
        st.info("Nothing is waiting.")
    else:
        st.dataframe(snapshot.depths, hide_index=True)


render_dashboard()
