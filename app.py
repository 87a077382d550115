"""The workbench's Streamlit entry: page config, the sign-in gate, role-filtered navigation.

Pages live in `app_pages/`, not `pages/`: a `pages/` directory beside the entry switches Streamlit
to its legacy directory mode until some session calls `st.navigation`, which lists every page in
the sidebar and runs any of them, ungated, straight from its URL.
"""

from pathlib import Path

import streamlit as st

from review.permissions import Permission, can
from ui.deps import current_actor, is_local_mode
from ui.local_session import write_pending_cookie
from ui.sign_in import (
    LOCAL_MODE_BANNER,
    record_sign_in_once,
    render_no_access,
    render_sign_in,
    render_signed_in_sidebar,
)

FAVICON = str(Path(__file__).resolve().parent / "ui" / "assets" / "favicon.png")
PAGES = (
    ("app_pages/review.py", "Review", ":material/fact_check:", Permission.REVIEW),
    ("app_pages/escalations.py", "Escalations", ":material/priority_high:", Permission.DECIDE_ESCALATIONS),
    ("app_pages/dashboard.py", "Dashboard", ":material/monitoring:", Permission.VIEW_DASHBOARD),
    ("app_pages/policy.py", "Policy", ":material/tune:", Permission.MANAGE_POLICY),
    ("app_pages/export.py", "Export", ":material/download:", Permission.EXPORT),
    ("app_pages/admin.py", "Admin", ":material/admin_panel_settings:", Permission.MANAGE_ROLES),
)

# A file of our own: a `:material/…:` page icon makes every browser fetch it from a public font host.
st.set_page_config(page_title="Review workbench", page_icon=FAVICON, layout="wide")
if is_local_mode():
    st.warning(LOCAL_MODE_BANNER)

# Every run goes through st.navigation, even before sign-in, so only the pages listed here exist.
actor = current_actor()
if actor is None:
    pages = [st.Page(render_sign_in, title="Sign in", url_path="sign-in", default=True)]
else:
    record_sign_in_once(actor)
    render_signed_in_sidebar(actor)
    # Leads land on the Dashboard (what they come for); everyone else on their first page.
    lands_on = "Dashboard" if can(actor, Permission.VIEW_DASHBOARD) else None
    pages = [
        st.Page(path, title=title, icon=icon, url_path=title.lower(), default=title == lands_on)
        for path, title, icon, permission in PAGES
        if can(actor, permission)
    ] or [st.Page(render_no_access, title="No access", url_path="no-access", default=True)]
st.navigation(pages).run()
write_pending_cookie()
