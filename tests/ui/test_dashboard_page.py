"""`Dashboard`: queue health from `queue_stats`, cached briefly, refreshed on request."""

from review.decisions import DecisionRequest, decide
from review.demo import load_demo
from review.enums import Action, Role
from review.policies import PolicyChange, list_policies, set_policy
from review.queue import claim_next
from tests.factories import OPERATOR, ingest, make_record, queue_items, stored_items
from tests.ui.workbench_app import labelled, open_app, open_page, person, ran, texts


def _figures(at) -> tuple[str, str, str]:
    return tuple(labelled(at.metric, label).value
                 for label in ("Waiting", "Oldest waiting", "Decisions today (UTC)"))


def _table(at, column: str):
    """The one dataframe on the page that has `column`."""
    found = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert len(found) == 1, [list(frame.value.columns) for frame in at.dataframe]
    return found[0]


def test_the_dashboard_shows_queue_health_and_when_it_was_taken(app_engine):
    queue_items(app_engine, 3)
    reviewer = person(app_engine, Role.REVIEWER)
    held = claim_next(app_engine, reviewer)
    decide(app_engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))
    claim_next(app_engine, reviewer)
    at = open_app(person(app_engine, Role.LEAD).identity)
    open_page(at, "Dashboard")
    waiting, oldest, today = _figures(at)
    assert (waiting, today) == ("2", "1")
    assert oldest.endswith((" s", " min"))
    table = _table(at, "count")  # on the Queue health tab
    assert list(table.columns) == ["source", "task", "route", "state", "count"]
    assert sorted(zip(table["state"], table["count"], strict=True)) == [("claimed", 1), ("pending", 1)]
    assert any(text.startswith("Figures taken at ") and " UTC " in text for text in texts(at))


def test_the_figures_are_cached_until_refresh(app_engine):
    queue_items(app_engine, 1)
    at = open_app(person(app_engine, Role.ADMIN).identity)
    open_page(at, "Dashboard")
    assert _figures(at)[0] == "1"
    queue_items(app_engine, 2)
    ran(at.run())
    assert _figures(at)[0] == "1"
    ran(at.button(key="dashboard_refresh").click().run())
    assert _figures(at)[0] == "3"


def test_an_empty_queue_says_nothing_is_waiting(app_engine):
    at = open_app(person(app_engine, Role.LEAD).identity)
    open_page(at, "Dashboard")
    assert _figures(at) == ("0", "none", "0")
    assert "Nothing is waiting." in [info.value for info in at.info]


def _charts(at) -> list:
    return list(at.get("vega_lite_chart"))


def test_a_lead_sees_the_metrics_charts_and_the_figures_behind_them(app_engine):
    load_demo(app_engine, OPERATOR, items=300, days=10)
    at = open_app("lead@example.com")
    open_page(at, "Dashboard")
    assert len(_charts(at)) >= 5
    override = labelled(at.metric, "Override rate").value
    assert override.endswith("%")
    assert any(text.startswith("Override rate: ") and "95% CI" in text for text in texts(at))
    assert any(text.startswith("Figures taken at ") and ", decision metrics at " in text
               for text in texts(at))
    assert any("Lowest safe threshold" in message.value for message in at.success) or at.warning


def test_the_pause_switch_pauses_automation_for_new_outputs(app_engine):
    lead = person(app_engine, Role.LEAD)
    set_policy(app_engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(threshold=0.5))
    at = open_app(lead.identity)
    open_page(at, "Dashboard")
    buttons = [button for button in at.button if button.key and button.key.startswith("dashboard_pause_")]
    assert [button.label for button in buttons] == ["Pause automation"] * 2  # default and helpdesk
    ran(buttons[1].click().run())
    assert "pausing or resuming automation needs a reason" in " ".join(e.value for e in at.error)
    labelled(at.text_input, "Reason for pause or resume").input("model drift")
    buttons = [button for button in at.button if button.key and button.key.startswith("dashboard_pause_")]
    ran(buttons[1].click().run())
    assert "Resume automation" in [button.label for button in at.button]
    policy = next(p for p in list_policies(app_engine, OPERATOR) if p.source == "helpdesk-ai")
    assert policy.paused and policy.author == lead.identity and policy.change_reason == "model drift"
    assert any(f"set by {lead.identity}" in text and text.endswith("UTC: model drift") for text in texts(at))
    ingest(app_engine, make_record(confidence=0.99))
    assert [item.route_reason for item in stored_items(app_engine)] == ["automation paused"]
