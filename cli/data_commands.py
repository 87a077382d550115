"""`init`, `demo`, `ingest`, `export` and `stats`: getting data in and out."""

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from cli.database import open_database, unreachable
from cli.progress import Progress
from review.actors import cli_actor
from review.audit_key import audit_files, create_audit_key, read_audit_key
from review.demo import load_demo
from review.enums import Route
from review.errors import WorkbenchError
from review.export import parse_cursor, since_from_iso
from review.export_file import export_to_file
from review.export_formats import ExportFormat
from review.ingest import IngestReport, find_rejections, ingest_records
from review.record_files import RawRecord, read_record_file
from review.stats import queue_stats
from storage.failures import is_disk_full
from storage.migrate import upgrade_to_head
from storage.repositories.export_rows import FINAL_OUTCOMES, ExportFilter

EXIT_REJECTED = 1
EXIT_USAGE = 2


def register(commands: Any) -> None:
    """Add this module's subcommands to the parser."""
    init = commands.add_parser("init", help="create or migrate the schema (safe to repeat)")
    init.set_defaults(handler=run_init)

    demo = commands.add_parser("demo", help="load synthetic items with a decision history")
    demo.add_argument("--items", type=_positive_int, default=500)
    demo.add_argument("--days", type=_positive_int, default=30)
    demo.set_defaults(handler=run_demo)

    ingest = commands.add_parser("ingest", help="read JSON Lines or CSV records into the queue")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--strict", action="store_true", help="store nothing unless all are valid")
    ingest.add_argument("--gold", action="store_true",
                        help='gold items: each record carries "gold": {"decision": approve|edit|reject, '
                             '"output": … (edit only)}; served blind, never exported or sent upstream')
    ingest.set_defaults(handler=run_ingest)

    export = commands.add_parser("export", help="write the labelled data set")
    export.add_argument("--format", required=True, choices=[f.value for f in ExportFormat])
    export.add_argument("--out", required=True, metavar="PATH")
    export.add_argument("--since", metavar="ISO")
    export.add_argument("--after", metavar="CURSOR")
    export.add_argument("--until", metavar="ISO", help="only decisions before this time")
    export.add_argument("--source")
    export.add_argument("--task")
    export.add_argument("--model-version")
    export.add_argument("--decision", choices=list(FINAL_OUTCOMES))
    export.add_argument("--route", choices=[route.value for route in Route])
    export.add_argument("--include-auto", action="store_true")
    export.add_argument("--redact", action="store_true",
                        help="mask e-mail addresses, phone and card numbers in text fields")
    export.set_defaults(handler=run_export)

    stats = commands.add_parser("stats", help="queue depth, oldest waiting age, decisions today")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=run_stats)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run_init(_args: argparse.Namespace) -> int:
    """Create or migrate the schema, and the audit key if there is none."""
    engine = open_database(require_schema=False)
    try:
        upgrade_to_head(engine)
    except OperationalError as error:
        raise unreachable(error) from None
    print("database is at the newest schema version")
    files = audit_files(engine)
    if read_audit_key(files) is None:
        create_audit_key(files)
        print(f"created the audit key {files.key}: keep it (and a copy) outside the database")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Load demo data."""
    report = load_demo(open_database(), cli_actor(), items=args.items, days=args.days)
    print(f"loaded {report.items} items and {report.decisions} decisions")
    return 0


def run_ingest(args: argparse.Namespace) -> int:
    """Ingest files; exit 1 if any record was rejected, 2 if a file cannot be read."""
    # Every file is opened before anything is stored, so a missing or unknown one stores nothing;
    # each is then read as a stream and stored a batch per transaction, never held whole.
    streams = _open_record_files(args.files)
    if streams is None:
        return EXIT_USAGE
    engine = open_database()
    if args.strict:
        # --strict covers the whole command: one invalid record in any file stores nothing.
        rejections = [find_rejections(records, gold=args.gold) for records in streams]
        if any(rejections):
            for path, rejected in zip(args.files, rejections, strict=True):
                _print_report(path, IngestReport(rejected=rejected), " (nothing stored: --strict)")
            return EXIT_REJECTED
        streams = _open_record_files(args.files)  # the check read them to the end
        if streams is None:
            return EXIT_USAGE
    any_rejected = False
    for path, records in zip(args.files, streams, strict=True):
        report = _ingest_file(engine, path, records, args.strict, args.gold)
        _print_report(path, report, "")
        any_rejected = any_rejected or bool(report.rejected)
    return EXIT_REJECTED if any_rejected else 0


def _open_record_files(paths: list[str]) -> list[Iterator[RawRecord]] | None:
    """Each file opened for reading, or None after saying which one cannot be."""
    streams = []
    for path in paths:
        try:
            streams.append(read_record_file(path))
        except (OSError, ValueError) as error:
            print(f"workbench: cannot read {path}: {_reason(error)}", file=sys.stderr)
            return None
    return streams


def _ingest_file(
    engine: Engine, path: str, records: Iterator[RawRecord], strict: bool, gold: bool = False
) -> IngestReport:
    """Ingest one file; a failure part-way says how much of it the committed batches stored."""
    stored = ["nothing"]

    def note(report: IngestReport) -> None:
        stored[0] = f"{report.accepted} accepted, {report.duplicates} duplicate"

    try:
        return ingest_records(engine, cli_actor(), records, strict=strict, on_commit=note, gold=gold)
    except OSError as error:
        raise WorkbenchError(f"cannot read {path}: {_reason(error)}; stored before: {stored[0]}") from None
    except OperationalError as error:
        cause = "the database's disk is full" if is_disk_full(error) else str(unreachable(error))
        raise WorkbenchError(f"{path}: {cause}; stored before: {stored[0]}") from None


def _print_report(path: str, report: IngestReport, note: str) -> None:
    print(
        f"{path}: {report.accepted} accepted, {report.duplicates} duplicate, "
        f"{len(report.rejected)} rejected{note}"
    )
    for rejection in report.rejected:
        print(f"  line {rejection.position}: {rejection.error}")


def _reason(error: Exception) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def run_export(args: argparse.Namespace) -> int:
    """Write the data set and print the cursor for the next incremental export."""
    filters = ExportFilter(
        after=parse_cursor(args.after),
        since=since_from_iso(args.since, "since"),
        until=since_from_iso(args.until, "until"),
        source=args.source,
        task=args.task,
        model_version=args.model_version,
        decision=args.decision,
        route=args.route,
        include_auto=args.include_auto,
    )
    with Progress("exported") as progress:
        result, _sha256 = export_to_file(
            open_database(), cli_actor(), filters, ExportFormat(args.format), Path(args.out),
            redact=args.redact, on_row=progress.update,
        )
    print(f"wrote {result.rows} rows to {args.out}")
    print(f"cursor: {result.cursor}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """Print queue statistics."""
    stats = queue_stats(open_database(), cli_actor())
    if args.json:
        payload = {
            "taken_at": stats.taken_at.isoformat(),
            "waiting": stats.waiting,
            "oldest_waiting_seconds": stats.oldest_waiting_seconds,
            "decisions_today": stats.decisions_today,
            "depth": [asdict(depth) for depth in stats.depths],
        }
        print(json.dumps(payload, indent=2))
        return 0
    print(f"waiting: {stats.waiting}")
    age = stats.oldest_waiting_seconds
    print(f"oldest waiting: {_duration(age) if age is not None else '-'}")
    print(f"decisions today: {stats.decisions_today}")
    for depth in stats.depths:
        print(f"  {depth.source:<20} {depth.task:<22} {depth.route:<7} {depth.state:<10} {depth.count}")
    return 0


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"
