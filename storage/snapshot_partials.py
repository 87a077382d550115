"""Counts per snapshot file, so that a dashboard view scans only the files it has not seen.

Every dashboard aggregation is a count per group, and counts add up: a query's counts over the
chain of fact files are the sums of its counts over each file. A fact file never changes once it
has its name (a compaction writes a new one), so one file's counts for one query are computed
once and kept: in this process's memory, and for unfiltered queries (what the Dashboard opens
with) also beside the file on disk, where every process and every restart finds them. Filtered
counts stay in memory only, so the disk holds at most one small companion per file and query.

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
from pathlib import Path
from typing import Any

Counts = list[tuple[Any, ...]]  # (group keys..., count)
MEMORY_ENTRIES = 2048  # one file's counts for one query each: a few hundred rows at most


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


class PartialCounts:
    """Per-file counts of queries: a bounded in-memory map, backed by companions on disk."""

    def __init__(self) -> None:
        self._memory: OrderedDict[tuple[FileIdentity, str], Counts] = OrderedDict()
        self._lock = threading.Lock()

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

    def _remember(self, file: FileIdentity, query: str, counts: Counts) -> None:
        with self._lock:
            self._memory[(file, query)] = counts
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)


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
