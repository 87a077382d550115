"""The Streamlit adapter: the cached engine and the signed-in person as the domain's `Actor`."""

import time

import streamlit as st
from sqlalchemy import Engine

from review.actors import Actor
from review.audit import record_refusal
from review.permissions import Permission, can
from review.roles import actor_for_person, role_claim_name
from review.settings import get_settings
from storage.engine import create_database_engine
from ui.local_session import remembered_local_user

LOCAL_USER_KEY = "auth_local_user"
ACTOR_KEY = "auth_actor"
# How long a session trusts the roles it looked up: every rerun asked the database before, and a
# role granted or revoked still takes effect within this bound.
ACTOR_TTL_SECONDS = 15.0
# The clock the role cache reads (tests move it forward).
role_cache_clock = time.monotonic


def _dispose(engine: Engine) -> None:
    engine.dispose()


# Clearing the cache (tests do, between databases) closes the pool instead of leaking it.
@st.cache_resource(on_release=_dispose)
def get_engine() -> Engine:
    """One engine (and connection pool) per server process."""
    return create_database_engine()


def database_key() -> str:
    """The configured database, password hidden: a cache key that keeps databases apart."""
    return get_engine().url.render_as_string(hide_password=True)


def is_local_mode() -> bool:
    """True when no identity provider is configured: people pick a local user instead (the
    server's start-up settings, the same object its loopback guard reads)."""
    return get_settings().local_mode


def signed_in_email() -> str | None:
    """The e-mail of the person using this session, or None before sign-in."""
    if is_local_mode():
        email = st.session_state.get(LOCAL_USER_KEY) or remembered_local_user()
        return str(email) if email else None
    if not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    return str(email).lower() if email else None


def current_actor() -> Actor | None:
    """The signed-in person with their roles, or None before sign-in."""
    email = signed_in_email()
    if email is None:
        return None
    cached = st.session_state.get(ACTOR_KEY)
    if cached is not None and cached[0] == email and role_cache_clock() - cached[2] < ACTOR_TTL_SECONDS:
        return cached[1]  # type: ignore[no-any-return]
    claimed = None if is_local_mode() else st.user.get(role_claim_name())
    actor = actor_for_person(get_engine(), email, claimed)
    st.session_state[ACTOR_KEY] = (email, actor, role_cache_clock())
    return actor


def require_actor() -> Actor:
    """The signed-in person; pages only run behind the sign-in gate, so one always exists."""
    actor = current_actor()
    if actor is None:
        st.stop()
    assert actor is not None
    return actor


def require_permission(permission: Permission) -> Actor:
    """The signed-in person if they may do `permission`; otherwise say so and stop the page.

    Navigation only offers permitted pages; this guards a page reached any other way.
    """
    actor = require_actor()
    if not can(actor, permission):
        record_refusal(get_engine(), actor, permission.value, "ui page")
        st.error(f"Your roles do not allow this: {permission.value}. Ask an admin for a role.")
        st.stop()
    return actor
