"""Ingest throughput: `workbench ingest`'s path against a raw sqlite3 executemany of the same file.

    python bench/ingest_bench.py [--records 100000] [--skip-postgres]

The real path is read_record_file + ingest_records as an admin actor, into a fresh migrated
database (migration not timed). The baseline parses the same JSONL file with json.loads, dumps
the nested fields with json.dumps and executemany-inserts them into one table with a unique
index on (source, external_id), in one transaction.
"""

import argparse
import itertools
import json
import random
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_engine, kinds, machine_note, print_table  # noqa: E402
from review.actors import Actor  # noqa: E402
from review.demo_records import demo_record  # noqa: E402
from review.enums import Role  # noqa: E402
from review.ingest import IngestReport, ingest_records  # noqa: E402
from review.record_files import read_record_file  # noqa: E402

ADMIN = Actor(identity="cli:bench", roles=frozenset({Role.ADMIN}))
_FIELDS = ("external_id", "source", "task", "model_version", "input", "output", "confidence",
           "impact", "tags", "metadata")
_NESTED = frozenset({"input", "output", "tags", "metadata"})
_RAW_SCHEMA = f"""
CREATE TABLE item ({", ".join(_FIELDS)});
CREATE UNIQUE INDEX uq_item_source_external_id ON item (source, external_id);
"""


def write_records(path: Path, count: int) -> None:
    """Write `count` valid demo records to a JSON Lines file."""
    rng = random.Random(20260101)
    with path.open("w", encoding="utf-8") as stream:
        for index in range(count):
            stream.write(json.dumps(demo_record(rng, index)) + "\n")


@dataclass(frozen=True)
class RealRun:
    """One run of the real path: seconds to read and to ingest, SQL statements sent, the report."""

    read: float
    ingest: float
    statements: int
    report: IngestReport


def time_real_path(stack: ExitStack, kind: str, path: Path) -> RealRun:
    """Read the file and ingest it as `workbench ingest` does, on a fresh migrated database."""
    engine = fresh_engine(stack, kind)
    statements = itertools.count()
    event.listen(engine, "before_cursor_execute", lambda *_: next(statements))
    started = time.perf_counter()
    records = list(read_record_file(str(path)))
    read = time.perf_counter() - started
    before = next(statements)
    report = ingest_records(engine, ADMIN, records)
    ingest = time.perf_counter() - started - read
    return RealRun(read, ingest, next(statements) - before - 1, report)


def time_raw_sqlite(path: Path, directory: Path) -> tuple[float, float]:
    """Seconds to parse the file, and to executemany it into one table in one transaction."""
    connection = sqlite3.connect(directory / "raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(_RAW_SCHEMA)
    started = time.perf_counter()
    with path.open("rb") as stream:
        rows = [_raw_row(json.loads(line)) for line in stream]
    parsed = time.perf_counter() - started
    connection.execute("BEGIN")
    connection.executemany(f"INSERT INTO item VALUES ({', '.join('?' * len(_FIELDS))})", rows)
    connection.execute("COMMIT")
    inserted = time.perf_counter() - started - parsed
    stored = connection.execute("SELECT count(*) FROM item").fetchone()[0]
    connection.close()
    assert stored == len(rows), stored
    return parsed, inserted


def _raw_row(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        json.dumps(record.get(name)) if name in _NESTED else record.get(name) for name in _FIELDS
    )


def main() -> None:
    """Generate the file, time every path on it, and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-")))
        path = directory / "records.jsonl"
        write_records(path, args.records)
        size = path.stat().st_size / 1e6
        print(f"{args.records:,} demo records, {size:.1f} MB of JSONL; {machine_note()}")
        parsed, inserted = time_raw_sqlite(path, directory)
        raw_rate = args.records / (parsed + inserted)
        rows: list[list[object]] = [
            ["raw sqlite3 executemany", parsed, inserted, parsed + inserted, raw_rate, "1.00", 3, "-"]
        ]
        for kind in kinds(args.skip_postgres):
            with ExitStack() as database:
                run = time_real_path(database, kind, path)
            report = run.report
            assert report.accepted == args.records and not report.rejected, report
            rate = args.records / (run.read + run.ingest)
            rows.append([f"read_record_file + ingest_records ({kind})", run.read, run.ingest,
                         run.read + run.ingest, rate, f"{rate / raw_rate:.2f}", run.statements,
                         report.routes.get("auto", 0)])
        print_table(["path", "parse s", "store s", "total s", "records/s", "vs raw", "SQL statements",
                     "auto-approved"], rows)
        print("parse = reading the JSONL file (the real path also validates and routes in `store`); "
              "auto-approved records also get a decision row")


if __name__ == "__main__":
    main()
