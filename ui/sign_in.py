"""The sign-in gate: local mode's user picker or OIDC's button, and the signed-in sidebar."""

import streamlit as st

from review.actors import Actor
from review.audit import AuditAction, record_audit
from review.roles import list_local_users
from ui.deps import LOCAL_USER_KEY, get_engine, is_local_mode, require_actor
from ui.local_session import forget_local_user, remember_local_user

# Who this browser session's sign-in was audited for: once per sign-in, not once per rerun.
SIGN_IN_RECORDED_KEY = "auth_sign_in_recorded"

LOCAL_MODE_BANNER = "Local mode — no authentication. Anyone who can reach this server can pick a user."


def render_sign_in() -> None:
    """Show the sign-in screen for the configured mode."""
    st.title("Review workbench")
    if not is_local_mode():
        if st.button("Sign in", type="primary", key="sign_in"):
            st.login()
        return
    users = list_local_users(get_engine())
    if not users:
        st.info("No local users yet. Grant a role first: `workbench role grant EMAIL reviewer`.")
        return
    labels = {user.email: f"{user.email} ({', '.join(sorted(user.roles))})" for user in users}
    email = st.selectbox("Local user", list(labels), format_func=labels.__getitem__,
                         key="sign_in_local_user")
    if st.button("Sign in", type="primary", key="sign_in"):
        st.session_state[LOCAL_USER_KEY] = email
        remember_local_user(email)
        st.rerun()


def record_sign_in_once(actor: Actor) -> None:
    """Audit the sign-in the first time a session runs as `actor` (sign-out clears the mark)."""
    if st.session_state.get(SIGN_IN_RECORDED_KEY) == actor.identity:
        return
    record_audit(get_engine(), actor, AuditAction.SIGNED_IN, f"user:{actor.identity}",
                 {"via": "local" if is_local_mode() else "oidc", "roles": sorted(actor.roles)})
    st.session_state[SIGN_IN_RECORDED_KEY] = actor.identity


def render_signed_in_sidebar(actor: Actor) -> None:
    """The signed-in person's e-mail and roles, and `Sign out`."""
    with st.sidebar:
        st.text(actor.identity)
        st.caption(", ".join(sorted(actor.roles)) or "no roles")
        if st.button("Sign out", key="sign_out"):
            _sign_out()


def _sign_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if is_local_mode():
        forget_local_user()
        st.rerun()
    else:
        st.logout()


def render_no_access() -> None:
    """The only page a signed-in person without roles sees."""
    actor = require_actor()
    st.title("No access")
    st.text(f"You are signed in as {actor.identity}, but you have no role in the workbench.")
    st.info("Ask an admin to grant you a role.")
