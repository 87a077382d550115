"""The review form on `Review` and `Escalations`: landmarks, refusals, the next item, escalation."""

import json

import pytest

from review.enums import Queue, Role
from review.export import export_rows
from review.queue import held_item
from storage.repositories.export_rows import ExportFilter
from tests.factories import OPERATOR, queue_items
from tests.ui.workbench_app import (
    button_labels,
    fill_form,
    infos,
    labelled,
    open_app,
    open_page,
    person,
    press,
    texts,
)

REVIEW_BUTTONS = ["Approve", "Save edit", "Reject", "Escalate"]
HOSTILE = "[click](javascript:alert(1)) <img src=x onerror=alert(2)> **bold**"


def holding(engine, actor, queue=Queue.REVIEW) -> tuple[int, str] | None:
    """The item and lease the actor holds (the page renews the lease's expiry on every run)."""
    held = held_item(engine, actor, queue)
    return None if held is None else (held.item_id, held.lease_id)


def decisions(engine) -> dict[int, dict]:
    """Every final decision so far, by item id, as the data set has it."""
    return {row["item_id"]: row for _, row in export_rows(engine, OPERATOR, ExportFilter())}


def test_a_held_item_shows_its_output_confidence_reason_and_the_form(app_engine):
    queue_items(app_engine, 1, output={"category": "account"}, confidence=0.3)
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    assert button_labels(at) == ["Claim next"]
    press(at, "Claim next")
    held = held_item(app_engine, reviewer)
    assert held is not None
    assert labelled(at.metric, "Confidence").value == "0.30"
    assert any(json.loads(code.value) == {"category": "account"} for code in at.code)
    assert held.routing_reason in texts(at)
    assert labelled(at.selectbox, "Reason").options == held.reason_codes
    assert labelled(at.text_area, "Rationale").value == ""
    assert json.loads(labelled(at.text_area, "Corrected output").value) == {"category": "account"}
    assert button_labels(at) == REVIEW_BUTTONS


def test_untrusted_item_text_is_never_rendered_as_markdown(app_engine):
    queue_items(app_engine, 1, source=f"src {HOSTILE}", task=f"task {HOSTILE}", model_version=HOSTILE,
                input={"ticket": HOSTILE}, output={"reply": HOSTILE})
    at = open_app(person(app_engine, Role.REVIEWER).identity)
    press(at, "Claim next")
    assert any(HOSTILE in code.value for code in at.code)
    assert any(HOSTILE in text for text in texts(at))
    markdown = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.toast, *at.metric]
    labels = [widget.label for widget in [*at.button, *at.selectbox, *at.text_area]]
    for shown in [element.value for element in markdown] + labels:
        assert "javascript:" not in shown


@pytest.mark.parametrize("button", ["Save edit", "Reject", "Escalate"])
@pytest.mark.parametrize(("reason", "rationale", "refusal"), [
    (None, None, "needs a reason code"),
    ("wrong_content", None, "needs a rationale"),
    (None, "It is billing.", "needs a reason code"),
    ("wrong_content", "   ", "needs a rationale"),
])
def test_the_form_refuses_without_reason_and_rationale_and_keeps_the_item(
    app_engine, button, reason, rationale, refusal
):
    queue_items(app_engine, 1)
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    press(at, "Claim next")
    before = holding(app_engine, reviewer)
    assert before is not None
    fill_form(at, reason, rationale, output='{"category": "billing"}' if button == "Save edit" else None)
    press(at, button)
    assert [refusal in error.value for error in at.error] == [True]
    assert holding(app_engine, reviewer) == before
    assert decisions(app_engine) == {}
    assert button_labels(at) == REVIEW_BUTTONS
    if rationale is not None:
        assert labelled(at.text_area, "Rationale").value == rationale


def test_an_edit_that_is_not_json_is_refused_in_the_form(app_engine):
    queue_items(app_engine, 1)
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    press(at, "Claim next")
    before = holding(app_engine, reviewer)
    fill_form(at, "wrong_content", "It is billing.", output='{"category": billing')
    press(at, "Save edit")
    assert [error.value for error in at.error] == ["The corrected output is not valid JSON."]
    assert holding(app_engine, reviewer) == before


def test_approve_decides_the_item_and_holds_the_next_one_at_once(app_engine):
    queue_items(app_engine, 2)
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    press(at, "Claim next")
    first = held_item(app_engine, reviewer)
    assert first is not None
    press(at, "Approve")
    second = held_item(app_engine, reviewer)
    assert second is not None and second.item_id != first.item_id
    assert button_labels(at) == REVIEW_BUTTONS
    assert [toast.value for toast in at.toast] == [f"Item {first.item_id}: approved"]
    assert "Queue is empty" not in infos(at)
    row = decisions(app_engine)[first.item_id]
    assert (row["decision"], row["reviewer"], row["final_output"]) == ("approved", reviewer.identity,
                                                                        row["ai_output"])


@pytest.mark.parametrize(("button", "form", "decision", "final_output"), [
    ("Approve", {}, "approved", {"category": "account"}),
    ("Reject", {"reason": "hallucination", "rationale": "Made up."}, "rejected", None),
    ("Save edit", {"reason": "wrong_content", "rationale": "It is billing.",
                   "output": '{"category": "billing"}'}, "edited", {"category": "billing"}),
])
def test_deciding_the_last_item_says_queue_is_empty(app_engine, button, form, decision, final_output):
    queue_items(app_engine, 1, output={"category": "account"})
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    press(at, "Claim next")
    fill_form(at, **form)
    press(at, button)
    assert "Queue is empty" in infos(at)
    assert button_labels(at) == ["Claim next"]
    assert held_item(app_engine, reviewer) is None
    [row] = decisions(app_engine).values()
    assert (row["decision"], row["final_output"], row["reason_code"], row["rationale"]) == (
        decision, final_output, form.get("reason"), form.get("rationale"))


def test_claim_next_on_an_empty_queue_says_so(app_engine):
    at = open_app(person(app_engine, Role.REVIEWER).identity)
    assert "Queue is empty" not in infos(at)
    press(at, "Claim next")
    assert "Queue is empty" in infos(at)
    assert button_labels(at) == ["Claim next"]


def test_an_escalation_reaches_another_senior_and_never_the_one_who_escalated(app_engine):
    queue_items(app_engine, 1)
    first = person(app_engine, Role.SENIOR)
    second = person(app_engine, Role.SENIOR)

    at = open_app(first.identity)
    press(at, "Claim next")
    escalated = held_item(app_engine, first)
    fill_form(at, "policy_violation", "Needs a senior: it promises a refund.")
    press(at, "Escalate")
    assert "Queue is empty" in infos(at)
    open_page(at, "Escalations")
    assert button_labels(at) == ["Claim next"]
    press(at, "Claim next")
    assert "Queue is empty" in infos(at)
    assert held_item(app_engine, first, Queue.ESCALATIONS) is None

    at = open_app(second.identity)
    open_page(at, "Escalations")
    press(at, "Claim next")
    held = held_item(app_engine, second, Queue.ESCALATIONS)
    assert held is not None and held.item_id == escalated.item_id
    assert f"{first.identity}: policy_violation" in texts(at)
    assert "Needs a senior: it promises a refund." in [code.value for code in at.code]
    assert button_labels(at) == ["Approve", "Save edit", "Reject"]
    press(at, "Approve")
    assert "Queue is empty" in infos(at)
    row = decisions(app_engine)[escalated.item_id]
    assert (row["decision"], row["reviewer"], row["escalated"]) == ("approved", second.identity, True)
