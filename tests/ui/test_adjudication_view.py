"""`Escalations` on an adjudication: the senior sees both reviews as plain text and a table, and
their decision settles the item."""

from review.enums import Action, Queue, Role
from review.export import export_rows
from review.policies import PolicyChange, set_policy
from review.queue import held_item
from storage.repositories.export_rows import ExportFilter
from tests.factories import OPERATOR, claim, decide_held, ingest, make_record
from tests.ui.workbench_app import button_labels, infos, open_app, open_page, person, press, texts

HOSTILE = "[click](javascript:alert(1)) <img src=x onerror=alert(2)> **bold** :red[x]"


def test_a_senior_sees_both_disagreeing_reviews_as_text_and_settles_the_item(app_engine):
    set_policy(app_engine, OPERATOR, "helpdesk-ai", "ticket-triage",
               PolicyChange(four_eyes_high_impact=True))
    ingest(app_engine, make_record(impact="high", output={"category": "account"}))
    first, second = person(app_engine, Role.REVIEWER), person(app_engine, Role.REVIEWER)
    decide_held(app_engine, first, claim(app_engine, first), Action.EDIT, output={"category": HOSTILE})
    decide_held(app_engine, second, claim(app_engine, second), Action.REJECT, rationale=HOSTILE)

    senior = person(app_engine, Role.SENIOR)
    at = open_page(open_app(senior.identity), "Escalations")
    press(at, "Claim next")
    held = held_item(app_engine, senior, Queue.ESCALATIONS)
    assert held is not None and held.review_round == 3
    assert [tab.label for tab in at.tabs][-1] == "Both reviews"
    assert "The two independent reviews disagree; your decision settles the item." in texts(at)
    assert f"Corrected output of review 1 ({first.identity})" in texts(at)
    [table] = [frame.value for frame in at.dataframe if "rationale" in frame.value.columns]
    assert table.to_dict("records") == [
        {"review": 1, "reviewer": first.identity, "decision": "edited", "reason code": "wrong_content",
         "rationale": "The output does not match the input."},
        {"review": 2, "reviewer": second.identity, "decision": "rejected",
         "reason code": "wrong_content", "rationale": HOSTILE},
    ]
    assert any(HOSTILE in block.value for block in at.code)  # the corrected output, as code text
    for markdown in [*at.markdown, *at.caption]:
        assert "javascript:" not in markdown.value
    assert button_labels(at) == ["Show changes", "Approve", "Save edit", "Reject", "Skip"]

    press(at, "Approve")
    assert "Queue is empty" in infos(at)
    [(_, row)] = list(export_rows(app_engine, OPERATOR, ExportFilter()))
    assert (row["decision"], row["reviewer"], row["final_output"]) == (
        "approved", senior.identity, {"category": "account"})
