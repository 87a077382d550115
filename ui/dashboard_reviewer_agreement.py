"""The Dashboard's per-reviewer agreement with settled answers (the agreeing second review, or a
senior's adjudication of two reviews that disagreed)."""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from review.actors import Actor
from review.reviewer_agreement import ReviewerAgreement, agreement_with_settled_answers
from ui.dashboard_data import METRICS_TTL_SECONDS, DashboardFilters
from ui.dashboard_format import percent
from ui.deps import database_key, get_engine


@st.cache_data(ttl=METRICS_TTL_SECONDS, show_spinner=False)
def load_reviewer_agreement(
    database: str, _engine: Engine, _actor: Actor, filters: DashboardFilters
) -> list[ReviewerAgreement]:
    """Each reviewer's agreement with settled answers under the page's filters."""
    return agreement_with_settled_answers(_engine, _actor, filters.metrics_filter())


def render_reviewer_agreement(actor: Actor, filters: DashboardFilters) -> None:
    """Per reviewer: independent reviews of settled items, how many matched, the share and interval."""
    st.subheader("Agreement with settled answers")
    rows = load_reviewer_agreement(database_key(), get_engine(), actor, filters)
    if not rows:
        st.info("No item reviewed by two people has been settled in this period.")
        return
    st.dataframe(pd.DataFrame([
        {"reviewer": row.reviewer, "reviews": row.agreement.total, "matched": row.agreement.successes,
         "agreement": percent(row.agreement.rate), "95% low": percent(row.agreement.low),
         "95% high": percent(row.agreement.high)}
        for row in rows
    ]), hide_index=True)
