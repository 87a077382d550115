"""Where the dashboard's columnar snapshot lives on disk, and how its Parquet files are written,
chained and compacted so that many processes on one machine can share it.

Each file holds the facts of one kind (`d-…` decisions, `i-…` items) with cursors in
(`after`, `last`] and is named by that range. A file appears under its final name only by an
atomic rename, so a reader never sees a partial one; a reader follows the chain from cursor 0,
at each step taking the file that reaches furthest, so files made redundant by a compaction (or
by two processes fetching the same increment) are skipped until a writer deletes them. Writers
serialise on an advisory lock file; readers take no lock. A file's companions (`<file name>.…`,
see `storage.snapshot_partials`) are deleted with it.
"""

import fcntl
import hashlib
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import URL

from storage.repositories.commit_order import START, CommitCursor
from storage.repositories.metrics import last_cursor

SNAPSHOT_DIR_ENV = "WORKBENCH_SNAPSHOT_DIR"
PREFIXES = {"decisions": "d", "items": "i"}
FILE_ROWS = 1_000_000  # rows per file when a build writes many
SMALL_ROWS = 50_000  # increments merge into files of about this size first
MAX_SMALL_FILES = 8  # files below a tier's size tolerated before they are merged
STALE_TEMPORARY_SECONDS = 3600  # a companion being written without the lock is younger than this
_NAME = re.compile(r"^([di])-(\d+)\.(\d+)-(\d+)\.(\d+)\.parquet$")
_memory_directories: dict[str, tempfile.TemporaryDirectory[str]] = {}


def snapshot_directory(url: URL) -> Path:
    """The snapshot's directory for the database at `url`.

    A SQLite file keeps it beside itself (`workbench.db` → `workbench.db.snapshot/`), so every
    process using that file shares it. A server database (PostgreSQL) may be used from several
    machines; each machine keeps its own copy under `WORKBENCH_SNAPSHOT_DIR` (default
    `~/.workbench/snapshots`, beside the audit files), one directory per database identity:
    backend, host, port, database and connection options (a schema on the search path), not the
    user or password. Files beside the database's own would be shared by every machine only on a
    shared disk, and a summary table in the database would put the dashboard's writes on every
    decision's path; a copy per machine costs one full read of the history per machine, once.
    An in-memory SQLite database lives only as long as its process, and so does its snapshot.
    """
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
            key = url.render_as_string(hide_password=False)
            if key not in _memory_directories:
                _memory_directories[key] = tempfile.TemporaryDirectory(prefix="workbench-snapshot-")
            return Path(_memory_directories[key].name)
        return Path(url.database).resolve().with_name(Path(url.database).name + ".snapshot")
    identity = URL.create(url.get_backend_name(), host=url.host, port=url.port,
                          database=url.database, query=url.query)
    text = identity.render_as_string(hide_password=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    root = os.environ.get(SNAPSHOT_DIR_ENV) or Path.home() / ".workbench" / "snapshots"
    return Path(root) / f"{url.get_backend_name()}-{url.database or 'default'}-{digest}"


@dataclass(frozen=True)
class FactFile:
    """One Parquet file of facts with cursors in (`after`, `last`]."""

    path: Path
    after: CommitCursor
    last: CommitCursor


def _files(directory: Path, kind: str) -> list[FactFile]:
    prefix = PREFIXES[kind]
    found = []
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    for name in names:
        match = _NAME.match(name)
        if match and match[1] == prefix:
            after = CommitCursor(int(match[2]), int(match[3]))
            found.append(FactFile(directory / name, after, CommitCursor(int(match[4]), int(match[5]))))
    return found


def chain(directory: Path, kind: str) -> list[FactFile]:
    """The files that together hold every fact of `kind` once, from the start onwards."""
    furthest: dict[CommitCursor, FactFile] = {}
    for file in _files(directory, kind):
        if file.last > file.after and (file.after not in furthest or file.last > furthest[file.after].last):
            furthest[file.after] = file
    chained, cursor = [], START
    while cursor in furthest:
        chained.append(furthest[cursor])
        cursor = furthest[cursor].last
    return chained


def readable(file: FactFile, schema: pa.Schema) -> bool:
    """Whether the file's footer can be read and its columns are the expected ones."""
    try:
        return pq.read_schema(file.path).remove_metadata().equals(schema)
    except (OSError, pa.ArrowException):
        return False


@contextmanager
def writer_lock(directory: Path) -> Iterator[None]:
    """Held by the one process (and thread) on this machine that writes the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write(
    directory: Path, kind: str, after: CommitCursor, tables: Iterable[pa.Table], schema: pa.Schema
) -> CommitCursor:
    """Write `tables` (consecutive facts after cursor `after`, each ending with its largest id) as
    files of up to `FILE_ROWS` rows; the cursor reached."""
    pending: tuple[Path, pq.ParquetWriter] | None = None
    first, last, rows = after, after, 0

    def publish() -> None:
        nonlocal pending, first, rows
        if pending is not None:
            pending[1].close()
            os.replace(pending[0], directory / f"{PREFIXES[kind]}-{_name(first)}-{_name(last)}.parquet")
        pending, first, rows = None, last, 0

    try:
        for table in tables:
            if not table.num_rows:
                continue
            if pending is None:
                path = directory / f".tmp-{os.getpid()}-{uuid.uuid4().hex}.parquet"
                pending = (path, pq.ParquetWriter(path, schema, compression="zstd"))
            pending[1].write_table(table, row_group_size=256 * 1024)
            last, rows = last_cursor(table), rows + table.num_rows
            if rows >= FILE_ROWS:
                publish()
        publish()
    finally:
        if pending is not None:  # an error half-way: the partial file never gets a final name
            pending[1].close()
            pending[0].unlink(missing_ok=True)
    return last


def _name(cursor: CommitCursor) -> str:
    return f"{cursor.txid:012d}.{cursor.id:012d}"


def compact(directory: Path, kind: str, schema: pa.Schema) -> None:
    """Merge the trailing run of smaller files once there are many, then delete every file the
    chain no longer uses (and leftovers of writes that died). Call with the writer lock held.

    Two tiers keep the rewriting small: more than `MAX_SMALL_FILES` increments (files below
    `SMALL_ROWS` rows) merge into one, and more than `MAX_SMALL_FILES` files of between
    `SMALL_ROWS` and `FILE_ROWS` rows (with the increments after them) into files of
    `FILE_ROWS`. A full file is never rewritten, and a file below `FILE_ROWS` (the end of a
    build) only once that many files of a tier's size follow it: counting the increments too
    rewrote it, and lost the counts kept for it, every few refreshes.
    """
    for below, floor in ((SMALL_ROWS, 0), (FILE_ROWS, SMALL_ROWS)):
        files = chain(directory, kind)
        sizes: list[int] = []
        while len(sizes) < len(files):
            rows = pq.read_metadata(files[len(files) - len(sizes) - 1].path).num_rows
            if rows >= below:
                break
            sizes.append(rows)
        run = files[len(files) - len(sizes):]
        if sum(rows >= floor for rows in sizes) > MAX_SMALL_FILES:
            write(directory, kind, run[0].after, (pq.read_table(file.path) for file in run), schema)
    used = {file.path for file in chain(directory, kind)}
    for file in _files(directory, kind):
        if file.path not in used:
            file.path.unlink(missing_ok=True)
    for leftover in directory.glob(".tmp-*.parquet"):
        leftover.unlink(missing_ok=True)
    _remove_orphans(directory)


def _remove_orphans(directory: Path) -> None:
    """Delete companions of files that are gone, and companions' temporary files left behind."""
    for companion in directory.glob(f"[{''.join(PREFIXES.values())}]-*.parquet.*"):
        if not companion.with_name(companion.name.partition(".parquet.")[0] + ".parquet").exists():
            companion.unlink(missing_ok=True)
    for leftover in directory.glob(".tmp-*.json"):
        try:
            if time.time() - leftover.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                leftover.unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def remove_all(directory: Path) -> None:
    """Delete every fact file and its companions (a replaced database or an unreadable file:
    start over)."""
    for kind in PREFIXES:
        for file in _files(directory, kind):
            file.path.unlink(missing_ok=True)
    _remove_orphans(directory)
