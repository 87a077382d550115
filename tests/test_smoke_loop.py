"""The review loop end to end in the domain: ingest, claim, decide, export."""

from review.decisions import DecisionRequest, decide
from review.enums import Action, Role
from review.export import export_rows
from review.queue import claim_next
from storage.repositories.export_rows import ExportFilter
from tests.factories import OPERATOR, make_actor, queue_items


def test_a_claimed_and_edited_item_is_exported_with_its_correction(engine):
    queue_items(engine, 1)
    reviewer = make_actor(Role.REVIEWER)
    held = claim_next(engine, reviewer)
    assert held is not None
    decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.EDIT,
                                             output={"category": "billing"},
                                             reason_code="wrong_content", rationale="It is billing."))
    rows = [row for _, row in export_rows(engine, OPERATOR, ExportFilter())]
    assert len(rows) == 1
    assert rows[0]["decision"] == "edited"
    assert rows[0]["final_output"] == {"category": "billing"}
    assert rows[0]["reviewer"] == reviewer.identity
    assert claim_next(engine, reviewer) is None
