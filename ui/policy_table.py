"""The Policy page's tables: every policy's current values, and the version history."""

import pandas as pd
import streamlit as st

from review.actors import Actor
from review.policy_history import policy_history
from storage.models import Policy
from ui.deps import get_engine


def policy_rows(policies: list[Policy]) -> pd.DataFrame:
    """One row per policy scope with its newest version's values."""
    return pd.DataFrame([{
        "source": p.source, "task": p.task, "version": p.version,
        "state": "PAUSED" if p.paused else "automating",
        "threshold": p.threshold, "audit rate": f"{p.audit_rate:.1%}",
        "error target": "none" if p.error_target is None else f"{p.error_target:.1%}",
        "SLA minutes high / medium / low": f"{p.sla_minutes_high} / {p.sla_minutes_medium} / "
                                           f"{p.sla_minutes_low}",
        "four-eyes": "on" if p.four_eyes_high_impact else "off",
        "second reviews": f"{p.second_review_rate:.1%}",
        "confidence shown": "yes (not blind)" if p.show_confidence else "no",
        "reason codes": ", ".join(p.reason_codes), "guidelines": p.guidelines,
        "changed by": p.author, "why": p.change_reason or "",
    } for p in policies])


def render_policy_table(policies: list[Policy]) -> None:
    """Every policy with its current values (`*` is every source or task)."""
    st.subheader("Policies")
    st.text("Settings come from the most specific policy: source + task, else the source's (task *), "
            "else the default (* / *). Any paused level pauses automation.")
    st.dataframe(policy_rows(policies), hide_index=True)


def render_history(actor: Actor) -> None:
    """Who changed what in each version, and why, newest first."""
    st.subheader("Version history")
    rows = [{"when (UTC)": f"{change.created_at:%Y-%m-%d %H:%M:%S}",
             "policy": f"{change.source} / {change.task}",
             "version": change.version, "by": change.author, "why": change.reason or "",
             "changes": "; ".join(change.changes) or ("created" if change.version == 1 else "no change")}
            for change in policy_history(get_engine(), actor)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
