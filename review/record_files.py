"""Read records from JSON Lines and CSV streams, one raw value or one parse error per record."""

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

DEFAULT_MAX_RECORD_BYTES = 1_000_000
_JSON_TEXT_COLUMNS = ("input", "output", "tags", "metadata")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RawRecord:
    """One record as read: its line number and either its value or why it could not be read."""

    line: int
    value: Any = None
    error: str | None = None


def max_record_bytes() -> int:
    """The size limit of one record (`WORKBENCH_MAX_RECORD_BYTES`, default 1 MB)."""
    return int(os.environ.get("WORKBENCH_MAX_RECORD_BYTES", DEFAULT_MAX_RECORD_BYTES))


def parse_json_text(text: str | bytes) -> Any:
    """Parse JSON, turning every failure (syntax, absurd nesting) into a ValueError with a reason."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise ValueError("JSON is nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("not valid UTF-8") from None


def read_json_lines(stream: IO[bytes], limit: int | None = None) -> Iterator[RawRecord]:
    """Yield each non-blank line of a JSON Lines stream as a record, never holding an oversized line."""
    limit = limit or max_record_bytes()
    line_number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        line_number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            yield RawRecord(line_number, error=f"record is larger than the {limit}-byte limit")
            continue
        if not line.strip():
            continue
        if b"\x00" in line:
            yield RawRecord(line_number, error="line contains a NUL byte")
            continue
        try:
            yield RawRecord(line_number, value=parse_json_text(line))
        except ValueError as error:
            yield RawRecord(line_number, error=str(error))


def _skip_rest_of_line(stream: IO[bytes]) -> None:
    while True:
        chunk = stream.readline(_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def read_csv(stream: IO[bytes], limit: int | None = None) -> Iterator[RawRecord]:
    """Yield each CSV row as a record; JSON-typed columns are parsed from their JSON text."""
    limit = limit or max_record_bytes()
    csv.field_size_limit(limit)
    # utf-8-sig: spreadsheets save "CSV UTF-8" with a byte-order mark before the header.
    reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    header: list[str] | None = None
    start_line = 1
    try:
        for cells in reader:
            # A row starts on the line after the previous one ended (a quoted cell may span lines).
            line, start_line = start_line, reader.line_num + 1
            if not cells:  # a blank line
                continue
            if header is None:
                header = cells
                continue
            yield _csv_row_to_record(line, header, cells)
    except csv.Error as error:
        yield RawRecord(start_line, error=f"malformed CSV: {error}")
    except UnicodeDecodeError:
        yield RawRecord(start_line, error="not valid UTF-8")


def _csv_row_to_record(line: int, header: list[str], cells: list[str]) -> RawRecord:
    if len(cells) > len(header):
        return RawRecord(line, error="row has more cells than the header has columns")
    if len(cells) < len(header):
        return RawRecord(line, error="row has fewer cells than the header has columns")
    if any("\x00" in cell for cell in cells):
        return RawRecord(line, error="row contains a NUL character")
    record: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=True):
        if cell == "":
            continue
        if name in _JSON_TEXT_COLUMNS:
            try:
                record[name] = parse_json_text(cell)
            except ValueError as error:
                return RawRecord(line, error=f"'{name}' is {error}")
        elif name == "confidence":
            try:
                record[name] = float(cell)
            except ValueError:
                return RawRecord(line, error=f"'confidence' must be a number, got {cell[:50]!r}")
        else:
            record[name] = cell
    return RawRecord(line, value=record)


def read_record_file(path: str) -> Iterator[RawRecord]:
    """Read a `.jsonl` or `.csv` file by its extension; raise ValueError for any other kind."""
    if path.endswith(".jsonl") or path.endswith(".ndjson"):
        reader = read_json_lines
    elif path.endswith(".csv"):
        reader = read_csv
    else:
        raise ValueError(f"{path}: unknown file type; expected .jsonl or .csv")
    with open(path, "rb") as stream:
        yield from reader(stream)
