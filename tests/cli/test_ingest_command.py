"""`workbench ingest` of a long file: read as a stream, stored a batch at a time, failures told plainly."""

import json
import sqlite3
from collections.abc import Iterator

from sqlalchemy.exc import OperationalError

import cli.data_commands
from review.ingest import BATCH_SIZE, IngestReport
from review.record_files import RawRecord, read_record_file
from tests.factories import make_record, stored_items


def _jsonl(path, count: int) -> str:
    path.write_text("".join(json.dumps(make_record()) + "\n" for _ in range(count)))
    return path.name


def test_the_first_batch_is_stored_before_the_rest_of_the_file_is_read(
    initialised, cli_engine, tmp_path, monkeypatch
):
    name = _jsonl(tmp_path / "long.jsonl", 2 * BATCH_SIZE + 5)
    stored_when_reading_on: list[int] = []

    def watched(path: str) -> Iterator[RawRecord]:
        for raw in read_record_file(path):
            if raw.line == BATCH_SIZE + 2:
                stored_when_reading_on.append(len(stored_items(cli_engine)))
            yield raw

    monkeypatch.setattr(cli.data_commands, "read_record_file", watched)
    run = initialised("ingest", name)
    assert run.code == 0, run.err
    assert run.out.strip() == f"{name}: {2 * BATCH_SIZE + 5} accepted, 0 duplicate, 0 rejected"
    assert stored_when_reading_on == [BATCH_SIZE]


def test_a_full_disk_part_way_says_what_was_stored_in_one_line(initialised, tmp_path, monkeypatch):
    name = _jsonl(tmp_path / "full.jsonl", 3)

    def fill_the_disk(*_args, on_commit, **_kwargs) -> IngestReport:
        on_commit(IngestReport(accepted=2000, duplicates=7))
        full = sqlite3.OperationalError("database or disk is full")
        raise OperationalError("INSERT INTO items ...", {}, full)

    monkeypatch.setattr(cli.data_commands, "ingest_records", fill_the_disk)
    run = initialised("ingest", name)
    assert run.code == 2 and "Traceback" not in run.err
    assert run.err.strip() == (
        f"workbench: {name}: the database's disk is full; stored before: 2000 accepted, 7 duplicate"
    )
