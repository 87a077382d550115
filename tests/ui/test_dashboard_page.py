"""`Dashboard`: queue health from `queue_stats`, cached briefly, refreshed on request."""

from review.decisions import DecisionRequest, decide
from review.enums import Action, Role
from review.queue import claim_next
from tests.factories import queue_items
from tests.ui.workbench_app import labelled, open_app, open_page, person, ran, texts


def _figures(at) -> tuple[str, str, str]:
    return tuple(labelled(at.metric, label).value
                 for label in ("Waiting", "Oldest waiting", "Decisions today (UTC)"))


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
    table = at.dataframe[0].value
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
