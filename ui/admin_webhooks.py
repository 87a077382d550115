"""Admin tab `Webhooks`: register a URL per source, and see what is pending, delivered or failing."""

import pandas as pd
import streamlit as st

from review.actors import Actor
from review.errors import WorkbenchError
from review.webhooks import DeliveryState, delivery_overview, register_webhook
from ui.deps import get_engine
from ui.plain_text import show_error

FAILURE_COLUMNS = ["delivery", "source", "item_id", "state", "attempts", "last_error", "next_attempt_at"]


def render_webhooks_tab(actor: Actor) -> None:
    """The registration form, then webhooks with delivery counts and the latest failures."""
    st.subheader("Register a webhook")
    _render_register_form(actor)
    overview = delivery_overview(get_engine(), actor)
    st.subheader("Webhooks")
    rows = []
    for hook in overview.webhooks:
        counts = {state.value: overview.counts.get((hook["source"], state.value), 0)
                  for state in DeliveryState}
        rows.append({**hook, **counts})
    columns = ["source", "url", "active", "created_by", *(state.value for state in DeliveryState)]
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True)
    st.subheader("Failing deliveries")
    if not overview.failures:
        st.text("No delivery is failing.")
    else:
        st.dataframe(pd.DataFrame(overview.failures, columns=FAILURE_COLUMNS), hide_index=True)


def _render_register_form(actor: Actor) -> None:
    with st.form("admin_webhook_form", clear_on_submit=True):
        source = st.text_input("Source", key="admin_webhook_source")
        url = st.text_input("URL (http or https)", key="admin_webhook_url")
        secret = st.text_input("Signing secret (leave empty to generate one)", type="password",
                               key="admin_webhook_secret")
        submitted = st.form_submit_button("Register webhook", type="primary", key="admin_webhook_register")
    if not submitted:
        return
    try:
        used = register_webhook(get_engine(), actor, source.strip(), url, secret or None)
    except WorkbenchError as error:
        show_error(str(error))
        return
    st.toast("Webhook registered")
    if not secret:
        # A generated secret is shown once, for the receiver's configuration.
        st.warning("Give the receiver this signing secret now: it will not be shown again.")
        st.code(used, language=None)
