"""`Export`: formats, filters, redaction, a download with the right rows, and the next cursor."""

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from review.audit import AuditAction, list_audit
from review.decisions import DecisionRequest, decide
from review.enums import Action, Role
from review.errors import WorkbenchError
from review.export import list_exports
from review.permissions import Permission
from review.queue import claim_next
from tests.factories import OPERATOR, queue_items
from tests.ui.workbench_app import APP, PAGE_FILES, TIMEOUT_SECONDS, errors, labelled, open_app, person, ran
from ui.deps import LOCAL_USER_KEY
from ui.export_file import private_directory

EXPORT_PAGE = PAGE_FILES["Export"]
NOTHING_TO_EXPORT = "No decided item matches these filters: nothing was written and no export recorded."


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
    assert [w.value for w in at.warning][1:] == [NOTHING_TO_EXPORT]  # after the local-mode banner
    assert not at.download_button and len(list_exports(app_engine, OPERATOR)) == 1


def test_filters_narrow_the_export(app_engine):
    queue_items(app_engine, 2)
    queue_items(app_engine, 1, source="other-ai")
    _decide_all(app_engine, person(app_engine, Role.REVIEWER))
    at = open_app(person(app_engine, Role.DATA).identity)
    _build(at, source="other-ai")
    assert labelled(at.metric, "Rows").value == "1"
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    _build(at, source="(any)", since=tomorrow, include_auto=True)
    assert [w.value for w in at.warning][1:] == [NOTHING_TO_EXPORT]  # after the local-mode banner
    assert [e["rows"] for e in list_exports(app_engine, OPERATOR)] == [1]


def test_the_filters_offer_the_known_sources_tasks_and_model_versions(app_engine):
    queue_items(app_engine, 1)
    queue_items(app_engine, 1, source="other-ai", task="summary", model_version="sum-2")
    queue_items(app_engine, 1, source="other-ai", task="summary", model_version=None)
    at = open_app(person(app_engine, Role.DATA).identity)
    assert at.selectbox(key="export_source").options == ["(any)", "helpdesk-ai", "other-ai"]
    assert at.selectbox(key="export_task").options == ["(any)", "summary", "ticket-triage"]
    assert at.selectbox(key="export_model_version").options == ["(any)", "sum-2", "triage-v4"]


def test_count_rows_shows_the_count_before_anything_is_written(app_engine):
    queue_items(app_engine, 2)
    queue_items(app_engine, 1, source="other-ai")
    _decide_all(app_engine, person(app_engine, Role.REVIEWER))
    at = open_app(person(app_engine, Role.DATA).identity)
    at.selectbox(key="export_source").set_value("helpdesk-ai")
    ran(at.button(key="export_count").click().run())
    assert [info.value for info in at.info] == ["2 rows match these filters."]
    assert not at.download_button and list_exports(app_engine, OPERATOR) == []
    _build(at)
    assert labelled(at.metric, "Rows").value == "2"
    assert [bar.text for bar in at.get("progress")] == ["Exported 2 rows"]
    assert [e["rows"] for e in list_exports(app_engine, OPERATOR)] == [2]


def test_an_export_with_no_rows_warns_and_records_nothing(app_engine):
    queue_items(app_engine, 2)  # waiting, not decided: nothing to export
    at = open_app(person(app_engine, Role.DATA).identity)
    _build(at)
    assert [w.value for w in at.warning][1:] == [NOTHING_TO_EXPORT]  # after the local-mode banner
    assert not at.download_button and not at.get("progress")
    assert list_exports(app_engine, OPERATOR) == [] and at.dataframe[0].value.empty


def test_a_bad_cursor_is_refused(app_engine):
    at = open_app(person(app_engine, Role.DATA).identity)
    _build(at, after="yesterday")
    assert ["is not an export cursor" in error for error in errors(at)] == [True]
    assert not at.download_button


def test_redacted_csv_and_parquet_exports_are_the_recorded_files(app_engine):
    queue_items(app_engine, 2, input={"note": "Call +1 415 555 0100 or write to ann@example.com"})
    _decide_all(app_engine, person(app_engine, Role.REVIEWER))
    data = person(app_engine, Role.DATA)
    at = open_app(data.identity)
    assert at.dataframe[0].value.empty
    for built_before, (file_format, read) in enumerate([("csv", pd.read_csv), ("parquet", pd.read_parquet)]):
        at.selectbox(key="export_format").set_value(file_format)
        _build(at, redact=True)
        built = at.session_state["export_built_file"]
        content = Path(built.path).read_bytes()
        recorded = list_exports(app_engine, OPERATOR)
        assert len(recorded) == built_before + 1
        assert (recorded[0]["format"], recorded[0]["rows"], recorded[0]["redacted"]) == (file_format, 2, True)
        assert recorded[0]["sha256"] == hashlib.sha256(content).hexdigest() == built.sha256
        assert built.sha256 in [text.value for text in at.text if text.value.startswith("SHA-256")][0]
        frame = read(built.path)
        assert len(frame) == 2
        notes = [json.loads(value)["note"] for value in frame["input"]]
        assert all("ann@example.com" not in note and "555 0100" not in note for note in notes)
        [download] = at.download_button
        assert download.label.startswith("Download labelled-") and download.label.endswith(f".{file_format}")
        assert "Exported 2 rows" in [bar.text for bar in at.get("progress")][-1]
        table = at.dataframe[0].value
        assert table["format"].tolist() == [file_format, "csv"][: built_before + 1]
        assert table["by"].tolist() == [data.identity] * (built_before + 1)
        assert table["sha256"].tolist()[0] == built.sha256


def test_a_reviewer_is_refused_the_export_page(app_engine):
    queue_items(app_engine, 1)
    _decide_all(app_engine, person(app_engine, Role.REVIEWER))
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(EXPORT_PAGE)
    # Reached some other way, the page itself refuses: no form, no data, and the refusal audited.
    page = AppTest.from_file(str(APP.parent / EXPORT_PAGE), default_timeout=TIMEOUT_SECONDS)
    page.session_state[LOCAL_USER_KEY] = reviewer.identity
    ran(page.run())
    assert ["do not allow this: export labelled data" in error for error in errors(page)] == [True]
    assert not page.button and not page.dataframe and not page.download_button
    refusals = list_audit(app_engine, OPERATOR, action=AuditAction.REFUSED)
    assert [(entry.actor, entry.details) for entry in refusals] == [
        (reviewer.identity, {"what": Permission.EXPORT.value})
    ]


def test_the_export_folder_must_be_private_to_the_server(tmp_path):
    made = private_directory(tmp_path / "exports")
    assert made.stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(WorkbenchError, match="is not private to this server"):
        private_directory(shared)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(WorkbenchError, match="is not private to this server"):
        private_directory(tmp_path / "link")
