"""Read records from JSON Lines and CSV streams, one raw value or one parse error per record."""

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

DEFAULT_MAX_RECORD_BYTES = 1_000_000
# Python's own limit on int() (a guard against quadratic-time conversion); ours to name in messages.
MAX_INTEGER_DIGITS = 4300
_JSON_TEXT_COLUMNS = ("input", "output", "tags", "metadata", "gold")
_CHUNK = 1 << 16
# Matching only from the start of a run of digits keeps the search linear in the text's length.
_LONG_NUMBER = re.compile(rf"(?<!\d)-?\d{{{MAX_INTEGER_DIGITS + 1},}}")


class RepeatedKeys(dict[str, Any]):
    """A JSON object that named `key` more than once; it is refused, never stored."""

    def __init__(self, pairs: list[tuple[str, Any]], key: str) -> None:
        super().__init__(pairs)
        self.key = key


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: its line number and either its value or why it could not be read.

    `unique_keys` is True when the reader knows no object in `value` repeats a key, so
    validation need not walk the value to look for a `RepeatedKeys`.
    """

    line: int
    value: Any = None
    error: str | None = None
    unique_keys: bool = field(default=False, compare=False)


def max_record_bytes() -> int:
    """The size limit of one record (`WORKBENCH_MAX_RECORD_BYTES`, default 1 MB)."""
    return int(os.environ.get("WORKBENCH_MAX_RECORD_BYTES", DEFAULT_MAX_RECORD_BYTES))


def parse_json_text(text: str | bytes, mark_repeated_keys: bool = False) -> Any:
    """Parse JSON, turning every failure (syntax, absurd nesting) into a ValueError with a reason.

    A key repeated in one object is an error naming it; with `mark_repeated_keys` that object
    becomes a `RepeatedKeys` instead, so a list of records can refuse only the record holding it.
    """
    return _parse(_MARKING if mark_repeated_keys else _REFUSING, text)


def _parse(decoder: json.JSONDecoder, text: str | bytes) -> Any:
    """`json.loads(text)` with `decoder` (built once: json.loads builds one per call when given a
    hook), its failures turned into a ValueError with a reason."""
    try:
        if isinstance(text, bytes):  # as json.loads decodes bytes
            text = text.decode(_encoding(text), "surrogatepass")
        elif text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return decoder.decode(text)
    except json.JSONDecodeError as error:
        # Some of json's messages end in "at" ("Unterminated string starting at").
        reason = error.msg.removesuffix(" at")
        raise ValueError(f"not valid JSON ({reason} at {_position(error.lineno, error.colno)})") from None
    except RecursionError:
        raise ValueError("JSON is nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("not valid UTF-8") from None
    except ValueError as error:
        raise ValueError(_long_number_message(text) or str(error)) from None


def _encoding(text: bytes) -> str:
    """json.detect_encoding's answer, without its work for the usual UTF-8 text: only a byte-order
    mark (its first byte 0xEF, 0xFE, 0xFF or 0) or a NUL in the first two bytes names another."""
    if text[:1] in _OTHER_ENCODING_STARTS or b"\x00" in text[:2]:
        return json.detect_encoding(text)
    return "utf-8"


_OTHER_ENCODING_STARTS = (b"\xef", b"\xfe", b"\xff")


def _refusing_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) < len(pairs):
        raise ValueError(f"not valid JSON (the key {_repeated_key(pairs)!r} appears twice in one object)")
    return value


def _marking_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    return RepeatedKeys(pairs, _repeated_key(pairs)) if len(value) < len(pairs) else value


_REFUSING = json.JSONDecoder(object_pairs_hook=_refusing_repeated_keys)
_MARKING = json.JSONDecoder(object_pairs_hook=_marking_repeated_keys)


def _repeated_key(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            return key[:100]
        seen.add(key)
    raise AssertionError("no key is repeated")


def _long_number_message(text: str | bytes) -> str | None:
    """Our words for int()'s refusal of a huge number, whose own message names a Python setting."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    found = _LONG_NUMBER.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - text.rfind("\n", 0, found.start())
    return (f"not accepted JSON (a number with more than {MAX_INTEGER_DIGITS} digits "
            f"at {_position(line, column)})")


def _position(line: int, column: int) -> str:
    return f"column {column}" if line == 1 else f"line {line}, column {column}"


def read_json_lines(stream: IO[bytes], limit: int | None = None) -> Iterator[RawRecord]:
    """Yield each non-blank line of a JSON Lines stream as a record, never holding an oversized line."""
    limit = limit or max_record_bytes()
    # This stream's own decoder notes each repeated key it marks, so a record without one is
    # known clean and validation skips the walk that would look for it.
    marked: list[str] = []

    def marking(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) == len(pairs):
            return value
        marked.append(key := _repeated_key(pairs))
        return RepeatedKeys(pairs, key)

    decoder = json.JSONDecoder(object_pairs_hook=marking)
    decode, readline = decoder.decode, stream.readline
    line_number = 0
    while True:
        line = readline(limit + 1)
        if not line:
            return
        line_number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            yield RawRecord(line_number, error=f"record is larger than the {limit}-byte limit")
            continue
        if line.isspace():
            continue
        if b"\x00" in line:
            yield RawRecord(line_number, error="line contains a NUL byte")
            continue
        try:
            # The usual line (UTF-8, no byte-order mark: its first byte is below 0xEF) decoded at
            # once; any other, or any failure, goes through _parse, which says what is wrong.
            value = decode(line.decode("utf-8", "surrogatepass")) if line[0] < 0xEF else _parse(decoder, line)
        except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
            marked.clear()
            try:
                value = _parse(decoder, line)
            except ValueError as error:
                marked.clear()
                yield RawRecord(line_number, error=str(error))
                continue
        yield RawRecord(line_number, value=value, unique_keys=not marked)
        marked.clear()


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
                record[name] = parse_json_text(cell, mark_repeated_keys=True)
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
    """Open a `.jsonl` or `.csv` file at once (OSError, or ValueError for any other kind), then
    read it lazily, a record at a time, closing it at the end."""
    if path.endswith(".jsonl") or path.endswith(".ndjson"):
        reader = read_json_lines
    elif path.endswith(".csv"):
        reader = read_csv
    else:
        raise ValueError(f"{path}: unknown file type; expected .jsonl or .csv")
    return _read_then_close(open(path, "rb"), reader)  # noqa: SIM115 - closed by _read_then_close


def _read_then_close(
    stream: IO[bytes], reader: Callable[[IO[bytes]], Iterator[RawRecord]]
) -> Iterator[RawRecord]:
    with stream:
        yield from reader(stream)
