"""State the Policy page keeps across a rerun: a setting the Dashboard suggests, what a save did."""

import streamlit as st

from ui.plain_text import literal

PREFILL_KEY = "policy_prefill"
FLASH_KEY = "policy_flash"
POLICY_PAGE = "app_pages/policy.py"


def offer_threshold(threshold: float) -> None:
    """An `Apply` button that opens the Policy page with `threshold` in the form, for the policy
    the Dashboard's source and task filters name (the default policy when they name none)."""
    if not st.button("Apply", key="dashboard_apply_threshold", help="Edit the policy with this threshold"):
        return
    source = str(st.session_state.get("dashboard_source") or "").strip() or "*"
    task = str(st.session_state.get("dashboard_task") or "").strip() if source != "*" else ""
    st.session_state[PREFILL_KEY] = {"source": source, "task": task or "*", "threshold": threshold}
    st.switch_page(POLICY_PAGE)


def take_prefill() -> dict[str, object] | None:
    """The pending prefill, if the Dashboard sent one (kept until the form is saved)."""
    value = st.session_state.get(PREFILL_KEY)
    return value if isinstance(value, dict) else None


def clear_prefill() -> None:
    """Forget the prefill once it was saved."""
    st.session_state.pop(PREFILL_KEY, None)


def flash(message: str) -> None:
    """Keep `message` to show after the rerun that shows the saved version."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    """Show, once, what the last save did (as plain text: it quotes typed names and reasons)."""
    message = st.session_state.pop(FLASH_KEY, None)
    if isinstance(message, str):
        st.success(literal(message))
