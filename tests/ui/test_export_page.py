"""`Export`: formats, filters, redaction, a download with the right rows, and the next cursor."""

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

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
    assert download.label.startswith("Download labelled-") and download.label.endswith(".jsonl")
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


@pytest.mark.parametrize(("label", "read"), [("CSV", pd.read_csv), ("Parquet", pd.read_parquet)])
def test_a_redacted_export_in_each_format_is_the_recorded_file(app_engine, label, read):
    queue_items(app_engine, 2, input={"note": "Call +1 415 555 0100 or write to ann@example.com"})
    _decide_all(app_engine, person(app_engine, Role.REVIEWER))
    at = open_app(person(app_engine, Role.DATA).identity)
    at.selectbox(key="export_format").set_value(label.lower() if label == "CSV" else "parquet")
    _build(at, redact=True)
    built = at.session_state["export_built_file"]
    data = Path(built.path).read_bytes()
    [recorded] = list_exports(app_engine, OPERATOR)
    assert (recorded["rows"], recorded["redacted"]) == (2, True)
    assert recorded["sha256"] == hashlib.sha256(data).hexdigest() == built.sha256
    frame = read(built.path)
    assert len(frame) == 2
    notes = [json.loads(value)["note"] for value in frame["input"]]
    assert all("ann@example.com" not in note and "555 0100" not in note for note in notes)
    assert at.download_button[0].label.endswith(f".{recorded['format']}")
    assert "Exported 2 rows" in [bar.text for bar in at.get("progress")][-1]
