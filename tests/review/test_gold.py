"""Gold items: validated answers, always reviewed, served blind, kept out of exports, the feed and
webhooks, and scored per reviewer."""

from typing import Any

import pytest
from sqlmodel import select

from api.handlers import claim_payload
from review.actors import Actor
from review.enums import Action, Role, Route
from review.errors import NotFound, PermissionDenied
from review.export import export_rows
from review.feed import item_status, read_decision_feed
from review.gold import GoldAnswer, gold_accuracy, reviewer_accuracy
from review.ingest import IngestReport, ingest_records
from review.webhook_targets import ALLOW_PRIVATE_VARIABLE
from review.webhooks import register_webhook
from storage.engine import reading
from storage.models import Item, WebhookDelivery
from storage.repositories.export_rows import ExportFilter
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_audit_record,
    make_record,
    raw_records,
    stored_item,
)

READER = Actor(identity="token:upstream", roles=frozenset(), scopes=frozenset({"decisions:read"}))
APPROVE = {"decision": "approve"}
EDIT = {"decision": "edit", "output": {"category": "billing", "queue": 2}}


def _gold(engine, actor: Actor = OPERATOR, **record: Any) -> IngestReport:
    return ingest_records(engine, actor, raw_records(make_record(**record)), gold=True)


def _answer(reviewer: str, outcome: str, gold: dict[str, Any], after: Any = None) -> GoldAnswer:
    return GoldAnswer(reviewer, outcome, after, gold)


def test_accuracy_per_reviewer_by_hand():
    answers = [
        _answer("ann", "approved", APPROVE),
        # Same corrected output with its keys in another order: correct.
        _answer("ann", "edited", EDIT, {"queue": 2, "category": "billing"}),
        _answer("ann", "edited", EDIT, {"category": "billing", "queue": 3}),
        _answer("bob", "rejected", APPROVE),
    ]
    ann, bob = reviewer_accuracy(answers)
    assert (ann.reviewer, ann.answered, ann.correct) == ("ann", 3, 2)
    # Wilson 95 % for 2 of 3: centre 0.5731, margin 0.3654.
    assert ann.accuracy.low == pytest.approx(0.2077, abs=1e-4)
    assert ann.accuracy.high == pytest.approx(0.9385, abs=1e-4)
    assert (bob.reviewer, bob.answered, bob.correct) == ("bob", 1, 0)
    # 0 of 1: from 0 to z²/(1 + z²) = 3.8415 / 4.8415.
    assert (bob.accuracy.low, round(bob.accuracy.high, 4)) == (0.0, 0.7935)


@pytest.mark.parametrize(("gold", "field", "words"), [
    (None, "gold", "'gold' is required"),
    ("approve", "gold", "must be an object"),
    ({"decision": "maybe"}, "gold.decision", "approve, edit or reject, got 'maybe'"),
    ({"decision": "edit"}, "gold.output", "'gold.output' is required when 'gold.decision' is edit"),
    ({"decision": "approve", "output": {"category": "x"}}, "gold.output", "only for edit"),
    ({"decision": "reject", "output": "x"}, "gold.output", "only for edit"),
    ({"decision": "edit", "output": {"category": "account"}}, "gold.output", "equals the AI output"),
    ({"decision": "approve", "why": "x"}, "gold.why", "unknown field 'gold.why'"),
])
def test_a_gold_file_record_with_a_bad_answer_is_rejected_naming_the_field(engine, gold, field, words):
    record = make_record() if gold is None else make_record(gold=gold)
    report = ingest_records(engine, OPERATOR, raw_records(record), gold=True)
    assert report.accepted == 0
    (rejection,) = report.rejected
    assert rejection.field == field and words in rejection.error


def test_normal_ingest_refuses_a_gold_answer(engine):
    report = ingest(engine, make_record(gold=APPROVE))
    assert report.accepted == 0
    (rejection,) = report.rejected
    assert rejection.field == "gold" and "only from a gold file" in rejection.error


def test_only_leads_and_admins_add_gold_items(engine):
    for role in (Role.REVIEWER, Role.SENIOR, Role.DATA):
        with pytest.raises(PermissionDenied):
            _gold(engine, make_actor(role), gold=APPROVE)
    assert _gold(engine, make_actor(Role.LEAD), gold=APPROVE).accepted == 1


def test_a_confident_gold_item_goes_to_review_and_looks_like_any_other(engine):
    confident = make_audit_record(gold=EDIT)
    assert ingest_records(engine, OPERATOR, raw_records(confident), gold=True).routes == {"review": 1}
    item = stored_item(engine, confident["external_id"])
    assert (item.route, item.reviews_required, item.gold) == (Route.REVIEW, 1, EDIT)
    ingest(engine, make_record(confidence=0.3))
    payloads = [claim_payload(claim(engine, make_actor(Role.REVIEWER)))["item"] for _ in range(2)]
    assert set(payloads[0]) == set(payloads[1])
    assert not any("gold" in repr(payload).lower() for payload in payloads)


def test_gold_decisions_stay_out_of_export_feed_and_webhooks_and_score_reviewers(engine, monkeypatch):
    monkeypatch.setenv(ALLOW_PRIVATE_VARIABLE, "1")
    register_webhook(engine, OPERATOR, "helpdesk-ai", "http://127.0.0.1:9/hook")
    _gold(engine, gold=APPROVE, impact="high")
    _gold(engine, gold=EDIT, impact="high")
    ordinary = make_record(impact="low")
    ingest(engine, ordinary)
    ann, bob = make_actor(Role.REVIEWER, identity="ann@x"), make_actor(Role.REVIEWER, identity="bob@x")
    decide_held(engine, ann, claim(engine, ann), Action.APPROVE)  # gold approve: correct
    decide_held(engine, bob, claim(engine, bob), Action.EDIT, output={"queue": 2, "category": "billing"})
    decide_held(engine, ann, claim(engine, ann), Action.REJECT)  # the ordinary item
    exported = [row["external_id"] for _, row in export_rows(engine, OPERATOR, ExportFilter())]
    assert exported == [ordinary["external_id"]]
    feed, _cursor = read_decision_feed(engine, READER, 0, limit=100)
    assert [entry["external_id"] for entry in feed] == [ordinary["external_id"]]
    with reading(engine) as session:
        outbox = [delivery.item_id for delivery in session.exec(select(WebhookDelivery))]
    assert outbox == [stored_item(engine, ordinary["external_id"]).id]
    assert item_status(engine, READER, "helpdesk-ai", exported[0])["state"] == "decided"
    with reading(engine) as session:
        gold_ids = [item.external_id for item in session.exec(select(Item)) if item.gold]
    for external_id in gold_ids:
        with pytest.raises(NotFound):
            item_status(engine, READER, "helpdesk-ai", external_id)
    scores = {row.reviewer: (row.answered, row.correct) for row in gold_accuracy(engine, OPERATOR)}
    assert scores == {"ann@x": (1, 1), "bob@x": (1, 1)}
