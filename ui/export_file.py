"""The Export page's file: the labelled data set as JSON Lines, built in memory and audited."""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from review.actors import Actor
from review.export import (
    ExportFilter,
    export_rows,
    list_exports,
    parse_cursor,
    record_export,
    write_json_lines,
)

RECENT_EXPORTS = 10
RECENT_COLUMNS = ["at", "by", "format", "rows", "cursor", "after", "since", "source", "task",
                  "include_auto", "sha256"]


@dataclass(frozen=True)
class ExportFile:
    """A finished export: the bytes to download, how many rows, and the next cursor."""

    data: bytes
    rows: int
    cursor: str
    file_name: str


def export_filter(source: str, task: str, include_auto: bool, since: date | None,
                  after: str) -> ExportFilter:
    """The filters from the form; blank means all, `since` is midnight UTC of that day."""
    return ExportFilter(
        after_decision_id=parse_cursor(after.strip()),
        since=None if since is None else datetime.combine(since, time.min, tzinfo=UTC),
        source=source.strip() or None,
        task=task.strip() or None,
        include_auto=include_auto,
    )


def build_json_lines(engine: Engine, actor: Actor, filters: ExportFilter) -> ExportFile:
    """Write the selected rows as JSON Lines into memory and audit the export like the CLI does."""
    stream = io.StringIO()
    result = write_json_lines(export_rows(engine, actor, filters), stream,
                              after=filters.after_decision_id)
    data = stream.getvalue().encode("utf-8")
    record_export(engine, actor, filters, "jsonl", result, hashlib.sha256(data).hexdigest())
    return ExportFile(data, result.rows, result.cursor, f"workbench-export-{result.cursor}.jsonl")


def recent_exports_frame(engine: Engine, actor: Actor) -> pd.DataFrame:
    """The latest recorded exports, newest first, as a table."""
    entries: list[dict[str, Any]] = list_exports(engine, actor, limit=RECENT_EXPORTS)
    return pd.DataFrame(entries, columns=RECENT_COLUMNS)
