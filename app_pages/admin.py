"""`Admin`: roles, API tokens, the audit log and webhooks, each on a tab of its own."""

import streamlit as st

from review.permissions import Permission
from ui.admin_audit import render_audit_tab
from ui.admin_roles import render_roles_tab
from ui.admin_tokens import render_tokens_tab
from ui.admin_webhooks import render_webhooks_tab
from ui.deps import require_permission


def render_admin() -> None:
    """Every admin task; each tab's use cases authorise again in the domain."""
    actor = require_permission(Permission.MANAGE_ROLES)
    st.title("Admin")
    roles, tokens, audit, webhooks = st.tabs(["Roles", "API tokens", "Audit log", "Webhooks"])
    with roles:
        render_roles_tab(actor)
    with tokens:
        render_tokens_tab(actor)
    with audit:
        render_audit_tab(actor)
    with webhooks:
        render_webhooks_tab(actor)


render_admin()
