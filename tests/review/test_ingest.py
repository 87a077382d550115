"""Ingest: counts, idempotency by (source, external_id), --strict, and what routing stores."""

import json

from review.demo import load_demo
from review.enums import ItemState, Route
from review.export import export_rows
from review.ingest import ingest_records
from review.policies import PolicyChange, set_policy
from review.record_files import RawRecord
from review.tokens import Scope, authenticate_token, create_token
from storage.repositories.export_rows import ExportFilter
from tests.factories import (
    OPERATOR,
    ingest,
    make_audit_record,
    make_auto_record,
    make_record,
    raw_records,
    stored_decisions,
    stored_item,
    stored_items,
)


def test_counts_accepted_duplicate_and_rejected_with_positions(engine):
    first, second = make_record(), make_record()
    raw = raw_records(first, second, {**make_record(), "confidence": 7}, first)
    raw.append(RawRecord(5, error="not valid JSON (Expecting value at column 1)"))
    report = ingest_records(engine, OPERATOR, raw)
    assert (report.accepted, report.duplicates) == (2, 1)
    assert [(r.position, r.field) for r in report.rejected] == [(3, "confidence"), (5, None)]
    assert "not valid JSON" in report.rejected[1].error
    assert len(stored_items(engine)) == 2


def test_the_same_key_twice_in_one_batch_is_one_item(engine):
    record = make_record()
    changed = {**record, "output": {"category": "other"}}
    report = ingest(engine, record, changed)
    assert (report.accepted, report.duplicates) == (1, 1)
    items = stored_items(engine)
    assert len(items) == 1 and items[0].output == record["output"]


def test_sending_a_record_again_later_is_a_duplicate_not_a_second_item(engine):
    record = make_record()
    ingest(engine, record)
    again = ingest(engine, record, make_record())
    assert (again.accepted, again.duplicates, again.rejected) == (1, 1, [])
    assert len(stored_items(engine)) == 2


def test_the_same_external_id_from_another_source_is_another_item(engine):
    record = make_record()
    report = ingest(engine, record, {**record, "source": "billing-ai"})
    assert (report.accepted, report.duplicates) == (2, 0)


def test_a_resent_auto_approved_record_gets_no_second_decision(engine):
    record = make_auto_record()
    ingest(engine, record)
    ingest(engine, record)
    assert len(stored_decisions(engine)) == 1


def test_strict_stores_nothing_when_one_record_is_invalid(engine):
    good = [make_record() for _ in range(3)]
    report = ingest(engine, *good, {**make_record(), "impact": "severe"}, strict=True)
    assert report.accepted == 0
    assert [(r.position, r.field) for r in report.rejected] == [(4, "impact")]
    assert stored_items(engine) == []


def test_strict_stores_everything_when_all_records_are_valid(engine):
    report = ingest(engine, make_record(), make_record(), strict=True)
    assert (report.accepted, report.rejected) == (2, [])
    assert len(stored_items(engine)) == 2


def test_without_strict_the_valid_records_are_stored_anyway(engine):
    report = ingest(engine, make_record(), {"external_id": "x"}, make_record())
    assert report.accepted == 2 and len(report.rejected) == 1
    assert len(stored_items(engine)) == 2


def test_each_item_stores_its_route_reason_and_policy_version(engine):
    review, high, auto, audit = (
        make_record(confidence=0.3), make_auto_record(impact="high"), make_auto_record(),
        make_audit_record(),
    )
    report = ingest(engine, review, high, auto, audit)
    assert report.routes == {"review": 2, "auto": 1, "audit": 1}
    expected = {
        review["external_id"]: (Route.REVIEW, "confidence 0.3 below threshold 0.8", ItemState.PENDING),
        high["external_id"]: (Route.REVIEW, "high impact", ItemState.PENDING),
        auto["external_id"]: (Route.AUTO, None, ItemState.AUTO_APPROVED),
        audit["external_id"]: (Route.AUDIT, "audit sample at rate 5.0%", ItemState.PENDING),
    }
    for external_id, (route, reason, state) in expected.items():
        item = stored_item(engine, external_id)
        assert (item.route, item.state) == (route, state)
        if reason is not None:
            assert item.route_reason == reason
        else:
            assert "at or above threshold" in item.route_reason
    assert {item.policy_id for item in stored_items(engine)} == {1}


def test_an_auto_approved_item_gets_an_automatic_decision_exported_only_on_request(engine):
    auto = make_auto_record()
    ingest(engine, auto, make_record())
    item = stored_item(engine, auto["external_id"])
    decisions = stored_decisions(engine)
    assert [(d.item_id, d.outcome, d.reviewer) for d in decisions] == [(item.id, "approved", None)]
    assert decisions[0].output_after == auto["output"]

    assert list(export_rows(engine, OPERATOR, ExportFilter())) == []
    rows = [row for _, row in export_rows(engine, OPERATOR, ExportFilter(include_auto=True))]
    assert [(r["external_id"], r["route"], r["decision"], r["reviewer"]) for r in rows] == [
        (auto["external_id"], "auto", "approved", None)
    ]


def test_items_routed_to_people_have_no_decision_yet(engine):
    ingest(engine, make_record(), make_audit_record())
    assert stored_decisions(engine) == []


def test_a_policy_of_the_records_own_scope_routes_it(engine):
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(threshold=0.2))
    own, other = make_record(confidence=0.3), make_record(confidence=0.3, task="summarise")
    ingest(engine, own, other)
    assert stored_item(engine, own["external_id"]).route in (Route.AUTO, Route.AUDIT)
    assert stored_item(engine, other["external_id"]).route == Route.REVIEW


def test_a_large_ingest_spanning_batches_counts_every_record_once(engine):
    records = [make_record() for _ in range(1203)]
    report = ingest(engine, *records, *records[:5])
    assert (report.accepted, report.duplicates) == (1203, 5)
    assert len(stored_items(engine)) == 1203


def _bounded_ingest_actor(engine, *sources: str):
    """The actor of a new ingest token bounded to `sources`, as the API sees it."""
    value = create_token(engine, OPERATOR, "crm", Scope.INGEST, sources=list(sources))
    found = authenticate_token(engine, value)
    assert found is not None
    return found[0]


def test_a_bounded_token_is_refused_each_record_of_another_source_naming_the_field(engine):
    actor = _bounded_ingest_actor(engine, "crm-ai")
    existing = make_record(source="billing-ai")
    ingest(engine, existing)
    ours, theirs = make_record(source="crm-ai"), make_record(source="billing-ai")
    report = ingest_records(engine, actor, raw_records(ours, theirs, existing))
    # The refusal comes before the duplicate check: it tells nothing of what the other source holds.
    assert (report.accepted, report.duplicates) == (1, 0)
    assert [(r.position, r.field) for r in report.rejected] == [(2, "source"), (3, "source")]
    assert "billing-ai" in report.rejected[0].error
    assert {item.source for item in stored_items(engine)} == {"crm-ai", "billing-ai"}
    assert len(stored_items(engine)) == 2


def test_strict_stores_nothing_when_one_record_is_of_another_source(engine):
    actor = _bounded_ingest_actor(engine, "crm-ai", "mail-ai")
    report = ingest_records(engine, actor, raw_records(make_record(source="mail-ai"),
                                                       make_record(source="billing-ai")), strict=True)
    assert [r.field for r in report.rejected] == ["source"]
    assert stored_items(engine) == []


def test_a_batch_mixing_new_stored_and_repeated_keys_answers_each_record(engine):
    stored, stored_auto = make_record(), make_auto_record()
    ingest(engine, stored, stored_auto)
    new, new_auto = make_record(), make_auto_record()
    repeated = make_record()
    report = ingest(engine, new, {**stored, "output": {"category": "changed"}}, repeated, new_auto,
                    {**repeated, "output": {"category": "second"}}, stored_auto, repeated)
    assert (report.accepted, report.duplicates, report.rejected) == (3, 4, [])
    assert report.routes == {"review": 2, "auto": 1}
    items = {item.external_id: item for item in stored_items(engine)}
    assert list(items) == [r["external_id"] for r in (stored, stored_auto, new, repeated, new_auto)]
    assert items[stored["external_id"]].output == stored["output"]
    assert items[repeated["external_id"]].output == repeated["output"]
    decided = sorted(decision.item_id for decision in stored_decisions(engine))
    assert decided == [items[stored_auto["external_id"]].id, items[new_auto["external_id"]].id]


def test_a_records_metadata_is_stored_as_sent(engine):
    record = make_record(metadata={"ticket_url": "https://helpdesk.example/t/1", "lang": "de"})
    assert ingest(engine, record).accepted == 1
    item = stored_item(engine, record["external_id"])
    assert item.extra == {"ticket_url": "https://helpdesk.example/t/1", "lang": "de"}


def test_json_values_read_back_as_sent_and_are_stored_as_the_orm_would_write_them(engine):
    output = {"reply": "Chloé \U0001F600 a\x7fb \"quoted\"", "lines": [{"qty": 2, "price": 9.5}]}
    record = make_auto_record(output=output, metadata={"ü": None}, tags=["demo"])
    ingest(engine, record)
    item = stored_item(engine, record["external_id"])
    assert (item.output, item.extra, item.tags) == (output, {"ü": None}, ["demo"])
    [decision] = stored_decisions(engine, item.id)
    assert decision.output_before == decision.output_after == output
    if engine.dialect.name == "sqlite":  # PostgreSQL's jsonb keeps no text; SQLite keeps ours
        with engine.connect() as connection:
            texts = connection.exec_driver_sql(
                "SELECT item.output, item.input, decision.output_after FROM item "
                "JOIN decision ON decision.item_id = item.id WHERE item.id = ?", (item.id,)
            ).one()
        assert tuple(texts) == (json.dumps(output), json.dumps(record["input"]), json.dumps(output))


def test_demo_data_built_on_item_rows_holds_values_not_their_json_text(engine):
    # load_demo derives each decision from ingest's item_row: an edit corrects the row's output.
    load_demo(engine, OPERATOR, items=120, days=2)
    items = {item.id: item for item in stored_items(engine)}
    decisions = stored_decisions(engine)
    assert any(d.outcome == "edited" and isinstance(d.output_before, dict) for d in decisions)
    for decision in decisions:
        assert decision.output_before == items[decision.item_id].output
        if decision.outcome == "edited" and isinstance(decision.output_before, dict):
            assert decision.output_after == {**decision.output_before, "corrected": True}
