"""Admin tab `Audit log`: the newest entries with filters, and verifying the whole chain."""

import json
from datetime import UTC, date, datetime, time

import pandas as pd
import streamlit as st

from review.actors import Actor
from review.audit import AuditAction, list_audit
from review.audit_verify import verify_chain
from ui.deps import get_engine
from ui.plain_text import show_error

AUDIT_COLUMNS = ["seq", "at", "actor", "action", "subject", "details"]
ANY_ACTION = "(any)"


def render_audit_tab(actor: Actor) -> None:
    """Filters, the matching entries (newest first), and the `Verify chain` button."""
    action, who, since, limit = _filters()
    entries = list_audit(get_engine(), actor, limit=limit, who=who, action=action, since=since)
    rows = [
        {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject,
         "details": json.dumps(e.details, sort_keys=True, ensure_ascii=False) if e.details else ""}
        for e in entries
    ]
    st.caption(f"{len(rows)} entries, newest first (at most {limit}); times in UTC.")
    st.dataframe(pd.DataFrame(rows, columns=AUDIT_COLUMNS), hide_index=True)
    if st.button("Verify chain", key="admin_audit_verify"):
        _verify(actor)


def _filters() -> tuple[str | None, str | None, datetime | None, int]:
    action_column, actor_column, since_column, limit_column = st.columns(4)
    action = action_column.selectbox("Action", [ANY_ACTION, *(a.value for a in AuditAction)],
                                     key="admin_audit_action")
    who = actor_column.text_input("Actor (exact)", key="admin_audit_actor").strip()
    since_day: date | None = since_column.date_input("Since (UTC)", value=None, key="admin_audit_since")
    limit = int(limit_column.number_input("Show at most", min_value=10, max_value=5000, value=200,
                                          step=50, key="admin_audit_limit"))
    since = datetime.combine(since_day, time.min, tzinfo=UTC) if since_day else None
    return (None if action == ANY_ACTION else action), (who or None), since, limit


def _verify(actor: Actor) -> None:
    with st.spinner("Walking the chain…"):
        check = verify_chain(get_engine(), actor)
    if check.intact:
        st.success(f"Chain intact: {check.entries} entries verified.")
    else:
        show_error(f"Chain broken at entry {check.first_bad_seq}: {check.problem}.")
