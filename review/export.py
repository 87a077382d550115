"""The labelled data set: one row per decided item, in the contract's columns, streamed."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor, pseudonym
from review.audit import AuditAction, record_audit
from review.clock import isoformat_utc
from review.errors import InvalidRequest
from review.permissions import Permission, require
from review.redaction import redact_value
from storage.engine import reading
from storage.models import MAX_ROW_ID, Decision, Item
from storage.repositories.audit import list_audit_entries
from storage.repositories.commit_order import CommitCursor, decode_cursor
from storage.repositories.export_rows import ExportCursor, ExportFilter, stream_export_rows

EXPORT_COLUMNS = (
    "item_id", "source", "external_id", "task", "model_version", "input", "ai_output",
    "confidence", "impact", "route", "route_reason", "policy_version", "decision",
    "final_output", "reason_code", "rationale", "reviewer", "escalated", "decided_at",
    "review_seconds", "received_at",
)
# Plain-id cursors (before migration 0012): a number above the largest id is no cursor this
# workbench gave out (and would overflow the query's parameter).
MAX_CURSOR = MAX_ROW_ID
JSON_COLUMNS = frozenset({"input", "ai_output", "final_output"})
# Times, the workbench's own ids, numbers and its vocabulary hold no personal data; digits in a
# timestamp or a 64-bit id would otherwise look like a phone number (and a number masked as
# "[phone]" would no longer fit the Parquet column).
UNREDACTED_COLUMNS = frozenset(
    {"item_id", "decided_at", "received_at", "route", "decision", "impact", "reason_code",
     "escalated", "confidence", "policy_version", "review_seconds"}
)


@dataclass
class ExportResult:
    """How many rows were written and the cursor to pass as `--after` next time."""

    rows: int
    cursor: str


def parse_cursor(cursor: str | None) -> ExportCursor:
    """The position a cursor stands for: "txid.id", or a plain decision id as given out before
    migration 0012 (0 for none); InvalidRequest if it is neither."""
    if cursor is None or cursor == "":
        return 0
    position = position_of(cursor)
    if position is None:
        raise InvalidRequest(f"{cursor[:50]!r} is not an export cursor", field="after")
    return position


def position_of(text: str) -> CommitCursor | int | None:
    """The position a cursor's text spells, for the export and the decision feed alike: "txid.id",
    or a plain decision id (given out before migration 0012); None if it is neither."""
    return decode_cursor(text) if "." in text else decision_id_of(text)


def cursor_text(cursor: ExportCursor) -> str:
    """The text of a cursor, as `parse_cursor` reads it back."""
    return cursor.encode() if isinstance(cursor, CommitCursor) else str(cursor)


def decision_id_of(text: str) -> int | None:
    """The decision id a cursor's text spells (ASCII digits, within the id range), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_CURSOR)):
        return None
    value = int(text)
    return value if value <= MAX_CURSOR else None


def export_rows(
    engine: Engine, actor: Actor, filters: ExportFilter, redact: bool = False
) -> Iterator[tuple[CommitCursor, dict[str, Any]]]:
    """Yield (cursor, row) for every decision the filters select, in commit order."""
    require(actor, Permission.EXPORT)
    with reading(engine) as session:
        for decision, item, policy_version in stream_export_rows(session=session, filters=filters):
            assert decision.id is not None and decision.txid is not None
            row = labelled_row(decision, item, policy_version)
            yield CommitCursor(decision.txid, decision.id), redacted_row(row) if redact else row


def redacted_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row with personal data masked in every text field; reviewers become pseudonyms, so
    per-reviewer analysis still works."""
    masked = {
        name: value if name in UNREDACTED_COLUMNS else redact_value(value)
        for name, value in row.items()
    }
    if row["reviewer"] is not None:
        masked["reviewer"] = pseudonym(row["reviewer"])
    return masked


def labelled_row(decision: Decision, item: Item, policy_version: int) -> dict[str, Any]:
    """One row of the data set, with JSON values as Python values and times as ISO 8601 UTC."""
    return {
        "item_id": item.id,
        "source": item.source,
        "external_id": item.external_id,
        "task": item.task,
        "model_version": item.model_version,
        "input": item.input,
        "ai_output": item.output,
        "confidence": item.confidence,
        "impact": item.impact,
        "route": item.route,
        "route_reason": item.route_reason,
        "policy_version": policy_version,
        "decision": decision.outcome,
        "final_output": decision.output_after,
        "reason_code": decision.reason_code,
        "rationale": decision.rationale,
        "reviewer": decision.reviewer,
        "escalated": decision.escalated,
        "decided_at": isoformat_utc(decision.decided_at),
        "review_seconds": decision.review_seconds,
        "received_at": isoformat_utc(item.received_at),
    }


def record_export(
    engine: Engine, actor: Actor, filters: ExportFilter, file_format: str, result: ExportResult,
    sha256: str, redacted: bool = False,
) -> None:
    """Audit a finished export: who, which filters, how many rows, and the file's SHA-256."""
    require(actor, Permission.EXPORT)
    details = {
        "format": file_format, "rows": result.rows, "sha256": sha256, "cursor": result.cursor,
        "after": cursor_text(filters.after), "since": isoformat_utc(filters.since),
        "until": isoformat_utc(filters.until), "source": filters.source, "task": filters.task,
        "model_version": filters.model_version, "decision": filters.decision,
        "route": filters.route, "include_auto": filters.include_auto, "redacted": redacted,
    }
    record_audit(engine, actor, AuditAction.DATA_EXPORTED, "export", details)


def list_exports(engine: Engine, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """The latest recorded exports (who, when, filters, rows, SHA-256), newest first."""
    require(actor, Permission.EXPORT)
    with reading(engine) as session:
        entries = list_audit_entries(
            session=session, limit=limit, action=AuditAction.DATA_EXPORTED.value
        )
        return [{"at": isoformat_utc(e.at), "by": e.actor, **(e.details or {})} for e in entries]


def since_from_iso(value: str | None, field: str = "since") -> datetime | None:
    """Parse a time option such as `--since`; naive times are taken as UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{value[:50]!r} is not an ISO 8601 time", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
