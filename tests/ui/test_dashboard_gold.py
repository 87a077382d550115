"""`Dashboard`: accuracy on gold items per reviewer, and audit estimates marked when not blind."""

from streamlit.testing.v1 import AppTest

from review.enums import Action, Role
from review.ingest import ingest_records
from review.policies import PolicyChange, set_policy
from tests.factories import OPERATOR, claim, decide_held, ingest, make_audit_record, make_record, raw_records
from tests.ui.workbench_app import open_app, open_page, person, ran, texts


def _table(at, column: str):
    """The one dataframe on the page that has `column`."""
    found = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert len(found) == 1, [list(frame.value.columns) for frame in at.dataframe]
    return found[0]


def _decide_next(engine, email: str, action: Action, **fields) -> None:
    reviewer = person(engine, Role.REVIEWER, email=email)
    decide_held(engine, reviewer, claim(engine, reviewer), action, **fields)


def test_gold_accuracy_per_reviewer_and_blindness_of_each_audit_estimate(app_engine):
    set_policy(app_engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(show_confidence=True))
    gold = [make_record(impact="high", gold={"decision": "approve"}),
            make_record(impact="high", gold={"decision": "edit", "output": {"category": "billing"}})]
    assert ingest_records(app_engine, OPERATOR, raw_records(*gold), gold=True).accepted == 2
    _decide_next(app_engine, "ann@example.com", Action.APPROVE)  # right
    _decide_next(app_engine, "bob@example.com", Action.EDIT, output={"category": "account-x"})  # wrong
    ingest(app_engine, make_audit_record(), make_audit_record(source="mail-ai"))
    for _ in range(2):
        _decide_next(app_engine, "carol@example.com", Action.APPROVE)
    at = open_app(person(app_engine, Role.LEAD).identity)
    open_page(at, "Dashboard")
    accuracy = _table(at, "gold items")
    assert accuracy.to_dict("records") == [
        {"reviewer": "ann@example.com", "gold items": 1, "correct": 1, "accuracy": "100.0%",
         "95% low": "20.7%", "95% high": "100.0%"},
        {"reviewer": "bob@example.com", "gold items": 1, "correct": 0, "accuracy": "0.0%",
         "95% low": "0.0%", "95% high": "79.3%"},
    ]
    errors = _table(at, "blind")
    assert dict(zip(errors["source"], errors["blind"], strict=True)) == {
        "helpdesk-ai": "not blind (reviewers see confidence)", "mail-ai": "blind"}


def _gold_upload_page(email: str) -> AppTest:
    def page(identity: str) -> None:
        from review.actors import Actor
        from review.enums import Role
        from ui.gold_upload import render_gold_upload

        render_gold_upload(Actor(identity=identity, roles=frozenset({Role(identity.split("@")[0])})))

    return ran(AppTest.from_function(page, args=(email,)).run())


def test_the_gold_upload_is_offered_to_leads_only(app_engine):
    assert not _gold_upload_page("reviewer@example.com").get("file_uploader")
    lead = _gold_upload_page("lead@example.com")
    assert [uploader.label for uploader in lead.get("file_uploader")] == ["Gold file"]
    assert any("never exported" in text for text in texts(lead))
