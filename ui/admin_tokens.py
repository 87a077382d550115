"""Admin tab `API tokens`: create one (its value shown once), list them without values, revoke."""

import pandas as pd
import streamlit as st

from review.actors import Actor
from review.errors import WorkbenchError
from review.tokens import Scope, create_token, list_token_info, revoke_token
from ui.deps import get_engine
from ui.plain_text import show_error

TOKEN_COLUMNS = ["name", "scope", "user", "sources", "reviewer_identities", "created_by", "created_at",
                 "revoked_at"]


def render_tokens_tab(actor: Actor) -> None:
    """The create form, the revoke form, then every token without its value."""
    st.subheader("Create a token")
    _render_create_form(actor)
    st.subheader("Revoke a token")
    _render_revoke_form(actor)
    st.subheader("Tokens")
    tokens = list_token_info(get_engine(), actor)
    rows = [{"name": t.name, "scope": t.scope.value, "user": t.user_email,
             "sources": ", ".join(t.sources) if t.sources else "all",
             "reviewer_identities": t.reviewer_identities, "created_by": t.created_by,
             "created_at": t.created_at, "revoked_at": t.revoked_at} for t in tokens]
    st.dataframe(pd.DataFrame(rows, columns=TOKEN_COLUMNS), hide_index=True)


def _render_create_form(actor: Actor) -> None:
    with st.form("admin_token_form", clear_on_submit=True):
        name = st.text_input("Token name", key="admin_token_name")
        scope = st.selectbox("Scope", [scope.value for scope in Scope], key="admin_token_scope")
        user = st.text_input("Acts as (e-mail, review tokens only)", key="admin_token_user")
        sources = st.text_area("Sources it may read and write (one per line; empty: every source)",
                               key="admin_token_sources")
        identities = st.checkbox("Show it reviewers' e-mails, not pseudonyms",
                                 key="admin_token_reviewer_identities")
        submitted = st.form_submit_button("Create token", type="primary", key="admin_token_create")
    if not submitted:
        return
    try:
        value = create_token(get_engine(), actor, name, Scope(scope), user.strip() or None,
                             sources=_source_lines(sources), reviewer_identities=identities)
    except WorkbenchError as error:
        show_error(str(error))
        return
    # Shown in this run only: it is neither kept in session state nor stored anywhere in clear.
    st.warning("Copy this token now: it will not be shown again.")
    st.code(value, language=None)


def _source_lines(text: str) -> list[str] | None:
    """The sources typed one per line, or None (every source) when none is."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines or None


def _render_revoke_form(actor: Actor) -> None:
    with st.form("admin_revoke_token_form", clear_on_submit=True):
        name = st.text_input("Name of the token to revoke", key="admin_revoke_token_name")
        confirmed = st.checkbox("Yes, callers using it are refused from now on",
                                key="admin_revoke_token_confirm")
        submitted = st.form_submit_button("Revoke token", key="admin_revoke_token")
    if not submitted:
        return
    if not confirmed:
        st.error("Tick the confirmation to revoke the token.")
        return
    try:
        changed = revoke_token(get_engine(), actor, name.strip())
    except WorkbenchError as error:
        show_error(str(error))
        return
    st.toast("Token revoked" if changed else "That token was revoked already")
