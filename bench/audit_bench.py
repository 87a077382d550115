"""Audit log figures: appends/s under concurrent decisions, and verify speed over many entries.

    python bench/audit_bench.py [--entries 1000000] [--workers 4] [--items 2000] [--skip-postgres]
"""

import argparse
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import run_threads  # noqa: E402
from review.audit import GENESIS_HASH, KEYED, AuditAction, chain_key, entry_hash  # noqa: E402
from review.audit_verify import verify_chain  # noqa: E402
from review.decisions import DecisionRequest, decide  # noqa: E402
from review.enums import Action, Role  # noqa: E402
from review.queue import claim_next  # noqa: E402
from storage.engine import create_database_engine, writing  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from storage.models import AuditEntry  # noqa: E402
from tests.databases import database_url  # noqa: E402
from tests.factories import OPERATOR, make_actor, queue_items  # noqa: E402


def fresh_engine(stack: ExitStack, kind: str) -> Engine:
    """A migrated engine on a fresh database of `kind`."""
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    url = stack.enter_context(database_url(kind, directory))
    engine = create_database_engine(url)
    upgrade_to_head(engine)
    stack.callback(engine.dispose)
    return engine


def appends_under_decisions(engine: Engine, items: int, workers: int) -> float:
    """Audit entries appended per second while `workers` threads claim and decide."""
    for start in range(0, items, 1000):
        queue_items(engine, min(1000, items - start))

    def work() -> None:
        reviewer = make_actor(Role.REVIEWER)
        while (held := claim_next(engine, reviewer)) is not None:
            decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    elapsed = run_threads(threads)
    return items * 2 / elapsed  # a claim and a decision entry per item


def fill_chain(engine: Engine, entries: int) -> None:
    """Write a valid chain of `entries` entries in bulk (the append path is measured above)."""
    prev, at = GENESIS_HASH, datetime(2026, 1, 1, tzinfo=UTC)
    key = chain_key(engine, chain_is_empty=True)
    batch: list[dict[str, object]] = []
    with writing(engine) as session:
        for seq in range(1, entries + 1):
            moment = at + timedelta(milliseconds=seq)
            subject, details = f"item:{seq}", {"outcome": "approved", "reason_code": None}
            digest = entry_hash(key, seq, moment, "bench@example.com", AuditAction.ITEM_DECIDED,
                                subject, details, prev)
            batch.append({"seq": seq, "at": moment, "actor": "bench@example.com",
                          "action": AuditAction.ITEM_DECIDED.value, "subject": subject,
                          "details": details, "prev_hash": prev, "entry_hash": digest, "scheme": KEYED})
            prev = digest
            if len(batch) == 10_000:
                session.execute(insert(AuditEntry), batch)
                batch = []
        if batch:
            session.execute(insert(AuditEntry), batch)
        session.commit()


def main() -> None:
    """Run both measurements on each database and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite"] if args.skip_postgres else ["sqlite", "postgresql"]
    print(f"{'database':<12}{'appends/s (' + str(args.workers) + ' deciders)':>28}"
          f"{'verify entries/s':>20}{'verify ' + format(args.entries, ',') + ' (s)':>22}")
    for kind in kinds:
        with ExitStack() as stack:
            rate = appends_under_decisions(fresh_engine(stack, kind), args.items, args.workers)
            engine = fresh_engine(stack, kind)
            fill_chain(engine, args.entries)
            started = time.perf_counter()
            check = verify_chain(engine, OPERATOR)
            seconds = time.perf_counter() - started
            assert check.intact and check.entries == args.entries, check
            print(f"{kind:<12}{rate:>28,.0f}{args.entries / seconds:>20,.0f}{seconds:>22.1f}")


if __name__ == "__main__":
    main()
