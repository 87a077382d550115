"""The pause switch: each policy's automation state, who set it and why, and a toggle that needs
a reason."""

import streamlit as st

from review.actors import Actor
from review.errors import WorkbenchError
from review.policies import PolicyChange, list_policies, set_policy
from ui.deps import get_engine
from ui.plain_text import show_error


def render_pause_switch(actor: Actor) -> bool:
    """One row per policy with its state, who set it and why, and a Pause/Resume button; True when
    one changed."""
    st.text("Paused: every new output of that scope goes to a person. A source's policy (task *) "
            "covers all its tasks, the default (* / *) everything; any paused level pauses. "
            "Pause a whole source or everything on the Policy page.")
    reason = st.text_input("Reason for pause or resume", key="dashboard_pause_reason")
    for number, policy in enumerate(list_policies(get_engine(), actor)):
        scope, state, button = st.columns([3, 4, 2])
        scope.text(f"{policy.source} / {policy.task}")
        why = f": {policy.change_reason}" if policy.change_reason else ""
        state.text(f"{'PAUSED' if policy.paused else 'automating'} since v{policy.version}, "
                   f"set by {policy.author} at {policy.created_at:%Y-%m-%d %H:%M} UTC{why}")
        label = "Resume automation" if policy.paused else "Pause automation"
        if button.button(label, key=f"dashboard_pause_{number}"):
            try:
                set_policy(get_engine(), actor, policy.source, policy.task,
                           PolicyChange(paused=not policy.paused, reason=reason))
            except WorkbenchError as error:
                show_error(str(error))
                return False
            return True
    return False
