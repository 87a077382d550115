"""`Policy`: every routing policy's values, an edit form with a reason, pause and resume at three
scopes, the version history, and gold items, for leads and admins."""

import streamlit as st

from review.permissions import Permission
from review.policies import list_policies
from ui.deps import get_engine, require_permission
from ui.gold_upload import render_gold_upload
from ui.policy_form import render_policy_form
from ui.policy_pause import render_pause_controls
from ui.policy_prefill import show_flash
from ui.policy_table import render_history, render_policy_table


def render_policy() -> None:
    """Current values, then the edit form, the pause controls and the history."""
    actor = require_permission(Permission.MANAGE_POLICY)
    st.title("Policy")
    show_flash()
    policies = list_policies(get_engine(), actor)
    render_policy_table(policies)
    if render_policy_form(actor, policies) or render_pause_controls(actor):
        st.rerun()
    render_history(actor)
    render_gold_upload(actor)


render_policy()
