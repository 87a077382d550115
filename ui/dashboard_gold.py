"""The Dashboard's gold-item accuracy per reviewer, and whether an audit estimate is blind."""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from review.actors import Actor
from review.blindness import ConfidenceShown, confidence_shown
from review.gold import ReviewerAccuracy, gold_accuracy
from ui.dashboard_data import METRICS_TTL_SECONDS
from ui.dashboard_format import percent
from ui.deps import current_actor, database_key, get_engine

NOT_BLIND = "not blind (reviewers see confidence)"


@st.cache_data(ttl=METRICS_TTL_SECONDS, show_spinner=False)
def load_gold_accuracy(database: str, _engine: Engine, _actor: Actor) -> list[ReviewerAccuracy]:
    """Each reviewer's accuracy on gold items."""
    return gold_accuracy(_engine, _actor)


@st.cache_data(ttl=METRICS_TTL_SECONDS, show_spinner=False)
def load_confidence_shown(database: str, _engine: Engine, _actor: Actor) -> ConfidenceShown:
    """Which policies show reviewers the model's confidence."""
    return confidence_shown(_engine, _actor)


def render_gold_accuracy(actor: Actor) -> None:
    """Per reviewer: gold items decided, how many matched the known answer, accuracy and interval."""
    st.subheader("Accuracy on gold items")
    rows = load_gold_accuracy(database_key(), get_engine(), actor)
    if not rows:
        st.info("No gold item has been decided yet (a lead adds them with a gold file).")
        return
    st.dataframe(pd.DataFrame([
        {"reviewer": row.reviewer, "gold items": row.answered, "correct": row.correct,
         "accuracy": percent(row.accuracy.rate), "95% low": percent(row.accuracy.low),
         "95% high": percent(row.accuracy.high)}
        for row in rows
    ]), hide_index=True)


def blindness(source: str, task: str) -> str:
    """`blind`, or NOT_BLIND when the policy of (source, task) shows reviewers the confidence."""
    actor = current_actor()
    if actor is None:
        return "blind"
    shown = load_confidence_shown(database_key(), get_engine(), actor)
    return NOT_BLIND if shown.for_scope(source, task) else "blind"
