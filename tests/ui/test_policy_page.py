"""`Policy`: current values, an edit form with a required reason, pause scopes, and the history."""

import pytest

from review.enums import Role
from review.policies import PolicyChange, list_policies, set_policy
from tests.factories import OPERATOR, ingest, make_auto_record, stored_item
from tests.ui.workbench_app import PAGE_FILES, errors, labelled, open_app, open_page, person, press, ran
from ui.policy_prefill import PREFILL_KEY

SOURCE, TASK = "helpdesk-ai", "ticket-triage"


def _table(at, column: str):
    found = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert len(found) == 1, [list(frame.value.columns) for frame in at.dataframe]
    return found[0]


def _newest(engine, source: str, task: str):
    return {(p.source, p.task): p for p in list_policies(engine, OPERATOR)}.get((source, task))


def _lead_on_policy_page(engine):
    lead = person(engine, Role.LEAD)
    return lead, open_page(open_app(lead.identity), "Policy")


def test_an_edit_with_a_reason_saves_a_new_version_shown_in_the_history(app_engine):
    set_policy(app_engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.8))
    lead, at = _lead_on_policy_page(app_engine)
    assert list(_table(at, "threshold")["source"]) == ["*", SOURCE]
    labelled(at.selectbox, "Policy to edit").select(f"{SOURCE} / {TASK}")
    ran(at.run())
    labelled(at.number_input, "Threshold").set_value(0.93)
    labelled(at.text_input, "Reason for change").input("too many misses above 0.8")
    at = press(at, "Save policy")
    newest = _newest(app_engine, SOURCE, TASK)
    assert (newest.version, newest.threshold, newest.author, newest.change_reason) == (
        2, 0.93, lead.identity, "too many misses above 0.8")
    history = _table(at, "changes")
    first = history.iloc[0]
    assert (first["policy"], first["version"], first["by"], first["why"], first["changes"]) == (
        f"{SOURCE} / {TASK}", 2, lead.identity, "too many misses above 0.8", "threshold: 0.8 → 0.93")
    current = _table(at, "threshold")
    assert list(current[current["source"] == SOURCE]["threshold"]) == [0.93]


def test_saving_without_a_reason_is_refused_and_saves_nothing(app_engine):
    _lead, at = _lead_on_policy_page(app_engine)
    labelled(at.number_input, "Threshold").set_value(0.5)
    at = press(at, "Save policy")
    assert any("Reason for change" in message for message in errors(at))
    assert _newest(app_engine, "*", "*").version == 1


def test_a_lead_pauses_a_whole_source_with_a_reason_and_its_confident_outputs_go_to_review(app_engine):
    lead, at = _lead_on_policy_page(app_engine)
    labelled(at.radio, "Scope").set_value("A whole source (every task)")
    labelled(at.text_input, "Source of the pause").input(SOURCE)
    at = press(at, "Pause automation")
    assert any("needs a reason" in message for message in errors(at))
    assert _newest(app_engine, SOURCE, "*") is None
    labelled(at.text_input, "Reason for pause or resume").input("vendor outage")
    at = press(at, "Pause automation")
    paused = _newest(app_engine, SOURCE, "*")
    assert (paused.paused, paused.author, paused.change_reason) == (True, lead.identity, "vendor outage")
    record = make_auto_record(task="any-task-of-the-source")
    ingest(app_engine, record)
    assert stored_item(app_engine, record["external_id"]).route_reason == "automation paused"


def test_the_form_opens_prefilled_with_a_threshold_sent_from_the_dashboard(app_engine):
    lead = person(app_engine, Role.LEAD)
    at = open_app(lead.identity)
    at.session_state[PREFILL_KEY] = {"source": "*", "task": "*", "threshold": 0.7}
    at = open_page(at, "Policy")
    assert labelled(at.selectbox, "Policy to edit").value == "* / *"
    assert labelled(at.number_input, "Threshold").value == 0.7
    labelled(at.text_input, "Reason for change").input("earned autonomy suggests 0.7")
    press(at, "Save policy")
    assert _newest(app_engine, "*", "*").threshold == 0.7


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SENIOR, Role.DATA])
def test_people_without_the_policy_permission_are_not_offered_the_page(app_engine, role):
    at = open_app(person(app_engine, role).identity)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE_FILES["Policy"])


def test_the_form_sets_an_error_target_and_adds_a_reason_code(app_engine):
    _lead, at = _lead_on_policy_page(app_engine)
    labelled(at.number_input, "Error target (empty: no guardrail)").set_value(0.04)
    labelled(at.text_input, "Add reason codes (comma-separated)").input("pii_leak, , tone_policy")
    labelled(at.text_input, "Reason for change").input("watch the error and name leaks")
    at = press(at, "Save policy")
    newest = _newest(app_engine, "*", "*")
    assert (newest.version, newest.error_target, newest.threshold) == (2, 0.04, 0.8)
    assert newest.reason_codes[-2:] == ["pii_leak", "tone_policy"]
    assert _table(at, "changes").iloc[0]["changes"] == (
        "error_target: none → 0.04; reason_codes: +pii_leak +tone_policy")
