"""The Policy page's edit form: pick a policy, change its settings, say why, save a new version."""

import streamlit as st

from review.actors import Actor
from review.errors import WorkbenchError
from review.policies import MAX_SLA_MINUTES, PolicyChange
from review.policy_edit import edit_policy
from storage.models import Policy
from ui.deps import get_engine
from ui.plain_text import show_error
from ui.policy_prefill import clear_prefill, flash, take_prefill

OTHER = "another source / task…"


def render_policy_form(actor: Actor, policies: list[Policy]) -> bool:
    """Choose a policy and edit it; True when a new version was saved."""
    st.subheader("Edit a policy")
    prefill = take_prefill() or {}
    scopes = [f"{p.source} / {p.task}" for p in policies]
    wanted = f"{prefill.get('source', '*')} / {prefill.get('task', '*')}"
    options = [*scopes, OTHER]
    index = options.index(wanted) if wanted in scopes else (len(scopes) if prefill else 0)
    chosen = st.selectbox("Policy to edit", options, index=index)
    if chosen == OTHER:
        left, right = st.columns(2)
        source = left.text_input("Source", value=str(prefill.get("source", "")))
        task = right.text_input("Task", value=str(prefill.get("task", "*")))
        base = policies[0]
    else:
        base = policies[scopes.index(str(chosen))]
        source, task = base.source, base.task
    threshold = prefill.get("threshold")
    change = _form(base, float(threshold) if isinstance(threshold, int | float) else base.threshold)
    if change is None:
        return False
    try:
        saved = edit_policy(get_engine(), actor, source.strip(), task.strip(), change)
    except WorkbenchError as error:
        show_error(str(error))
        return False
    clear_prefill()
    flash(f"Saved {saved.source} / {saved.task} as version {saved.version}: {saved.change_reason}")
    return True


def _form(base: Policy, threshold: float) -> PolicyChange | None:
    """The form's fields, prefilled from `base`; the change when `Save policy` was pressed."""
    with st.form(f"policy_edit_{base.source}_{base.task}"):
        rates = st.columns(4)
        new_threshold = rates[0].number_input("Threshold", 0.0, 1.0, threshold, 0.01, format="%.2f")
        audit_rate = rates[1].number_input("Audit rate", 0.0, 1.0, base.audit_rate, 0.01, format="%.3f")
        second = rates[2].number_input("Second-review rate", 0.0, 1.0, base.second_review_rate, 0.01,
                                       format="%.3f")
        target = rates[3].number_input("Error target (empty: no guardrail)", 0.001, 0.999,
                                       base.error_target, 0.01, format="%.3f")
        slas = st.columns(3)
        high, medium, low = (
            column.number_input(f"SLA minutes, {impact} impact", 1, MAX_SLA_MINUTES, minutes)
            for column, impact, minutes in zip(slas, ("high", "medium", "low"), (
                base.sla_minutes_high, base.sla_minutes_medium, base.sla_minutes_low), strict=True)
        )
        four_eyes = st.checkbox("Four-eyes on high impact", base.four_eyes_high_impact)
        show = st.checkbox("Show confidence to reviewers (the error estimate is then not blind)",
                           base.show_confidence)
        guidelines = st.text_area("Guidelines", base.guidelines)
        codes = st.text_input("Add reason codes (comma-separated)")
        reason = st.text_input("Reason for change")
        if not st.form_submit_button("Save policy"):
            return None
    return PolicyChange(
        threshold=new_threshold, audit_rate=audit_rate, second_review_rate=second,
        sla_minutes_high=int(high), sla_minutes_medium=int(medium), sla_minutes_low=int(low),
        four_eyes_high_impact=four_eyes, show_confidence=show, guidelines=guidelines,
        add_reason_codes=tuple(code.strip() for code in codes.split(",") if code.strip()),
        reason=reason, error_target=target, clear_error_target=target is None,
    )
