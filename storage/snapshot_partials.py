"""Counts per snapshot file, so that a dashboard view scans only the files it has not seen.

Every dashboard aggregation is a count per group, and counts add up: a query's counts over the
chain of fact files are the sums of its counts over each file. A fact file never changes once it
has its name (a compaction writes a new one), so one file's counts for one query are computed
once and kept: in this process's memory, and for unfiltered queries (what the Dashboard opens
with) also beside the file on disk, where every process and every restart finds them. Filtered
counts stay in memory only, so the disk holds at most one small companion per file and query.

A query's period is applied per file: a file whose times all lie inside it is counted without
the time clauses (the counts an unfiltered view keeps, on disk too), a file wholly outside it is
not counted at all, and only a file the period's edge cuts is scanned with them. A period that
moves with the clock (the guardrail's "until now") therefore scans one file, not all of them.

A companion `<fact file>.<query id>.json` records the file's size, mtime and inode, and is used
only while they match: a file rewritten under the same name (a replaced database) is not mistaken
for the old one. `storage.snapshot_files` deletes companions together with their file.
"""

import hashlib
import json
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

Counts = list[tuple[Any, ...]]  # (group keys..., count)
MEMORY_ROWS = 200_000  # kept rows in memory, all queries and files together: some tens of MB
MEMORY_FILES = 1024  # files whose time range is remembered
SUMS_KEPT = 64  # merged results remembered (a few per filter asked for)


@dataclass(frozen=True)
class FileIdentity:
    """A fact file as it is on disk now."""

    path: Path
    size: int
    mtime_ns: int
    inode: int


def identify(path: Path) -> FileIdentity | None:
    """The file's identity, or None when it is gone (compacted away by another process)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return FileIdentity(path, found.st_size, found.st_mtime_ns, found.st_ino)


def query_id(sql: str, parameters: Sequence[Any]) -> str:
    """A short name for a query and its parameters."""
    return hashlib.sha256(repr((sql, list(parameters))).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Period:
    """A query's time clauses: `column` >= `since` and < `until` (either may be absent)."""

    column: str
    since: datetime | None = None
    until: datetime | None = None


OUTSIDE = "outside"  # a file none of whose rows lies in the period


class PartialCounts:
    """Per-file counts of queries: a bounded in-memory map, backed by companions on disk."""

    def __init__(self) -> None:
        self._memory: OrderedDict[tuple[FileIdentity, str], Counts] = OrderedDict()
        self._rows = 0
        # The last sums per query and files: a view with nothing new merges nothing.
        self._sums: OrderedDict[tuple[tuple[FileIdentity, str], ...], Counts] = OrderedDict()
        self._ranges: OrderedDict[tuple[FileIdentity, str], tuple[datetime, datetime] | None] = OrderedDict()
        self._lock = threading.Lock()

    def clauses(self, file: FileIdentity, period: Period) -> tuple[datetime | None, datetime | None] | str:
        """The period's (since, until) that this file needs, each None when every row of the
        file meets it; or `OUTSIDE` when no row does."""
        if period.since is None and period.until is None:
            return None, None
        found = self._range(file, period.column)
        if found is None:
            return period.since, period.until
        low, high = found
        since, until = naive_utc(period.since), naive_utc(period.until)
        if (since is not None and high < since) or (until is not None and low >= until):
            return OUTSIDE
        return (period.since if since is not None and low < since else None,
                period.until if until is not None and high >= until else None)

    def _range(self, file: FileIdentity, column: str) -> tuple[datetime, datetime] | None:
        """The smallest and largest time in the file's column, from its footer's statistics."""
        with self._lock:
            if (file, column) in self._ranges:
                return self._ranges[(file, column)]
        found = _time_range(file.path, column)
        with self._lock:
            self._ranges[(file, column)] = found
            while len(self._ranges) > MEMORY_FILES:
                self._ranges.popitem(last=False)
        return found

    def get(self, file: FileIdentity, query: str, persisted: bool) -> Counts | None:
        """The file's counts for `query`, if this process or (`persisted`) any other kept them."""
        with self._lock:
            found = self._memory.get((file, query))
            if found is not None:
                self._memory.move_to_end((file, query))
                return found
        if not persisted:
            return None
        found = _read_companion(file, query)
        if found is not None:
            self._remember(file, query, found)
        return found

    def put(self, file: FileIdentity, query: str, counts: Counts, persisted: bool) -> None:
        """Keep the file's counts for `query` (on disk too when `persisted`)."""
        self._remember(file, query, counts)
        if persisted:
            _write_companion(file, query, counts)

    def summed(self, parts: dict[tuple[FileIdentity, str], Counts]) -> Counts:
        """`merge` of the parts (each file's counts, by file and query), remembered by them."""
        key = tuple(parts)
        with self._lock:
            found = self._sums.get(key)
        if found is None:
            found = merge(parts.values())
            with self._lock:
                self._sums[key] = found
                while len(self._sums) > SUMS_KEPT:
                    self._sums.popitem(last=False)
        return list(found)  # a copy: the caller may change its list

    def _remember(self, file: FileIdentity, query: str, counts: Counts) -> None:
        with self._lock:
            replaced = self._memory.pop((file, query), None)
            self._rows -= len(replaced) if replaced is not None else 0
            self._memory[(file, query)] = counts
            self._rows += len(counts)
            while self._rows > MEMORY_ROWS and len(self._memory) > 1:
                self._rows -= len(self._memory.popitem(last=False)[1])


def _time_range(path: Path, column: str) -> tuple[datetime, datetime] | None:
    """(min, max) of a time column over every row group, or None if a statistic is missing."""
    try:
        metadata = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return None
    index = metadata.schema.names.index(column)
    lows, highs = [], []
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(index).statistics
        if statistics is None or not statistics.has_min_max:
            return None
        lows.append(statistics.min)
        highs.append(statistics.max)
    return (min(lows), max(highs)) if lows else None


def naive_utc(moment: datetime | None) -> datetime | None:
    """A time as the snapshot stores it (naive, UTC)."""
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def merge(parts: Iterable[Counts]) -> Counts:
    """The sums per group of several files' counts, ordered as DuckDB's `ORDER BY ALL NULLS
    FIRST` orders them (texts by code point, as DuckDB's default binary collation does)."""
    totals: dict[tuple[Any, ...], int] = {}
    for part in parts:
        for *keys, count in part:
            key = tuple(keys)
            totals[key] = totals.get(key, 0) + count
    ordered = sorted(totals.items(), key=lambda item: [(value is not None, value) for value in item[0]])
    return [(*key, count) for key, count in ordered]


def _companion(file: FileIdentity, query: str) -> Path:
    return file.path.with_name(f"{file.path.name}.{query}.json")


def _read_companion(file: FileIdentity, query: str) -> Counts | None:
    try:
        stored = json.loads(_companion(file, query).read_text())
    except (OSError, ValueError):
        return None
    if stored.get("file") != [file.size, file.mtime_ns, file.inode]:
        return None
    return [tuple(row) for row in stored["counts"]]


def _write_companion(file: FileIdentity, query: str, counts: Counts) -> None:
    # Written without the writer lock: two processes may write the same counts, and the rename
    # makes either one whole. A failure costs only a recount in the next process.
    temporary = file.path.with_name(f".tmp-{os.getpid()}-{uuid.uuid4().hex}.json")
    try:
        temporary.write_text(json.dumps({"file": [file.size, file.mtime_ns, file.inode],
                                         "counts": counts}))
        os.replace(temporary, _companion(file, query))
    except (OSError, TypeError, ValueError):
        temporary.unlink(missing_ok=True)
