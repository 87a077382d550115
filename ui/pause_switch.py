"""The pause switch: each policy's automation state, who set it, and a one-click toggle."""

import streamlit as st

from review.actors import Actor
from review.errors import WorkbenchError
from review.policies import PolicyChange, list_policies, set_policy
from ui.deps import get_engine
from ui.plain_text import show_error


def render_pause_switch(actor: Actor) -> bool:
    """One row per policy with its state and a Pause/Resume button; True when one changed."""
    st.text("Paused: every new output of that source and task goes to a person. The default "
            "policy (*/*) covers sources and tasks without a policy of their own.")
    for number, policy in enumerate(list_policies(get_engine(), actor)):
        scope, state, button = st.columns([3, 4, 2])
        scope.text(f"{policy.source} / {policy.task}")
        state.text(f"{'PAUSED' if policy.paused else 'automating'} since v{policy.version}, "
                   f"set by {policy.author} at {policy.created_at:%Y-%m-%d %H:%M} UTC")
        label = "Resume automation" if policy.paused else "Pause automation"
        if button.button(label, key=f"dashboard_pause_{number}"):
            try:
                set_policy(get_engine(), actor, policy.source, policy.task,
                           PolicyChange(paused=not policy.paused))
            except WorkbenchError as error:
                show_error(str(error))
                return False
            return True
    return False
