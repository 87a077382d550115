"""The Dashboard's Alerts list: conditions that hold now and the alerts raised recently."""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from review.actors import Actor
from review.alerts import AlertOverview, RaisedAlert, alert_overview

ALERTS_TTL_SECONDS = 30
ALERT_COLUMNS = ["condition", "text", "raised (UTC)", "delivery"]


# Keyed by the database only, like the queue snapshot: the page checks the permission first.
@st.cache_data(ttl=ALERTS_TTL_SECONDS, show_spinner=False)
def load_alerts(database: str, _engine: Engine, _actor: Actor) -> AlertOverview:
    """Current alert conditions and recent alerts, from the domain."""
    return alert_overview(_engine, _actor, recent=10)


def alerts_frame(recent: list[RaisedAlert]) -> pd.DataFrame:
    """Recent alerts as a table: condition, text, when, and delivered or the error."""
    return pd.DataFrame(
        [[alert.condition, alert.text, f"{alert.raised_at:%Y-%m-%d %H:%M}", _delivery(alert)]
         for alert in recent],
        columns=ALERT_COLUMNS,
    )


def _delivery(alert: RaisedAlert) -> str:
    if alert.sent_at is not None:
        return f"delivered {alert.sent_at:%H:%M}"
    return alert.delivery_error or "not delivered"


def render_alerts(overview: AlertOverview) -> None:
    """A collapsed list whose label says how many conditions hold now; opened, the alerts raised."""
    now = len(overview.conditions)
    label = f"Alerts: {now} condition{'s' if now != 1 else ''} now, {len(overview.recent)} raised recently"
    with st.expander(label, expanded=False):
        for condition in overview.conditions:
            st.text(f"Now: {condition.text}")
        if overview.recent:
            st.dataframe(alerts_frame(overview.recent), hide_index=True)
        else:
            st.text("No alert raised yet.")
