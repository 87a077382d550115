"""Local mode remembers the picked user in this browser, so a reload or a bookmark stays signed in.

The browser keeps a cookie holding the e-mail, an expiry and an HMAC of both under a key that lives
only in this server process: another browser has no such cookie, and nobody can make one for a user
they did not pick here. A restart of the server forgets the key, and with it every remembered user.
(OIDC needs none of this: Streamlit's own signed auth cookie keeps `st.user` across reloads.)
"""

import base64
import hashlib
import hmac
import json
import secrets
import time

import streamlit as st

COOKIE_NAME = "workbench_local_user"
REMEMBER_SECONDS = 12 * 3600
# Set after `Sign out`: the cookie the session started with must not sign it straight back in.
SIGNED_OUT_KEY = "auth_local_signed_out"
_PENDING_SCRIPT_KEY = "auth_local_cookie_script"


@st.cache_resource
def _signing_key() -> bytes:
    return secrets.token_bytes(32)


def signed_cookie_value(email: str, now: float | None = None) -> str:
    """The cookie value that remembers `email` until `REMEMBER_SECONDS` from now."""
    expires = int((now or time.time()) + REMEMBER_SECONDS)
    body = base64.urlsafe_b64encode(json.dumps([email, expires]).encode()).decode().rstrip("=")
    return f"{body}.{_signature(body)}"


def email_from_cookie_value(value: str, now: float | None = None) -> str | None:
    """The e-mail a cookie value remembers, or None when it is forged, damaged or expired."""
    body, _, signature = value.partition(".")
    if not body or not hmac.compare_digest(signature, _signature(body)):
        return None
    try:
        email, expires = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(email, str) or not isinstance(expires, int) or expires <= (now or time.time()):
        return None
    return email


def _signature(body: str) -> str:
    return hmac.new(_signing_key(), body.encode(), hashlib.sha256).hexdigest()


def remembered_local_user() -> str | None:
    """The user this browser picked earlier, from its cookie; None after `Sign out`."""
    if st.session_state.get(SIGNED_OUT_KEY):
        return None
    value = st.context.cookies.get(COOKIE_NAME)
    # Only a real browser request carries cookies (AppTest's context hands back a stand-in).
    return email_from_cookie_value(value) if isinstance(value, str) and value else None


def remember_local_user(email: str) -> None:
    """Have this browser remember `email` (the cookie is written on the next run)."""
    st.session_state.pop(SIGNED_OUT_KEY, None)
    st.session_state[_PENDING_SCRIPT_KEY] = _cookie_script(signed_cookie_value(email), REMEMBER_SECONDS)


def forget_local_user() -> None:
    """Sign this session out for good: ignore its cookie, and have the browser drop it."""
    st.session_state[SIGNED_OUT_KEY] = True
    st.session_state[_PENDING_SCRIPT_KEY] = _cookie_script("", 0)


def write_pending_cookie() -> None:
    """Send the cookie change a sign-in or sign-out asked for (our own script, no user text)."""
    script = st.session_state.pop(_PENDING_SCRIPT_KEY, None)
    if script:
        st.html(script, unsafe_allow_javascript=True)


def _cookie_script(value: str, max_age: int) -> str:
    # The value is base64url and hex only, so it needs no quoting inside the script.
    assert all(ch.isalnum() or ch in "-_." for ch in value)
    return (f"<script>document.cookie = '{COOKIE_NAME}={value}; path=/; max-age={max_age}; "
            "SameSite=Strict';</script>")
