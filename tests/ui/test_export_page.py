"""`Export`: filters, a JSON Lines download with the right row count, and the next cursor."""

import datetime as dt

from review.decisions import DecisionRequest, decide
from review.enums import Action, Role
from review.export import list_exports
from review.queue import claim_next
from tests.factories import OPERATOR, queue_items
from tests.ui.workbench_app import labelled, open_app, person, ran


def _decide_all(engine, reviewer) -> list[int]:
    """Approve everything waiting; the decided item ids."""
    decided = []
    while (held := claim_next(engine, reviewer)) is not None:
        decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))
        decided.append(held.item_id)
    return decided


def _build(at, **filters):
    for key, value in filters.items():
        at.get_by_key(f"export_{key}").set_value(value)
    return ran(at.button(key="export_build").click().run())


def test_the_export_offers_a_download_with_one_row_per_decision_and_the_next_cursor(app_engine):
    queue_items(app_engine, 3)
    _decide_all(app_engine, person(app_engine, Role.REVIEWER))
    queue_items(app_engine, 1)
    data = person(app_engine, Role.DATA)
    at = open_app(data.identity)
    assert [heading.value for heading in at.title] == ["Export"]
    assert not at.download_button
    _build(at)
    assert labelled(at.metric, "Rows").value == "3"
    [download] = at.download_button
    assert download.label == "Download JSON Lines"
    [recorded] = list_exports(app_engine, OPERATOR)
    assert (recorded["by"], recorded["rows"], recorded["format"]) == (data.identity, 3, "jsonl")
    assert [code.value for code in at.code] == [recorded["cursor"]]
    assert at.dataframe[0].value["rows"].tolist() == [3]

    _build(at, after=recorded["cursor"])
    assert labelled(at.metric, "Rows").value == "0"
    assert [code.value for code in at.code] == [recorded["cursor"]]


def test_filters_narrow_the_export(app_engine):
    queue_items(app_engine, 2)
    queue_items(app_engine, 1, source="other-ai")
    _decide_all(app_engine, person(app_engine, Role.REVIEWER))
    at = open_app(person(app_engine, Role.DATA).identity)
    _build(at, source="other-ai")
    assert labelled(at.metric, "Rows").value == "1"
    _build(at, source="", task="no-such-task")
    assert labelled(at.metric, "Rows").value == "0"
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    _build(at, task="", since=tomorrow, include_auto=True)
    assert labelled(at.metric, "Rows").value == "0"


def test_a_bad_cursor_is_refused(app_engine):
    at = open_app(person(app_engine, Role.DATA).identity)
    _build(at, after="yesterday")
    assert ["is not an export cursor" in error.value for error in at.error] == [True]
    assert not at.download_button
