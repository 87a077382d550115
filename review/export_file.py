"""Writing the labelled data set to a file: streamed, atomic, hashed and recorded.

The command line and the Export page both export through `export_to_file`, so a file made
either way has the same rows, the same bytes for the same rows, and the same audit record.
"""

import itertools
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from review.actors import Actor
from review.audit_anchors import record_anchor_quietly
from review.errors import WorkbenchError
from review.export import ExportResult, record_export
from review.export_columnar import export_batches
from review.export_formats import ExportFormat, write_batches
from review.permissions import Permission, require
from storage.engine import reading
from storage.repositories.export_rows import ExportFilter, count_export_rows


def count_rows_to_export(engine: Engine, actor: Actor, filters: ExportFilter) -> int:
    """How many rows an export with these filters will write."""
    require(actor, Permission.EXPORT)
    with reading(engine) as session:
        return count_export_rows(session=session, filters=filters)


def export_to_file(
    engine: Engine, actor: Actor, filters: ExportFilter, file_format: ExportFormat, path: Path,
    redact: bool = False, on_row: Callable[[int], None] | None = None,
) -> tuple[ExportResult, str]:
    """Write the selected rows to `path`; record the export; return the result and SHA-256."""
    batches = export_batches(engine, actor, filters, redact=redact)
    first = list(itertools.islice(batches, 1))  # authorise and query before creating the file
    # Write beside the target and rename at the end: a failed export never leaves half a file
    # where a nightly job would pick it up.
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as stream:
            result, sha256 = write_batches(itertools.chain(first, batches), file_format, stream,
                                           after=filters.after, on_row=on_row)
        os.replace(partial, path)
    except OSError as error:
        reason = error.strerror or str(error)
        raise WorkbenchError(f"cannot write {path}: {reason}") from None
    finally:
        partial.unlink(missing_ok=True)
    record_export(engine, actor, filters, file_format.value, result, sha256, redact)
    # Anchored at each export: a data set handed out is a moment someone may later need to prove.
    record_anchor_quietly(engine)
    return result, sha256
