"""The decision form of a held item: one `st.form`, so a shortcut pressed while typing submits
what is in every field, and every submission is handled in a callback before the panel reruns.

The callback decides and claims the next item in the same run: the reviewer's one round trip
draws the next item (before, a decision ran the whole page twice).
"""

from dataclasses import dataclass
from typing import Any

import streamlit as st

from review.content import Shape, field_changes, shape_of, word_diff
from review.decisions import DecisionRequest, decide, request_problems
from review.enums import Action, Queue
from review.errors import InvalidRequest, LeaseLost, WorkbenchError
from review.queue import HeldItem, claim_next
from review.skips import skip_item
from ui.adjudication_view import render_prior_decisions
from ui.content_editor import edited_output, render_output_editor
from ui.content_view import render_value
from ui.deps import current_actor, get_engine
from ui.review_state import QueueWork, queue_work

SKIP = "skip"
SHOW_CHANGES = "show_changes"


@dataclass(frozen=True)
class FormButton:
    """A submit button of the form: its label and its shortcut."""

    label: str
    shortcut: str


# Streamlit refuses C and R in shortcuts with any modifier (the browser's copy and reload).
BUTTONS = {
    Action.APPROVE: FormButton("Approve", "Alt+A"),
    Action.EDIT: FormButton("Save edit", "Alt+E"),
    Action.REJECT: FormButton("Reject", "Alt+J"),
    Action.ESCALATE: FormButton("Escalate", "Alt+X"),
    SKIP: FormButton("Skip", "Alt+S"),
    SHOW_CHANGES: FormButton("Show changes", "Alt+D"),
}
# The buttons show their own shortcuts; the legend adds what no button on screen says.
SHORTCUT_LEGEND = "Shortcuts work while typing · Alt+D shows your edit · Alt+N claims next"
_FIELD_OF_PROBLEM = {"reason_code": "reason", "rationale": "rationale", "output": "output"}


def render_decision_form(queue: Queue, held: HeldItem, work: QueueWork) -> None:
    """Context, output, editor and the decision controls of `held`, side by side on one screen."""
    key = form_key(queue, held)
    with st.form(key, border=False, enter_to_submit=False):
        left, middle, right = st.columns([4, 4, 3], gap="medium")
        with left:
            _render_context(held, key)
        with middle:
            _render_output(queue, held, key, work)
        with right, st.container(key="review_controls", gap="small"):
            _render_controls(queue, held, key, work)


def form_key(queue: Queue, held: HeldItem) -> str:
    """Widget keys of one item under one lease: a new item always opens with a fresh form."""
    return f"{queue.value}_{held.item_id}_{held.lease_id}"


def _render_context(held: HeldItem, key: str) -> None:
    tabs = ["Input context", "Guidelines"]
    # Keyed per item and lease: a new item opens on its first tab, not on the one last used.
    context, guidelines = st.tabs(tabs, key=f"review_context_tabs_{key}")
    with context:
        render_value(held.input, f"review_pane_input_{key}")
    with guidelines, st.container(key=f"review_pane_guidelines_{key}"):
        st.text(held.guidelines or "No guidelines for this task yet.")


def _render_output(queue: Queue, held: HeldItem, key: str, work: QueueWork) -> None:
    # An adjudication adds a tab with both disagreeing reviews.
    adjudication = ["Both reviews"] if held.prior_decisions else []
    output, editor, changes, *reviews = st.tabs(
        ["AI output", "Corrected output", "Your edit", *adjudication], key=f"review_output_tabs_{key}"
    )
    with output:
        render_value(held.output, f"review_pane_output_{key}")
    with editor:
        render_output_editor(held.output, f"edit_{key}")
        _problem(work, "output")
    with changes, st.container(key=f"review_pane_changes_{key}"):
        _render_changes(held, key)
        _button(queue, SHOW_CHANGES, key, "tertiary")
    for tab in reviews:
        with tab, st.container(key=f"review_pane_reviews_{key}"):
            render_prior_decisions(held, key)


def _render_changes(held: HeldItem, key: str) -> None:
    try:
        after = edited_output(held.output, f"edit_{key}")
    except ValueError as error:
        st.text(str(error))
        return
    if after == held.output:
        st.caption("No changes yet. Edit under *Corrected output*, then press Show changes (Alt+D).")
    elif shape_of(held.output) is Shape.TEXT and isinstance(after, str):
        st.caption("Removed text is shown [-like this-], added text {+like this+}.")
        st.text(word_diff(held.output, after))
    else:
        rows = [{"field": c.field, "AI output": c.before, "corrected": c.after}
                for c in field_changes(held.output, after)]
        st.dataframe(rows, hide_index=True)


def _render_controls(queue: Queue, held: HeldItem, key: str, work: QueueWork) -> None:
    if held.escalation is not None:
        with st.container(key=f"review_escalation_{key}"):
            st.text(f"Escalated by {held.escalation.by}: {held.escalation.reason_code or 'no reason code'}")
            st.text(held.escalation.rationale or "")
    _problem(work, "form")
    st.selectbox("Reason", held.reason_codes, index=None, key=f"{key}_reason",
                 placeholder="Needed for edit, reject and escalate")
    _problem(work, "reason")
    st.text_area("Rationale", key=f"{key}_rationale", height=80,
                 placeholder="Needed for edit, reject and escalate")
    _problem(work, "rationale")
    actions: list[Action | str] = [Action.APPROVE, Action.EDIT, Action.REJECT]
    if queue is Queue.REVIEW:
        actions.append(Action.ESCALATE)
    actions.append(SKIP)
    with st.container(horizontal=True, gap="small", key=f"review_buttons_{key}"):
        for action in actions:
            _button(queue, action, key, "primary" if action is Action.APPROVE else "secondary")
    st.caption(SHORTCUT_LEGEND)


def _button(queue: Queue, action: Action | str, key: str, kind: Any) -> None:
    button = BUTTONS[action]
    st.form_submit_button(button.label, key=f"{key}_{action}", shortcut=button.shortcut, type=kind,
                          on_click=_on_submit, args=(queue, key, action))


def _problem(work: QueueWork, field: str) -> None:
    message = work.problems.get(field)
    if message:
        # Plain text: a problem can quote what the reviewer typed.
        with st.container(key=f"review_problem_{field}"):
            st.text(message)


def _on_submit(queue: Queue, key: str, action: Action | str) -> None:
    """Runs before the panel reruns: decide (or skip) and claim the next item in one go."""
    work = queue_work(queue)
    held = work.held
    if held is None or form_key(queue, held) != key:
        return  # a stale form: the panel shows what is held now
    work.problems = {}
    if action == SHOW_CHANGES:
        return
    try:
        if action == SKIP:
            _skip(queue, held, key, work)
        else:
            _decide(queue, held, key, Action(action), work)
    except LeaseLost as error:
        work.held, work.flash = None, str(error)
    except WorkbenchError as error:
        field = error.field if isinstance(error, InvalidRequest) else None
        work.problems = {_FIELD_OF_PROBLEM.get(field or "", "form"): str(error)}


def _decide(queue: Queue, held: HeldItem, key: str, action: Action, work: QueueWork) -> None:
    state = st.session_state
    request = DecisionRequest(held.item_id, held.lease_id, action,
                              reason_code=state.get(f"{key}_reason"),
                              rationale=state.get(f"{key}_rationale") or "")
    problems: dict[str, str] = {}
    if action is Action.EDIT:
        try:
            request = _with_output(request, edited_output(held.output, f"edit_{key}"))
        except ValueError as error:
            problems["output"] = str(error)
    found = request_problems(request, held.reason_codes, held.output)
    problems.update({_FIELD_OF_PROBLEM[field]: message for field, message in found.items()
                     if not (field == "output" and "output" in problems)})
    if problems:
        work.problems = problems
        return
    result = decide(get_engine(), _actor(), request)
    work.decided += 1
    work.flash = f"{held.external_id}: {result.outcome.value}"
    _claim_next(queue, work)


def _with_output(request: DecisionRequest, output: Any) -> DecisionRequest:
    return DecisionRequest(request.item_id, request.lease_id, request.action, output=output,
                           reason_code=request.reason_code, rationale=request.rationale)


def _skip(queue: Queue, held: HeldItem, key: str, work: QueueWork) -> None:
    skip_item(get_engine(), _actor(), held.item_id, held.lease_id,
              reason=st.session_state.get(f"{key}_rationale") or None)
    work.flash = f"{held.external_id}: skipped"
    _claim_next(queue, work)


def _claim_next(queue: Queue, work: QueueWork) -> None:
    work.held = claim_next(get_engine(), _actor(), queue)
    work.empty = work.held is None
    work.counts = None


def _actor() -> Any:
    actor = current_actor()
    if actor is None:
        raise LeaseLost("you are signed out; sign in and claim again")
    return actor
