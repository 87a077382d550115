"""Dashboard times at scale: a first build, the first view after a restart, warm views and memory
per process, next to plain DuckDB over the same rows.

    python bench/metrics_bench.py --database-url URL [--runs 5] [--keep-files]

Point it at a database loaded with `workbench demo --items 1000000` (SQLite or PostgreSQL). The
snapshot's Parquet files (storage/snapshot_files.py) are deleted first, unless `--keep-files`, so
the first child process builds them from the database. Then two restarted servers: one after the
files' kept counts (storage/snapshot_partials.py) are deleted, so it counts every file, and one
that finds them. Each child reports its first whole-dashboard view, the median warm view and its
RSS at start (modules imported), peak and at the end. The last one then loads the same files into
DuckDB's own in-memory tables and runs each aggregation three ways by turns: over the snapshot
as a view runs it (kept counts), over the snapshot counting every file, and over plain DuckDB at
its fastest, at the cost of holding every row in memory. Before that, the database's first facts
are fetched both ways, as Arrow (`read_facts_after`, what the snapshot uses) and as SQLAlchemy
rows, the faster of two tries each.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.common import machine_note, print_table  # noqa: E402
from review.metrics import dashboard_metrics  # noqa: E402
from storage import snapshot_files  # noqa: E402
from storage.engine import create_database_engine, reading  # noqa: E402
from storage.models import Decision  # noqa: E402
from storage.repositories import metrics as queries  # noqa: E402
from storage.repositories import snapshot_metrics as facts  # noqa: E402
from storage.repositories.commit_order import START  # noqa: E402
from storage.repositories.metrics import MetricsFilter, read_facts_after  # noqa: E402
from storage.snapshot import TABLES, CountingQuery, Snapshot, refreshed_snapshot  # noqa: E402
from storage.snapshot_partials import Counts, FileIdentity, PartialCounts, Period, merge  # noqa: E402
from tests.factories import OPERATOR  # noqa: E402

FILTERS = MetricsFilter()
FETCH_ROWS = 100_000
AGGREGATIONS = {
    "outcomes by day/source/task/version": facts.count_outcomes_by_day,
    "outcomes by reviewer": facts.count_outcomes_by_reviewer,
    "overrides by reason": facts.count_overrides_by_reason,
    "audit outcomes (error rate)": facts.count_audit_outcomes,
    "outcomes by confidence band": facts.count_outcomes_by_confidence_band,
    "items by confidence band": facts.count_items_by_confidence_band,
    "agreement pairs": facts.count_agreement_pairs,
    "review seconds histogram": facts.review_seconds_histogram,
    "decisions by hour": facts.count_decisions_by_hour,
}


def _median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _memory() -> dict[str, float]:
    # VmHWM, not getrusage's maxrss: that one survives exec, so a child would report its parent's.
    with open("/proc/self/status") as status:
        kib = {line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith("Vm")}
    return {"peak_mb": kib["VmHWM"] / 1024, "rss_mb": kib["VmRSS"] / 1024}


def _view_child(url: str, runs: int, baseline: bool) -> dict[str, Any]:
    """A server process: its first whole-dashboard view, then warm views; with `baseline`, each
    aggregation over the snapshot and over plain DuckDB in-memory tables, run by turns."""
    import pandas  # noqa: F401 - a server has it loaded (Streamlit); pyarrow imports it lazily

    engine = create_database_engine(url)
    at_start = _memory()["rss_mb"]
    started = time.perf_counter()
    dashboard_metrics(engine, OPERATOR, FILTERS)
    first = time.perf_counter() - started
    snapshot = refreshed_snapshot(engine)
    warm = _median_ms(lambda: dashboard_metrics(engine, OPERATOR, FILTERS), runs)
    result: dict[str, Any] = {"first_s": first, "warm_ms": warm, "start_mb": at_start, **_memory(),
              "files": sum(len(paths) for paths in snapshot.paths.values())}
    if baseline:
        plain, result["load_s"] = _in_memory_duckdb(snapshot_files.snapshot_directory(engine.url))
        result["plain_rss_mb"] = _memory()["rss_mb"] - result["rss_mb"]
        counting = _counting_every_file(snapshot)
        timed: dict[str, tuple[float, float | None, float | None]] = {}
        for name, function in AGGREGATIONS.items():
            over_plain = partial(function, plain, FILTERS)  # type: ignore[arg-type] # same counts()
            kept, plain_ms = _by_turns(partial(function, snapshot, FILTERS), over_plain, runs)
            every_file, _ = _by_turns(partial(function, counting, FILTERS), over_plain, runs)
            timed[name] = (kept, every_file, plain_ms)
        result["queries_ms"] = timed
        result["queries_ms"]["snapshot refresh, nothing new"] = (
            _median_ms(lambda: refreshed_snapshot(engine), runs), None, None)
    return result


def _by_turns(one: Callable[[], object], other: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median ms of each, run alternately so that load on the machine weighs on both alike."""
    one(), other()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for call, kept in ((one, times[0]), (other, times[1])):
            started = time.perf_counter()
            call()
            kept.append(time.perf_counter() - started)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


class _Forgetful(PartialCounts):
    """Keeps no file's counts: every query scans every file."""

    def get(self, file: FileIdentity, query: str, persisted: bool) -> Counts | None:
        return None

    def put(self, file: FileIdentity, query: str, counts: Counts, persisted: bool) -> None:
        pass


def _counting_every_file(snapshot: Snapshot) -> Snapshot:
    """The same files, with no counts kept: the cost of counting them all (a first view with
    no companions, or a filter asked for the first time)."""
    counting = Snapshot(snapshot.directory, _counts=_Forgetful())
    counting.reload()
    return counting


class _InMemory:
    """Plain DuckDB: tables `d` and `i` in its own in-memory storage."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection

    def query(self, sql: str, parameters: Any = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.connection.execute(sql, list(parameters)).fetchall()]

    def counts(self, kind: str, query: CountingQuery, period: Period | None = None) -> list[tuple[Any, ...]]:
        """The snapshot's counting query over every row at once, as one file."""
        sql, parameters = query(*((period.since, period.until) if period else (None, None)))
        facts = f"(SELECT *, '' AS filename FROM {TABLES[kind]})"
        return merge([[row[1:] for row in self.query(sql.replace("{facts}", facts), parameters)]])


def _in_memory_duckdb(directory: Path) -> tuple[_InMemory, float]:
    connection = duckdb.connect()
    started = time.perf_counter()
    for kind, table in (("decisions", "d"), ("items", "i")):
        paths = [str(file.path) for file in snapshot_files.chain(directory, kind)]
        connection.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({paths})")
    return _InMemory(connection), time.perf_counter() - started


def _in_child(mode: str, url: str, runs: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--database-url", url, "--runs", str(runs)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _fetch_rates(engine: Any) -> list[list[object]]:
    """Rows/s of the facts as Arrow (the snapshot's path) and as SQLAlchemy rows (tuples), the
    faster of two tries each, by turns."""
    statement = queries._fact_statement("decisions", START, FETCH_ROWS, engine.dialect)
    best = {"arrow": float("inf"), "rows": float("inf")}
    with reading(engine) as session:
        for _ in range(2):
            started = time.perf_counter()
            arrow = read_facts_after(session=session, kind="decisions", after=START, limit=FETCH_ROWS)
            best["arrow"] = min(best["arrow"], time.perf_counter() - started)
            started = time.perf_counter()
            rows = [tuple(row) for row in session.execute(statement)]
            best["rows"] = min(best["rows"], time.perf_counter() - started)
    assert arrow.num_rows == len(rows)
    return [["as Arrow (read_facts_after)", len(rows), len(rows) / best["arrow"], 1.0],
            ["as SQLAlchemy rows (baseline)", len(rows), len(rows) / best["rows"],
             best["rows"] / best["arrow"]]]


def main() -> None:
    """Time a build, a restart and warm views in child processes; plain DuckDB beside them."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep-files", action="store_true",
                        help="time the restart over the snapshot files as they are (no first build)")
    parser.add_argument("--child", choices=["view", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_view_child(args.database_url, args.runs, args.child == "baseline")))
        return
    engine = create_database_engine(args.database_url)
    with engine.connect() as connection:
        decisions = connection.execute(select(func.count()).select_from(Decision)).scalar_one()
    print(f"{engine.dialect.name}, {decisions:,} decisions; {machine_note()}")
    import pandas  # noqa: F401 - as in a server process (Streamlit loads it); pyarrow does lazily
    print_table(["fetch of the first decision facts", "rows", "rows/s", "Arrow's speed-up"],
                _fetch_rates(engine))
    directory = snapshot_files.snapshot_directory(engine.url)
    views = []
    if not args.keep_files:
        shutil.rmtree(directory, ignore_errors=True)
        views.append(("first build (new process, no files)", _in_child("view", args.database_url, args.runs)))
    for companion in directory.glob("*.parquet.*.json"):
        companion.unlink()
    views.append(("after a restart (files kept, no kept counts)",
                  _in_child("view", args.database_url, args.runs)))
    views.append(("after a restart (files and counts kept)",
                  _in_child("baseline", args.database_url, args.runs)))
    print()
    print_table(["whole dashboard", "first view s", "warm ms (median)", "RSS MB at start", "peak RSS MB",
                 "RSS MB after"],
                [[name, view["first_s"], view["warm_ms"], view["start_mb"], view["peak_mb"],
                  view["rss_mb"]] for name, view in views])
    restart = views[-1][1]
    size = sum(path.stat().st_size for path in directory.glob("*.parquet")) / 2**20
    print(f"\nsnapshot: {restart['files']} Parquet files, {size:.0f} MB in {directory}; plain DuckDB "
          f"loads them into memory in {restart['load_s']:.2f} s, "
          f"holding {restart['plain_rss_mb']:.0f} MB more")
    print_table(["aggregation (warm, median, same process by turns)", "snapshot ms",
                 "counting every file ms", "plain DuckDB in memory ms", "ratio", "every file ratio"],
                [[name, mine, every if every is not None else "", plain if plain is not None else "",
                  mine / plain if plain else "", every / plain if every and plain else ""]
                 for name, (mine, every, plain) in restart["queries_ms"].items()])
    print(f"\nload average at end: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")
    engine.dispose()


if __name__ == "__main__":
    main()
