"""A long ingest commits a batch at a time: reviewers are not locked out, the audit log counts each batch."""

import threading
from collections.abc import Iterator

from review.audit import AuditAction, list_audit
from review.enums import Role
from review.ingest import BATCH_SIZE, ingest_records
from review.queue import claim_next
from review.record_files import RawRecord
from storage.engine import create_database_engine
from tests.factories import OPERATOR, make_actor, make_auto_record, make_record, queue_items, stored_items

# How long the ingest waits for the claim before going on without it: only reached when the
# ingest holds the write lock between batches (the failure this file guards against).
_PATIENCE_SECONDS = 20


def test_a_claim_on_another_engine_is_served_while_a_long_ingest_runs(engine, db_url):
    queue_items(engine, 1)
    other = create_database_engine(db_url)  # another connection pool, as another process has
    reviewer = make_actor(Role.REVIEWER)
    events: list[str] = []
    claimed = threading.Event()

    def claim() -> None:
        events.append("claimed" if claim_next(other, reviewer) is not None else "queue empty")
        claimed.set()

    claimer = threading.Thread(target=claim)

    def records() -> Iterator[RawRecord]:
        for line in range(1, 4 * BATCH_SIZE + 1):
            if line == BATCH_SIZE + 1:  # the first batch is stored; the file is still being read
                claimer.start()
                claimed.wait(_PATIENCE_SECONDS)
            yield RawRecord(line, value=make_record())

    try:
        report = ingest_records(engine, OPERATOR, records())
        events.append("ingested")
        claimer.join()
    finally:
        other.dispose()
    assert events == ["claimed", "ingested"]
    assert report.accepted == 4 * BATCH_SIZE


def test_each_batch_is_audited_with_its_own_counts(engine):
    first = [make_record() for _ in range(BATCH_SIZE)]
    raw = [RawRecord(n, value=record) for n, record in enumerate(first, start=1)]
    raw += [RawRecord(len(raw) + 1, error="not valid JSON (Expecting value at column 1)"),
            RawRecord(len(raw) + 2, value=first[0]), RawRecord(len(raw) + 3, value=make_auto_record())]
    report = ingest_records(engine, OPERATOR, raw)
    assert (report.accepted, report.duplicates, len(report.rejected)) == (BATCH_SIZE + 1, 1, 1)
    entries = [e for e in reversed(list_audit(engine, OPERATOR)) if e.action == AuditAction.ITEMS_INGESTED]
    assert [e.details for e in entries] == [
        {"accepted": BATCH_SIZE, "duplicates": 0, "rejected": 0, "routes": {"review": BATCH_SIZE}},
        {"accepted": 1, "duplicates": 1, "rejected": 1, "routes": {"auto": 1}},
    ]


def test_an_ingest_of_only_bad_records_is_still_audited_once(engine):
    report = ingest_records(engine, OPERATOR, [RawRecord(1, error="not valid UTF-8")])
    assert len(report.rejected) == 1 and stored_items(engine) == []
    entries = [e for e in list_audit(engine, OPERATOR) if e.action == AuditAction.ITEMS_INGESTED]
    assert [e.details for e in entries] == [{"accepted": 0, "duplicates": 0, "rejected": 1, "routes": {}}]


def test_on_commit_hears_the_running_counts_after_each_batch(engine):
    heard: list[int] = []
    records = [RawRecord(n, value=make_record()) for n in range(1, BATCH_SIZE + 3)]
    ingest_records(engine, OPERATOR, records, on_commit=lambda report: heard.append(report.accepted))
    assert heard == [BATCH_SIZE, BATCH_SIZE + 2]
