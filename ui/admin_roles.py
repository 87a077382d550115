"""Admin tab `Roles`: who holds which role, and granting or revoking one."""

import pandas as pd
import streamlit as st

from review.actors import Actor
from review.enums import Role
from review.errors import WorkbenchError
from review.roles import grant_role, list_grants, revoke_role
from ui.deps import get_engine
from ui.plain_text import show_error

GRANT_COLUMNS = ["email", "role", "granted_by", "granted_at"]


def render_roles_tab(actor: Actor) -> None:
    """The grant/revoke form, then every role grant (read after the form, so it shows the change)."""
    st.subheader("Grant or revoke a role")
    _render_role_form(actor)
    st.subheader("Role grants")
    grants = list_grants(get_engine(), actor)
    rows = [{name: getattr(grant, name) for name in GRANT_COLUMNS} for grant in grants]
    st.dataframe(pd.DataFrame(rows, columns=GRANT_COLUMNS), hide_index=True)


def _render_role_form(actor: Actor) -> None:
    with st.form("admin_role_form"):
        email = st.text_input("E-mail", key="admin_email")
        role = Role(st.selectbox("Role", [role.value for role in Role], key="admin_role"))
        grant_column, revoke_column = st.columns(2)
        grant = grant_column.form_submit_button("Grant", type="primary", key="admin_grant")
        revoke = revoke_column.form_submit_button("Revoke", key="admin_revoke")
    if grant or revoke:
        _change_role(actor, email, role, grant)


def _change_role(actor: Actor, email: str, role: Role, grant: bool) -> None:
    try:
        if grant:
            changed = grant_role(get_engine(), actor, email, role)
        else:
            changed = revoke_role(get_engine(), actor, email, role)
    except WorkbenchError as error:
        show_error(str(error))
        return
    # Messages name the role only: the e-mail is typed text, and toasts render Markdown.
    if changed:
        st.toast(f"{'Granted' if grant else 'Revoked'} the {role.value} role")
    else:
        st.info(f"Nothing changed: that person {'already holds' if grant else 'does not hold'} "
                f"the {role.value} role.")
