"""The review form on `Review` and `Escalations`: landmarks, outputs by shape, refusals shown all at
once, the next item at once, Skip, escalation."""

import pytest

from review.enums import ItemState, Queue, Role
from review.export import export_rows
from review.queue import held_item
from storage.engine import reading
from storage.models import Item
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
    toasts,
)

REVIEW_BUTTONS = ["Show changes", "Approve", "Save edit", "Reject", "Escalate", "Skip"]
HOSTILE = "[click](javascript:alert(1)) <img src=x onerror=alert(2)> **bold** :red[x]"
EMAIL = "Hi Maria,\n\nThank you for writing.\nYour refund is on its way.\n\nKind regards,\nAlex"


def holding(engine, actor, queue=Queue.REVIEW) -> tuple[int, str] | None:
    """The item and lease the actor holds."""
    held = held_item(engine, actor, queue)
    return None if held is None else (held.item_id, held.lease_id)


def decisions(engine) -> dict[int, dict]:
    """Every final decision so far, by item id, as the data set has it."""
    return {row["item_id"]: row for _, row in export_rows(engine, OPERATOR, ExportFilter())}


def claimed(engine, role=Role.REVIEWER, **item):
    """One queued item (with `item`'s fields), a person holding it on `Review`, and the page."""
    queue_items(engine, 1, **item)
    reviewer = person(engine, role)
    at = open_app(reviewer.identity)
    press(at, "Claim next")
    held = held_item(engine, reviewer)
    assert held is not None
    return at, reviewer, held


def test_a_held_item_shows_its_header_content_and_the_form_but_not_how_it_was_routed(app_engine):
    at, _reviewer, held = claimed(app_engine, external_id="T-100", output={"category": "account"},
                                  confidence=0.3, impact="high", model_version="triage-v4")
    shown = texts(at)
    for part in ["T-100", "helpdesk-ai / ticket-triage", "model triage-v4", "impact high"]:
        assert part in shown
    assert any(text.startswith("waiting ") for text in shown)
    assert any(text.startswith("SLA due in ") for text in shown)
    assert shown[shown.index("category"):shown.index("category") + 2] == ["category", "account"]
    assert not at.metric
    assert not any("high impact" in text for text in shown)
    assert not any("0.30" in text for text in shown)
    assert labelled(at.selectbox, "Reason").options == held.reason_codes
    assert labelled(at.text_area, "Rationale").value == ""
    assert labelled(at.text_input, "category").value == "account"
    assert button_labels(at) == REVIEW_BUTTONS
    assert [tab.label for tab in at.tabs] == ["Input context", "Guidelines", "AI output",
                                              "Corrected output", "Your edit"]


def test_the_queue_counts_and_the_session_tally_are_shown(app_engine):
    queue_items(app_engine, 3)
    at = open_app(person(app_engine, Role.REVIEWER).identity)
    press(at, "Claim next")
    assert "3 waiting · 0 past SLA · 0 decided by you this session" in [c.value for c in at.caption]
    press(at, "Approve")
    assert "2 waiting · 0 past SLA · 1 decided by you this session" in [c.value for c in at.caption]


def test_a_text_output_is_shown_and_edited_as_that_text_and_stored_as_edited(app_engine):
    at, reviewer, held = claimed(app_engine, output=EMAIL)
    assert EMAIL in texts(at)
    editor = labelled(at.text_area, "Corrected output")
    assert editor.value == EMAIL
    edited = EMAIL.replace("Kind regards", "Best wishes")
    fill_form(at, "wrong_content", "Friendlier sign-off.", output=edited)
    press(at, "Show changes")
    assert "Hi Maria,\n\nThank you for writing.\nYour refund is on its way.\n\n[-Kind regards,-]" \
        "{+Best wishes,+}\nAlex" in texts(at)
    assert holding(app_engine, reviewer) == (held.item_id, held.lease_id)
    press(at, "Save edit")
    row = decisions(app_engine)[held.item_id]
    assert (row["decision"], row["final_output"], row["ai_output"]) == ("edited", edited, EMAIL)


def test_an_object_is_edited_field_by_field_keeping_each_fields_type(app_engine):
    output = {"vendor": "Acme", "total": 120, "paid": False, "note": None}
    at, _reviewer, held = claimed(app_engine, output=output)
    labelled(at.text_input, "total").input("125")
    labelled(at.text_input, "note").input("checked by hand")
    fill_form(at, "wrong_content", "Total misread.")
    press(at, "Save edit")
    row = decisions(app_engine)[held.item_id]
    assert row["final_output"] == {"vendor": "Acme", "total": 125, "paid": False, "note": "checked by hand"}


def test_a_field_that_does_not_read_as_its_type_is_named(app_engine):
    at, reviewer, held = claimed(app_engine, output={"total": 120})
    labelled(at.text_input, "total").input("12O")
    fill_form(at, "wrong_content", "Total misread.")
    press(at, "Save edit")
    assert any(text.startswith("total: expected a whole number") for text in texts(at))
    assert holding(app_engine, reviewer) == (held.item_id, held.lease_id)
    assert decisions(app_engine) == {}


def test_an_output_of_another_shape_is_edited_as_json_and_bad_json_is_refused_with_its_place(app_engine):
    at, reviewer, held = claimed(app_engine, output={"scores": {"spam": 0.1}})
    assert labelled(at.text_area, "Corrected output").value == '{\n  "scores": {\n    "spam": 0.1\n  }\n}'
    fill_form(at, "wrong_content", "Spam score too low.", output='{"scores": {"spam": 0.9}')
    press(at, "Save edit")
    assert any(text.startswith("not valid JSON:") and "line 1" in text for text in texts(at))
    assert holding(app_engine, reviewer) == (held.item_id, held.lease_id)
    fill_form(at, output='{"scores": {"spam": 0.9}}')
    press(at, "Save edit")
    assert decisions(app_engine)[held.item_id]["final_output"] == {"scores": {"spam": 0.9}}


def test_untrusted_item_text_is_never_rendered_as_markdown(app_engine):
    at, _reviewer, _held = claimed(
        app_engine, source=f"src {HOSTILE}", task=f"task {HOSTILE}", model_version=HOSTILE,
        input={HOSTILE: HOSTILE}, output={"reply": HOSTILE},
    )
    shown = texts(at)
    assert HOSTILE in shown and f"model {HOSTILE}" in shown
    markdown = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.toast, *at.metric]
    labels = [widget.label for widget in [*at.button, *at.selectbox, *at.text_area, *at.tabs]]
    for text in [element.value for element in markdown] + labels:
        assert "javascript:" not in text


@pytest.mark.parametrize("button", ["Save edit", "Reject", "Escalate"])
def test_every_missing_field_is_reported_at_once_and_the_item_kept(app_engine, button):
    at, reviewer, held = claimed(app_engine, output={"category": "account"})
    press(at, button)
    shown = texts(at)
    action = {"Save edit": "edit", "Reject": "reject", "Escalate": "escalate"}[button]
    assert f"{action} needs a reason code" in shown
    assert f"{action} needs a rationale" in shown
    if button == "Save edit":
        assert "the corrected output is the same as the AI output; approve it instead" in shown
    assert holding(app_engine, reviewer) == (held.item_id, held.lease_id)
    assert decisions(app_engine) == {}
    assert button_labels(at) == REVIEW_BUTTONS


def test_a_refusal_keeps_what_was_typed(app_engine):
    at, _reviewer, _held = claimed(app_engine)
    fill_form(at, rationale="It is billing, not account.")
    press(at, "Reject")
    refusals = [text for text in texts(at) if text.endswith("needs a reason code")]
    assert refusals == ["reject needs a reason code"]
    assert not [text for text in texts(at) if text.endswith("needs a rationale")]
    assert labelled(at.text_area, "Rationale").value == "It is billing, not account."


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
    assert toasts(at) == [f"{first.external_id}: approved"]
    assert second.external_id in texts(at)
    row = decisions(app_engine)[first.item_id]
    assert (row["decision"], row["reviewer"], row["final_output"]) == ("approved", reviewer.identity,
                                                                        row["ai_output"])


@pytest.mark.parametrize(("button", "form", "decision", "final_output"), [
    ("Approve", {}, "approved", {"category": "account"}),
    ("Reject", {"reason": "hallucination", "rationale": "Made up."}, "rejected", None),
])
def test_deciding_the_last_item_says_queue_is_empty(app_engine, button, form, decision, final_output):
    at, reviewer, _held = claimed(app_engine, output={"category": "account"})
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


def test_skip_gives_the_item_back_hands_out_another_and_keeps_it_from_this_reviewer(app_engine):
    queue_items(app_engine, 2)
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    press(at, "Claim next")
    skipped = held_item(app_engine, reviewer)
    fill_form(at, rationale="Needs the attachment, which I cannot open.")
    press(at, "Skip")
    other = held_item(app_engine, reviewer)
    assert other is not None and other.item_id != skipped.item_id
    assert toasts(at) == [f"{skipped.external_id}: skipped"]
    with reading(app_engine) as session:
        item = session.get(Item, skipped.item_id)
        assert (item.state, item.lease_holder) == (ItemState.PENDING, None)
    press(at, "Approve")
    assert "Queue is empty" in infos(at)

    colleague = person(app_engine, Role.REVIEWER)
    at = open_app(colleague.identity)
    press(at, "Claim next")
    assert held_item(app_engine, colleague).item_id == skipped.item_id


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
    assert f"Escalated by {first.identity}: policy_violation" in texts(at)
    assert "Needs a senior: it promises a refund." in texts(at)
    assert button_labels(at) == ["Show changes", "Approve", "Save edit", "Reject", "Skip"]
    press(at, "Approve")
    assert "Queue is empty" in infos(at)
    row = decisions(app_engine)[escalated.item_id]
    assert (row["decision"], row["reviewer"], row["escalated"]) == ("approved", second.identity, True)
