"""The workbench's Streamlit entry: page config, the sign-in gate, role-filtered navigation."""

import streamlit as st

from review.permissions import Permission, can
from ui.deps import current_actor, is_local_mode
from ui.sign_in import render_no_access, render_sign_in, render_signed_in_sidebar

PAGES = (
    ("pages/review.py", "Review", ":material/fact_check:", Permission.REVIEW),
    ("pages/escalations.py", "Escalations", ":material/priority_high:", Permission.DECIDE_ESCALATIONS),
    ("pages/dashboard.py", "Dashboard", ":material/monitoring:", Permission.VIEW_DASHBOARD),
    ("pages/export.py", "Export", ":material/download:", Permission.EXPORT),
    ("pages/admin.py", "Admin", ":material/admin_panel_settings:", Permission.MANAGE_ROLES),
)

st.set_page_config(page_title="Review workbench", page_icon=":material/fact_check:", layout="wide")
if is_local_mode():
    st.warning("Local mode — no authentication. Anyone who can reach this server can pick a user.")

actor = current_actor()
if actor is None:
    render_sign_in()
    st.stop()
assert actor is not None
render_signed_in_sidebar(actor)

pages = [
    st.Page(path, title=title, icon=icon, url_path=title.lower())
    for path, title, icon, permission in PAGES
    if can(actor, permission)
]
if not pages:
    render_no_access(actor)
    st.stop()
st.navigation(pages).run()
