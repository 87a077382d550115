"""The labelled data set as JSON Lines: the contract's columns, UTC times, and an exact cursor."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from review.enums import Action, Queue, Role
from review.errors import InvalidRequest
from review.export import export_rows, parse_cursor
from review.export_file import count_rows_to_export
from review.export_formats import ExportFormat
from storage.repositories.export_rows import ExportFilter
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_auto_record,
    make_record,
)
from tests.review.export_reference import write_export

CONTRACT_COLUMNS = [
    "item_id", "source", "external_id", "task", "model_version", "input", "ai_output",
    "confidence", "impact", "route", "route_reason", "policy_version", "decision",
    "final_output", "reason_code", "rationale", "reviewer", "escalated", "decided_at",
    "review_seconds", "received_at",
]


def _export(engine, **filters):
    """Export as JSON Lines; return the parsed lines and the cursor."""
    stream = io.BytesIO()
    result, _ = write_export(export_rows(engine, OPERATOR, ExportFilter(**filters)), ExportFormat.JSONL,
                             stream, after=filters.get("after", 0))
    lines = [json.loads(line) for line in stream.getvalue().decode().splitlines()]
    assert result.rows == len(lines)
    return lines, result.cursor


def _review(engine, count: int, action: Action = Action.APPROVE, **record: object) -> list[str]:
    records = [make_record(**record) for _ in range(count)]
    ingest(engine, *records)
    reviewer = make_actor(Role.REVIEWER)
    for _ in records:
        decide_held(engine, reviewer, claim(engine, reviewer), action)
    return [r["external_id"] for r in records]


def test_each_line_has_exactly_the_contracts_columns_in_order(engine):
    record = make_record(input={"q": "Où?"}, output={"category": "account"})
    ingest(engine, record)
    reviewer = make_actor(Role.REVIEWER)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.EDIT, output={"category": "billing"},
                reason_code="wrong_content", rationale="Billing question.")
    [line], _ = _export(engine)
    assert list(line) == CONTRACT_COLUMNS
    assert line["input"] == {"q": "Où?"}  # nested JSON, not JSON text
    assert (line["ai_output"], line["final_output"]) == ({"category": "account"},
                                                         {"category": "billing"})
    assert (line["source"], line["external_id"], line["task"], line["model_version"]) == (
        record["source"], record["external_id"], record["task"], record["model_version"]
    )
    assert (line["confidence"], line["impact"], line["route"], line["policy_version"]) == (
        0.3, "medium", "review", 1
    )
    assert (line["decision"], line["reason_code"], line["rationale"], line["reviewer"]) == (
        "edited", "wrong_content", "Billing question.", reviewer.identity
    )
    assert line["escalated"] is False and isinstance(line["item_id"], int)


def test_times_are_iso_8601_in_utc(engine):
    _review(engine, 1)
    [line], _ = _export(engine)
    for column in ("decided_at", "received_at"):
        moment = datetime.fromisoformat(line[column])
        assert moment.utcoffset() == timedelta(0), line[column]
        assert line[column].endswith("+00:00")
        assert abs(datetime.now(UTC) - moment) < timedelta(hours=1)
    assert line["decided_at"] >= line["received_at"]


def test_the_cursor_returns_only_newer_decisions_and_never_repeats(engine):
    first = _review(engine, 3)
    lines, cursor = _export(engine)
    assert [line["external_id"] for line in lines] == first

    again, same_cursor = _export(engine, after=parse_cursor(cursor))
    assert (again, same_cursor) == ([], cursor)

    second = _review(engine, 2, Action.REJECT)
    newer, next_cursor = _export(engine, after=parse_cursor(cursor))
    assert [line["external_id"] for line in newer] == second
    assert parse_cursor(next_cursor) > parse_cursor(cursor)
    everything, _ = _export(engine)
    assert [line["external_id"] for line in everything] == first + second


def test_auto_approvals_are_exported_only_with_include_auto(engine):
    auto = make_auto_record()
    ingest(engine, auto)
    reviewed = _review(engine, 1)
    assert [line["external_id"] for line in _export(engine)[0]] == reviewed
    lines, _ = _export(engine, include_auto=True)
    by_id = {line["external_id"]: line for line in lines}
    assert set(by_id) == {auto["external_id"], *reviewed}
    auto_line = by_id[auto["external_id"]]
    assert (auto_line["route"], auto_line["decision"], auto_line["reviewer"]) == (
        "auto", "approved", None
    )
    assert auto_line["final_output"] == auto["output"]


def test_an_escalation_is_one_row_once_it_is_decided(engine):
    ingest(engine, make_record())
    reviewer, senior = make_actor(Role.REVIEWER), make_actor(Role.SENIOR)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.ESCALATE)
    assert _export(engine)[0] == []
    decide_held(engine, senior, claim(engine, senior, Queue.ESCALATIONS), Action.REJECT)
    [line], _ = _export(engine)
    assert (line["decision"], line["reviewer"], line["escalated"]) == (
        "rejected", senior.identity, True
    )


def test_source_and_task_filters(engine):
    helpdesk = _review(engine, 1)
    billing = _review(engine, 1, source="billing-ai", task="refunds")
    assert [row["external_id"] for row in _export(engine, source="billing-ai")[0]] == billing
    assert [row["external_id"] for row in _export(engine, task="ticket-triage")[0]] == helpdesk


@pytest.mark.parametrize(
    "cursor", ["-1", "abc", "1.-5", "1.5.2", "²", str(2**63), f"1.{2**63}", "9" * 20, "9" * 5000],
    ids=["negative", "word", "negative-id", "three-parts", "superscript", "past-int64", "id-past-int64",
         "huge", "5000-digits"],
)
def test_a_cursor_the_workbench_never_printed_is_refused_by_name(cursor):
    with pytest.raises(InvalidRequest) as caught:
        parse_cursor(cursor)
    assert caught.value.field == "after"


def test_a_cursor_beyond_every_decision_exports_nothing(engine):
    _review(engine, 1)
    assert _export(engine, after=parse_cursor(f"{2**63 - 1}.{2**63 - 1}"))[0] == []


def test_model_version_decision_route_and_until_filters(engine):
    _review(engine, 2, model_version="m-old")
    _review(engine, 1, Action.REJECT, model_version="m-new")
    now = datetime.now(UTC)

    def external_ids(**filters: object) -> set[str]:
        return {line["external_id"] for line in _export(engine, **filters)[0]}

    assert len(external_ids(model_version="m-old")) == 2
    assert len(external_ids(decision="rejected")) == 1
    assert external_ids(decision="rejected") == external_ids(model_version="m-new")
    assert len(external_ids(route="review")) == 3 and external_ids(route="audit") == set()
    assert external_ids(until=now - timedelta(days=1)) == set()
    assert len(external_ids(until=now + timedelta(minutes=1))) == 3
    assert len(list(export_rows(engine, OPERATOR, ExportFilter()))) == count_rows_to_export(
        engine, OPERATOR, ExportFilter())
