"""Waiting items past their group's cutoff, counted range by range on the queue-state index."""

from datetime import timedelta

from review.clock import utcnow
from storage.engine import reading
from storage.repositories.late_items import count_late_by_group
from storage.repositories.metrics import WAITING_STATES
from tests.factories import ingest, make_record, stored_items


def test_each_group_counts_its_items_received_before_its_cutoff(engine):
    ingest(engine, *[make_record(impact=impact) for impact in ("low", "low", "high", None)],
           make_record(task="reply-draft", impact=None))
    items = stored_items(engine)
    received = {item.external_id: item.received_at for item in items}
    now = utcnow() + timedelta(minutes=1)
    cutoffs = {("helpdesk-ai", "ticket-triage", "low"): now, ("helpdesk-ai", "ticket-triage", None): now,
               ("helpdesk-ai", "ticket-triage", "high"): min(received.values()),
               ("helpdesk-ai", "reply-draft", None): now, ("other", "task", "low"): now}
    with reading(engine) as session:
        rows = count_late_by_group(session=session, states=WAITING_STATES, cutoffs=cutoffs)
        pending_only = count_late_by_group(session=session, states=("escalated",), cutoffs=cutoffs)
    assert {row[:3]: row[3] for row in rows} == {
        ("helpdesk-ai", "ticket-triage", "low"): 2, ("helpdesk-ai", "ticket-triage", None): 1,
        ("helpdesk-ai", "ticket-triage", "high"): 0, ("helpdesk-ai", "reply-draft", None): 1,
        ("other", "task", "low"): 0}
    assert [row[:2] for row in rows] == sorted(row[:2] for row in rows)
    assert sum(row[3] for row in pending_only) == 0
