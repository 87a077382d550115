"""Ingest throughput: `workbench ingest`'s path against a raw load of the same file on each engine.

    python bench/ingest_bench.py [--records 100000] [--skip-postgres]

The real path is read_record_file + ingest_records as an admin actor, into a fresh migrated
database (migration not timed), streaming the file as `workbench ingest` does; it also runs on a
file a tenth the size, whose peak RSS should be the same (memory flat in the file's size). The
baselines parse the same JSONL file with json.loads, dump the nested fields with json.dumps and
load them into one table with a unique index on (source, external_id), in one transaction: a
sqlite3 executemany, and a psycopg COPY on PostgreSQL. Each path runs in a forked child, so its
peak RSS is its own.
"""

import argparse
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_engine, fresh_url, kinds, machine_note, print_table  # noqa: E402
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
_RAW_PG_SCHEMA = """
CREATE TABLE item (external_id text, source text, task text, model_version text, input jsonb,
                   output jsonb, confidence double precision, impact text, tags jsonb, metadata jsonb);
CREATE UNIQUE INDEX uq_item_source_external_id ON item (source, external_id);
"""


def write_records(path: Path, count: int) -> None:
    """Write `count` valid demo records to a JSON Lines file."""
    rng = random.Random(20260101)
    with path.open("w", encoding="utf-8") as stream:
        for index in range(count):
            stream.write(json.dumps(demo_record(rng, index)) + "\n")


@dataclass(frozen=True)
class Run:
    """One timed path: seconds to parse (read) and to store (None when the two are interleaved),
    the child's peak RSS, its CPU seconds over both, the report."""

    parse: float | None
    store: float
    peak_mb: float
    cpu: float
    report: IngestReport | None = None

    @property
    def total(self) -> float:
        """Seconds for the whole path."""
        return (self.parse or 0.0) + self.store


def in_child(target: Any, *args: Any) -> Run:
    """Run `target(*args)` in a forked process (its own peak RSS) and return its Run."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(target, args)  # type: ignore[no-any-return]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_real_path(kind: str, path: Path) -> Run:
    """Stream the file into ingest_records as `workbench ingest` does, on a fresh migrated database."""
    with ExitStack() as stack:
        engine = fresh_engine(stack, kind)
        started, cpu = time.perf_counter(), _cpu()
        report = ingest_records(engine, ADMIN, read_record_file(str(path)))
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    return Run(None, seconds, _peak_mb(), cpu, report)


def _parsed_rows(path: Path) -> list[tuple[Any, ...]]:
    with path.open("rb") as stream:
        return [_raw_row(json.loads(line)) for line in stream]


def time_raw_sqlite(path: Path) -> Run:
    """Seconds to parse the file, and to executemany it into one table in one transaction."""
    with tempfile.TemporaryDirectory(prefix="bench-raw-") as directory:
        connection = sqlite3.connect(Path(directory) / "raw.db", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(_RAW_SCHEMA)
        started, cpu = time.perf_counter(), _cpu()
        rows = _parsed_rows(path)
        parsed = time.perf_counter() - started
        connection.execute("BEGIN")
        connection.executemany(f"INSERT INTO item VALUES ({', '.join('?' * len(_FIELDS))})", rows)
        connection.execute("COMMIT")
        inserted, cpu = time.perf_counter() - started - parsed, _cpu() - cpu
        stored = connection.execute("SELECT count(*) FROM item").fetchone()[0]
        connection.close()
    assert stored == len(rows), stored
    return Run(parsed, inserted, _peak_mb(), cpu)


def time_raw_copy(path: Path) -> Run:
    """Seconds to parse the file, and to COPY it into one indexed table in one transaction."""
    with ExitStack() as stack:
        url = fresh_url(stack, "postgresql").replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url) as connection:
            connection.execute(_RAW_PG_SCHEMA)
            connection.commit()
            started, cpu = time.perf_counter(), _cpu()
            rows = _parsed_rows(path)
            parsed = time.perf_counter() - started
            with connection.cursor() as cursor, cursor.copy(
                f"COPY item ({', '.join(_FIELDS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            connection.commit()
            inserted, cpu = time.perf_counter() - started - parsed, _cpu() - cpu
            stored = connection.execute("SELECT count(*) FROM item").fetchone()
    assert stored is not None and stored[0] == len(rows), stored
    return Run(parsed, inserted, _peak_mb(), cpu)


def _raw_row(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        json.dumps(record.get(name)) if name in _NESTED else record.get(name) for name in _FIELDS
    )


def main() -> None:
    """Generate the files, time every path on them, and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    small_records = max(args.records // 10, 1)
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-")))
        path, small = directory / "records.jsonl", directory / "small.jsonl"
        write_records(path, args.records)
        write_records(small, small_records)
        size = path.stat().st_size / 1e6
        print(f"{args.records:,} demo records, {size:.1f} MB of JSONL; {machine_note()}")
        rows: list[list[object]] = []
        for kind in kinds(args.skip_postgres):
            raw = in_child(time_raw_sqlite if kind == "sqlite" else time_raw_copy, path)
            raw_rate = args.records / raw.total
            name = "raw sqlite3 executemany" if kind == "sqlite" else "raw psycopg COPY"
            rows.append([name, raw.parse, raw.store, raw.total, raw_rate, "1.00", raw.cpu, "1.00",
                         raw.peak_mb, "-", "-"])
            run = in_child(time_real_path, kind, path)
            _check(run, args.records)
            small_run = in_child(time_real_path, kind, small)
            _check(small_run, small_records)
            rate = args.records / run.total
            rows.append([f"read_record_file + ingest_records ({kind})", "-", "-", run.total, rate,
                         f"{rate / raw_rate:.2f}", run.cpu, f"{raw.cpu / run.cpu:.2f}", run.peak_mb,
                         small_run.peak_mb, _reported(run).routes.get("auto", 0)])
        print_table(["path", "parse s", "store s", "total s", "records/s", "vs raw", "CPU s",
                     "vs raw CPU", "peak RSS MB", f"RSS {small_records:,}", "auto-approved"], rows)
        print("parse = reading the JSONL file (the real path streams it: parsing, validating, routing "
              "and storing a batch at a time); auto-approved records also get a decision row; "
              f"RSS {small_records:,} = the real path's peak RSS on a file of that many records; CPU s = "
              "this process's user+sys seconds (not the PostgreSQL server's), steadier than wall time "
              "on a busy machine")
        print(f"load average at end: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")


def _reported(run: Run) -> IngestReport:
    assert run.report is not None
    return run.report


def _check(run: Run, records: int) -> None:
    report = _reported(run)
    assert report.accepted == records and not report.rejected, report


if __name__ == "__main__":
    main()
