"""`Dashboard` › Agreement: each reviewer's agreement with settled answers, with n and interval."""

from review.enums import Action, Queue, Role
from review.policies import PolicyChange, set_policy
from tests.factories import OPERATOR, claim, decide_held, ingest, make_record
from tests.ui.workbench_app import open_app, open_page, person


def test_the_agreement_tab_shows_each_reviewers_agreement_with_settled_answers(app_engine):
    set_policy(app_engine, OPERATOR, "helpdesk-ai", "ticket-triage",
               PolicyChange(four_eyes_high_impact=True))
    alice = person(app_engine, Role.REVIEWER, email="alice@example.com")
    bob = person(app_engine, Role.REVIEWER, email="bob@example.com")
    carol = person(app_engine, Role.SENIOR)
    # One agreed item, then one where Bob's rejection loses to Carol's approval.
    for second_action, adjudicate in ((Action.APPROVE, False), (Action.REJECT, True)):
        ingest(app_engine, make_record(impact="high"))
        decide_held(app_engine, alice, claim(app_engine, alice), Action.APPROVE)
        decide_held(app_engine, bob, claim(app_engine, bob), second_action)
        if adjudicate:
            decide_held(app_engine, carol, claim(app_engine, carol, Queue.ESCALATIONS), Action.APPROVE)

    at = open_page(open_app(person(app_engine, Role.LEAD).identity), "Dashboard")
    assert "Agreement with settled answers" in [header.value for header in at.subheader]
    [table] = [frame.value for frame in at.dataframe if "matched" in frame.value.columns]
    # Alice 2 of 2: Wilson 95% 34.2%–100.0%; Bob 1 of 2: 9.5%–90.5%.
    assert table.to_dict("records") == [
        {"reviewer": "alice@example.com", "reviews": 2, "matched": 2, "agreement": "100.0%",
         "95% low": "34.2%", "95% high": "100.0%"},
        {"reviewer": "bob@example.com", "reviews": 2, "matched": 1, "agreement": "50.0%",
         "95% low": "9.5%", "95% high": "90.5%"},
    ]
