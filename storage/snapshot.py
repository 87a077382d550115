"""A columnar, append-only snapshot of decisions and items for the dashboard, queried with DuckDB.

Decisions and the item fields the dashboard groups by never change once written, and decisions
are read in commit order (see `storage.repositories.commit_order`), so the snapshot is read from
the database once and afterwards only rows after its cursor are. It is kept as Parquet files (see
`storage.snapshot_files`) that every process on the machine shares and that outlive restarts: a
new process reads the files and fetches only what was decided since. Queries scan the files, so
a process holds no copy of the history in memory; the dashboard's counting queries scan only the
files they have no counts for yet (`storage.snapshot_partials`). The figures are those of the
database at `refresh` time.
"""

import os
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine
from sqlmodel import Session

from storage import snapshot_files as files
from storage import snapshot_partials as partials
from storage.engine import reading
from storage.repositories.commit_order import START, CommitCursor, wait_until_settled
from storage.repositories.metrics import (
    FACT_SCHEMAS,
    Rows,
    decisions_held_back,
    get_last_ids,
    last_cursor,
    read_facts_after,
)
from storage.snapshot_partials import naive_utc as naive_utc  # where callers have found it

BATCH = 100_000  # rows per fetch: bounds the memory a build needs
KEEP_SNAPSHOTS = 4
MEMORY_LIMIT = "512MB"  # DuckDB's per-process ceiling; beyond it a query spills to disk
TABLES = {"decisions": "d", "items": "i"}
# The SQL and parameters of a counting query with the given time clauses (see `Snapshot.counts`).
CountingQuery = Callable[[datetime | None, datetime | None], tuple[str, Sequence[Any]]]
_DUCKDB_TYPES = {pa.int64(): "BIGINT", pa.int8(): "TINYINT", pa.float64(): "DOUBLE",
                 pa.bool_(): "BOOLEAN", pa.string(): "VARCHAR", pa.timestamp("us"): "TIMESTAMP"}


@dataclass
class Snapshot:
    """Decisions made by people (`d`) and items (`i`) up to the last ids read."""

    directory: Path
    paths: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    last_decision_id: int = 0
    last_item_id: int = 0
    taken_at: datetime | None = None
    version: int = 0
    # The database's newest ids when it was last read, and whether this process has checked the
    # files against the database (they may belong to one that was replaced under the address).
    seen: tuple[int, int] | None = None
    checked: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    # DuckDB connections are not shared between threads: each thread keeps a cursor on the one
    # database, with views over the files of the version it last saw.
    _database: duckdb.DuckDBPyConnection | None = None
    _local: threading.local = field(default_factory=threading.local)
    _counts: partials.PartialCounts = field(default_factory=partials.PartialCounts)

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run DuckDB SQL over tables `d` and `i`."""
        try:
            return self._run(sql, parameters)
        except duckdb.IOException:
            # Another process compacted files away between our listing and this scan.
            self.reload()
            return self._run(sql, parameters)

    def counts(self, kind: str, query: CountingQuery, period: partials.Period | None = None) -> Rows:
        """(group keys…, count) rows of a counting query over the facts of `kind`, summed per
        group over every file and ordered by all columns, nulls first.

        `query(since, until)` gives the SQL and its parameters with those time clauses (None:
        leave it out): it selects `filename`, the keys and `count(*)` from `{facts}`, grouped by
        all. `{facts}` stands for the files of `kind` not counted yet, each row attributed to
        the file it comes from; the query may join `d` and `i`, which hold everything. `period`
        is the time clauses' column and bounds: each file is asked only for those it needs (see
        `storage.snapshot_partials`), and only files with no kept counts are scanned.
        """
        try:
            return self._counted(kind, query, period)
        except duckdb.IOException:
            # Another process compacted files away between our listing and this scan.
            self.reload()
            return self._counted(kind, query, period)

    def _counted(self, kind: str, query: CountingQuery, period: partials.Period | None) -> Rows:
        kept: dict[tuple[partials.FileIdentity, str], partials.Counts] = {}
        missing = defaultdict(list)
        for path in self.paths.get(kind, ()):
            file = partials.identify(path)
            if file is None:  # compacted away since the last listing: the scan reloads
                raise duckdb.IOException(f"snapshot file {path} is gone")
            clauses = (None, None) if period is None else self._counts.clauses(file, period)
            if clauses == partials.OUTSIDE:
                continue
            sql, parameters = query(*clauses)
            name = partials.query_id(sql, parameters)
            found = self._counts.get(file, name, not parameters)
            if found is None:
                missing[(sql, tuple(parameters))].append(file)
            kept[(file, name)] = found or []
        for (sql, parameters), files_to_count in missing.items():
            name = partials.query_id(sql, parameters)
            fresh: dict[str, partials.Counts] = {str(file.path): [] for file in files_to_count}
            scan = _scan_files([file.path for file in files_to_count], filename=True)
            for filename, *row in self._run(sql.replace("{facts}", scan), parameters):
                fresh[filename].append(tuple(row))
            for file in files_to_count:
                self._counts.put(file, name, fresh[str(file.path)], not parameters)
                kept[(file, name)] = fresh[str(file.path)]
        return self._counts.summed(kept)

    def reload(self) -> None:
        """Take up the files on disk as they are now."""
        with self.lock:
            self._take(self._chains())

    def _run(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor = self._cursor()
        return [tuple(row) for row in cursor.execute(sql, list(parameters)).fetchall()]

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == self.version:
            return held[1]
        with _registry_lock:
            if self._database is None:
                # Spills (a big self-join) go to a directory of this process's own, not the
                # working directory, which DuckDB uses for an in-memory database by default.
                spill = Path(tempfile.gettempdir()) / f"workbench-duckdb-{os.getpid()}"
                self._database = duckdb.connect(
                    config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
        cursor = held[1] if held is not None else self._database.cursor()
        version, paths = self.version, dict(self.paths)
        for kind, table in TABLES.items():
            cursor.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS {_scan(paths.get(kind, ()), kind)}")
        self._local.held = (version, cursor)
        return cursor

    def _chains(self) -> dict[str, list[files.FactFile]]:
        return {kind: files.chain(self.directory, kind) for kind in TABLES}

    def _take(self, chains: dict[str, list[files.FactFile]]) -> None:
        paths = {kind: tuple(file.path for file in chain) for kind, chain in chains.items()}
        if paths != self.paths:
            self.paths = paths
            self.version += 1
        self.last_decision_id = chains["decisions"][-1].last.id if chains["decisions"] else 0
        self.last_item_id = chains["items"][-1].last.id if chains["items"] else 0


def _scan(paths: Sequence[Path], kind: str) -> str:
    if paths:
        return f"SELECT * FROM {_scan_files(paths)}"
    columns = ", ".join(f"CAST(NULL AS {_DUCKDB_TYPES[f.type]}) AS {f.name}" for f in FACT_SCHEMAS[kind])
    return f"SELECT {columns} WHERE FALSE"


def _scan_files(paths: Sequence[Path], filename: bool = False) -> str:
    listed = ", ".join("'" + str(path).replace("'", "''") + "'" for path in paths)
    return f"read_parquet([{listed}]{', filename = true' if filename else ''})"


_snapshots: OrderedDict[str, Snapshot] = OrderedDict()
_registry_lock = threading.Lock()


def refreshed_snapshot(engine: Engine) -> Snapshot:
    """The engine's snapshot with every row committed so far appended."""
    key = engine.url.render_as_string(hide_password=False)
    with _registry_lock:
        snapshot = _snapshots.pop(key, None) or Snapshot(files.snapshot_directory(engine.url))
        _snapshots[key] = snapshot
        while len(_snapshots) > KEEP_SNAPSHOTS:
            _snapshots.popitem(last=False)
    with snapshot.lock:
        _append_new_rows(engine, snapshot)
    return snapshot


def _append_new_rows(engine: Engine, snapshot: Snapshot) -> None:
    with reading(engine) as session:
        wait_until_settled(session.connection())  # a view right after a decision counts it
        newest = get_last_ids(session=session)
        # Asking only when the newest ids moved keeps a refresh with nothing new at two index
        # lookups, whatever the planner makes of the range queries.
        if snapshot.seen != newest or snapshot.last_decision_id > newest[0] \
                or snapshot.last_item_id > newest[1]:
            with files.writer_lock(snapshot.directory):
                _catch_up(session, snapshot, newest)
            # Decisions held back behind a running transaction are fetched on the next refresh.
            snapshot.seen = None if decisions_held_back(session=session) else newest
    snapshot.taken_at = datetime.now(UTC)


def _catch_up(session: Session, snapshot: Snapshot, newest: tuple[int, int]) -> None:
    """With the writer lock held: check the files, then fetch and write what they lack."""
    directory = snapshot.directory
    chains = _readable_chains(snapshot)
    ends = tuple(chain[-1].last.id if chain else 0 for chain in chains.values())
    behind = ends[0] > newest[0] or ends[1] > newest[1]
    if behind or not (snapshot.checked or _still_matches(session, chains)):
        # The database was emptied or replaced under the same address: start over.
        files.remove_all(directory)
        chains = {kind: [] for kind in TABLES}
    snapshot.checked = True
    for kind, chain in chains.items():
        # Decisions page in commit order, so the last one read need not have the largest id:
        # whenever the newest ids moved, look for what follows the chain.
        after = chain[-1].last if chain else START
        files.write(directory, kind, after, _batches(session, kind, after), FACT_SCHEMAS[kind])
        files.compact(directory, kind, FACT_SCHEMAS[kind])
    snapshot._take(snapshot._chains())


def _readable_chains(snapshot: Snapshot) -> dict[str, list[files.FactFile]]:
    chains = snapshot._chains()
    for kind, chain in chains.items():
        for index, file in enumerate(chain):
            if not files.readable(file, FACT_SCHEMAS[kind]):
                # A damaged file (a disk error, a hand edit): drop it and what follows it, and
                # fetch that part again.
                file.path.unlink(missing_ok=True)
                chains[kind] = chain[:index]
                break
    return chains


def _batches(session: Session, kind: str, after: CommitCursor) -> Iterator[pa.Table]:
    while (table := read_facts_after(session=session, kind=kind, after=after, limit=BATCH)).num_rows:
        yield table
        after = last_cursor(table)
        if table.num_rows < BATCH:
            return


def _still_matches(session: Session, chains: dict[str, list[files.FactFile]]) -> bool:
    """Whether the first fact of each chain's last file is still in the database, unchanged."""
    for kind, chain in chains.items():
        if not chain:
            continue
        # One row decoded, not the first row group (100,000 rows: a tenth of a second).
        stored = pa.Table.from_batches([next(pq.ParquetFile(chain[-1].path).iter_batches(batch_size=1))])
        fetched = read_facts_after(session=session, kind=kind, after=chain[-1].after, limit=1)
        if not fetched.equals(stored.cast(fetched.schema)):
            return False
    return True


