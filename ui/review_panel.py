"""The review form shared by `Review` and `Escalations`: claim, read, decide, next."""

import difflib
import json
from typing import Any

import streamlit as st

from review.actors import Actor
from review.decisions import DecisionRequest, decide
from review.enums import Action, Queue
from review.errors import LeaseLost, WorkbenchError
from review.permissions import Permission
from review.queue import HeldItem, claim_next, held_item, renew_lease
from ui.deps import get_engine, require_permission

LEASE_RENEWAL_SECONDS = 60
# Streamlit refuses C and R in shortcuts with any modifier (the browser's copy and reload).
_SHORTCUTS = {Action.APPROVE: "Alt+A", Action.EDIT: "Alt+E", Action.REJECT: "Alt+J", Action.ESCALATE: "Alt+X"}
_LABELS = {
    Action.APPROVE: "Approve", Action.EDIT: "Save edit", Action.REJECT: "Reject", Action.ESCALATE: "Escalate",
}
_PERMISSION = {Queue.REVIEW: Permission.REVIEW, Queue.ESCALATIONS: Permission.DECIDE_ESCALATIONS}


def render_queue(queue: Queue, title: str) -> None:
    """A page that works one queue: `Claim next`, then the held item and its decision form."""
    actor = require_permission(_PERMISSION[queue])
    st.title(title)
    flash = st.session_state.pop(f"{queue}_flash", None)
    if flash:
        st.toast(flash)
    item = held_item(get_engine(), actor, queue)
    if item is None:
        _render_idle(actor, queue)
        return
    _keep_lease(actor, item)
    _render_item(item)
    _render_decision_form(actor, queue, item)


def _render_idle(actor: Actor, queue: Queue) -> None:
    if st.session_state.get(f"{queue}_empty"):
        st.info("Queue is empty")
    if st.button("Claim next", type="primary", shortcut="Alt+N", key=f"{queue}_claim"):
        claimed = claim_next(get_engine(), actor, queue)
        st.session_state[f"{queue}_empty"] = claimed is None
        st.rerun()


@st.fragment(run_every=LEASE_RENEWAL_SECONDS)
def _keep_lease(actor: Actor, item: HeldItem) -> None:
    """Renew the lease while the page is open, so a slow read never loses the item."""
    try:
        renew_lease(get_engine(), actor, item.item_id, item.lease_id)
    except LeaseLost as error:
        st.warning(str(error))


def _render_item(item: HeldItem) -> None:
    # Everything here is untrusted text from an AI system or its upstream: st.text and st.code
    # show it verbatim, never as Markdown or HTML.
    top = st.columns(4)
    top[0].metric("Confidence", "unknown" if item.confidence is None else f"{item.confidence:.2f}")
    top[1].metric("Impact", item.impact or "unknown")
    with top[2]:
        st.caption("Source / task")
        st.text(f"{item.source} / {item.task}")
    with top[3]:
        st.caption("Model version")
        st.text(item.model_version or "unknown")
    st.caption("Why it was routed")
    st.text(item.routing_reason)
    if item.escalation is not None:
        st.caption("Escalated by")
        st.text(f"{item.escalation.by}: {item.escalation.reason_code}")
        st.code(item.escalation.rationale or "", language=None, wrap_lines=True)
    if item.guidelines:
        with st.expander("Task guidelines", expanded=False):
            st.text(item.guidelines)
    left, right = st.columns(2)
    with left:
        st.caption("Input context")
        st.code(_pretty(item.input), language="json", wrap_lines=True)
    with right:
        st.caption("AI output")
        st.code(_pretty(item.output), language="json", wrap_lines=True)


def _render_decision_form(actor: Actor, queue: Queue, item: HeldItem) -> None:
    key = f"{queue}_{item.item_id}_{item.lease_id}"
    reason = st.selectbox("Reason", item.reason_codes, index=None, key=f"{key}_reason",
                          placeholder="Needed for edit, reject and escalate")
    rationale = st.text_area("Rationale", key=f"{key}_rationale")
    corrected = st.text_area("Corrected output", value=_pretty(item.output), height=200,
                             key=f"{key}_output")
    edited = _parse_output(corrected)
    if edited is not _INVALID and edited != item.output:
        st.caption("Your edit")
        st.code(_diff(item.output, edited), language="diff")
    actions = [Action.APPROVE, Action.EDIT, Action.REJECT]
    if queue is Queue.REVIEW:
        actions.append(Action.ESCALATE)
    for column, action in zip(st.columns(len(actions)), actions, strict=True):
        if column.button(_LABELS[action], key=f"{key}_{action}", shortcut=_SHORTCUTS[action],
                         type="primary" if action is Action.APPROVE else "secondary"):
            _submit(actor, queue, item, action, reason, rationale, edited)


_INVALID: Any = object()


def _submit(actor: Actor, queue: Queue, item: HeldItem, action: Action, reason: str | None,
            rationale: str, edited: Any) -> None:
    if action is Action.EDIT and edited is _INVALID:
        st.error("The corrected output is not valid JSON.")
        return
    request = DecisionRequest(item.item_id, item.lease_id, action,
                              output=edited if action is Action.EDIT else None,
                              reason_code=reason, rationale=rationale)
    try:
        result = decide(get_engine(), actor, request)
    except WorkbenchError as error:
        st.error(str(error))
        return
    st.session_state[f"{queue}_flash"] = f"Item {item.item_id}: {result.outcome.value}"
    claimed = claim_next(get_engine(), actor, queue)
    st.session_state[f"{queue}_empty"] = claimed is None
    st.rerun()


def _parse_output(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return _INVALID


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _diff(before: Any, after: Any) -> str:
    lines = difflib.unified_diff(_pretty(before).splitlines(), _pretty(after).splitlines(),
                                 "AI output", "corrected", lineterm="")
    return "\n".join(lines)
