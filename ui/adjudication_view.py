"""An adjudication's two independent reviews, shown to the senior who settles it.

Reviewers' names, reason codes, rationales and corrected outputs are typed text: they are shown
in a table and as plain text, never through Markdown.
"""

import pandas as pd
import streamlit as st

from review.content import pretty_json
from review.queue import HeldItem


def render_prior_decisions(held: HeldItem, key: str) -> None:
    """Who decided what and why in each review, then each corrected output (the caller's pane
    scrolls them)."""
    st.text("The two independent reviews disagree; your decision settles the item.")
    rows = [
        {"review": decision.review_round, "reviewer": decision.reviewer, "decision": decision.outcome,
         "reason code": decision.reason_code or "—", "rationale": decision.rationale or "—"}
        for decision in held.prior_decisions
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"review_prior_table_{key}")
    for decision in held.prior_decisions:
        if decision.outcome == "edited":
            st.text(f"Corrected output of review {decision.review_round} ({decision.reviewer})")
            st.code(pretty_json(decision.output), language=None, wrap_lines=True)
