"""`Dashboard`: queue health for leads: what waits, for how long, and today's decisions."""

import streamlit as st

from review.permissions import Permission
from ui.deps import database_key, get_engine, require_permission
from ui.queue_health import SNAPSHOT_TTL_SECONDS, QueueSnapshot, format_age, load_queue_snapshot


def render_dashboard() -> None:
    """Headline figures, when they were taken, and queue depth by source, task, route and state."""
    actor = require_permission(Permission.VIEW_DASHBOARD)
    st.title("Dashboard")
    if st.button("Refresh", key="dashboard_refresh"):
        load_queue_snapshot.clear()
    snapshot = load_queue_snapshot(database_key(), get_engine(), actor)
    _render_headline(snapshot)
    st.subheader("Queue depth")
    if snapshot.depths.empty:
        st.info("Nothing is waiting.")
    else:
        st.dataframe(snapshot.depths, hide_index=True)


def _render_headline(snapshot: QueueSnapshot) -> None:
    waiting, oldest, today = st.columns(3)
    waiting.metric("Waiting", snapshot.waiting)
    oldest.metric("Oldest waiting", format_age(snapshot.oldest_waiting_seconds))
    today.metric("Decisions today (UTC)", snapshot.decisions_today)
    st.text(f"Figures taken at {snapshot.taken_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(kept for up to {SNAPSHOT_TTL_SECONDS} seconds; Refresh takes new ones).")


render_dashboard()
