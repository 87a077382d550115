"""Pausing and resuming automation from the Policy page: a scope, a reason, then the button."""

import streamlit as st

from review.actors import Actor
from review.errors import WorkbenchError
from review.policies import PolicyChange, set_policy
from ui.deps import get_engine
from ui.plain_text import show_error
from ui.policy_prefill import flash

SCOPES = ("One source + task", "A whole source (every task)", "Everything")


def render_pause_controls(actor: Actor) -> bool:
    """The pause and resume form; True when a new version was saved."""
    st.subheader("Pause or resume automation")
    st.text("Paused: every new output in that scope goes to a person, however confident the model is.")
    with st.form("policy_pause_form"):
        scope = st.radio("Scope", SCOPES, horizontal=True)
        source_column, task_column = st.columns(2)
        source = source_column.text_input("Source of the pause")
        task = task_column.text_input("Task of the pause")
        reason = st.text_input("Reason for pause or resume")
        pause_column, resume_column = st.columns(2)
        pause = pause_column.form_submit_button("Pause automation")
        resume = resume_column.form_submit_button("Resume automation")
    if not (pause or resume):
        return False
    target_source, target_task = _target(str(scope), source.strip(), task.strip())
    try:
        set_policy(get_engine(), actor, target_source, target_task,
                   PolicyChange(paused=bool(pause), reason=reason))
    except WorkbenchError as error:
        show_error(str(error))
        return False
    done = "paused" if pause else "resumed"
    flash(f"Automation {done} for {target_source} / {target_task}: {reason.strip()}")
    return True


def _target(scope: str, source: str, task: str) -> tuple[str, str]:
    """The policy scope a pause applies to; an empty name is refused by the domain's checks."""
    if scope == SCOPES[2]:
        return "*", "*"
    if scope == SCOPES[1]:
        return source, "*"
    return source, task
