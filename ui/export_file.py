"""The Export page's file: built on disk through the same use case as the CLI, offered for download."""

import contextlib
import os
import stat
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from tempfile import gettempdir
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from review.actors import Actor
from review.clock import utcnow
from review.errors import WorkbenchError
from review.export import ExportFilter, list_exports, parse_cursor
from review.export_choices import ExportChoices, export_choices
from review.export_file import count_rows_to_export, export_to_file
from review.export_formats import ExportFormat

RECENT_EXPORTS = 10
RECENT_COLUMNS = ["at", "by", "format", "rows", "redacted", "cursor", "after", "since", "until",
                  "source", "task", "model_version", "decision", "route", "include_auto", "sha256"]
# Built files wait here for their download; anything older than this is removed on the next build.
# One folder per user of the machine, in a temporary folder others can write to: it must be ours.
EXPORT_DIRECTORY = Path(gettempdir()) / f"workbench-exports-{os.getuid()}"
KEEP_FILES_FOR = timedelta(hours=6)
CHOICES_TTL_SECONDS = 60
MIME_TYPES = {
    ExportFormat.JSONL: "application/x-ndjson",
    ExportFormat.CSV: "text/csv",
    ExportFormat.PARQUET: "application/vnd.apache.parquet",
}


@dataclass(frozen=True)
class ExportFile:
    """A finished export on disk: where, what to call it, how many rows, cursor and SHA-256."""

    path: str
    file_name: str
    mime: str
    rows: int
    cursor: str
    sha256: str


def export_filter(
    source: str, task: str, model_version: str, decision: str | None, route: str | None,
    include_auto: bool, since: date | None, until: date | None, after: str,
) -> ExportFilter:
    """The filters from the form: blank means all; days are whole UTC days, `until` inclusive."""
    return ExportFilter(
        after=parse_cursor(after.strip()),
        since=None if since is None else datetime.combine(since, clock_time.min, tzinfo=UTC),
        until=None if until is None else datetime.combine(until + timedelta(days=1), clock_time.min,
                                                          tzinfo=UTC),
        source=source.strip() or None,
        task=task.strip() or None,
        model_version=model_version.strip() or None,
        decision=decision,
        route=route,
        include_auto=include_auto,
    )


# Three DISTINCT reads of the item table: at most once a minute per server, not on every rerun.
@st.cache_data(ttl=CHOICES_TTL_SECONDS, show_spinner=False)
def cached_export_choices(database: str, _engine: Engine, _actor: Actor) -> ExportChoices:
    """The filters' known values for `database` (the key keeps databases apart)."""
    return export_choices(_engine, _actor)


def count_rows(engine: Engine, actor: Actor, filters: ExportFilter) -> int:
    """How many rows the export will hold (the progress bar's total)."""
    return count_rows_to_export(engine, actor, filters)


def build_export_file(
    engine: Engine, actor: Actor, filters: ExportFilter, file_format: ExportFormat, redact: bool,
    on_row: Any = None,
) -> ExportFile:
    """Stream the export into a file on disk (never into memory) and record it."""
    private_directory(EXPORT_DIRECTORY)
    _remove_old_files()
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    path = EXPORT_DIRECTORY / f"labelled-{stamp}.{file_format.value}"
    result, sha256 = export_to_file(engine, actor, filters, file_format, path, redact=redact,
                                    on_row=on_row)
    return ExportFile(str(path), f"labelled-{stamp[:15]}Z.{file_format.value}", MIME_TYPES[file_format],
                      result.rows, result.cursor, sha256)


def private_directory(directory: Path) -> Path:
    """`directory`, created if missing, and checked to be a real folder only this process's user
    can enter: in a shared temporary folder someone else may have made it first to read the files
    or to point it elsewhere."""
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=0o700)
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise WorkbenchError(
            f"the export folder {directory} is not private to this server (it must be a folder "
            "owned by the server's user with mode 0700); remove it and export again"
        )
    return directory


def recent_exports_frame(engine: Engine, actor: Actor) -> pd.DataFrame:
    """The latest recorded exports, newest first, as a table."""
    entries: list[dict[str, Any]] = list_exports(engine, actor, limit=RECENT_EXPORTS)
    return pd.DataFrame(entries, columns=RECENT_COLUMNS)


def _remove_old_files() -> None:
    cutoff = time.time() - KEEP_FILES_FOR.total_seconds()
    for old in EXPORT_DIRECTORY.glob("labelled-*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
