"""The dashboard's snapshot files: shared between processes, kept across restarts, only ever
fetching what is new, and never trusted when damaged or stale."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from review.enums import Action, Queue, Role
from storage import snapshot as snapshot_module
from storage import snapshot_files as files
from storage.engine import create_database_engine, reading
from storage.migrate import upgrade_to_head
from storage.repositories.commit_order import START, wait_until_settled
from storage.repositories.metrics import MetricsFilter, last_cursor, read_facts_after
from storage.repositories.snapshot_metrics import count_outcomes_by_reviewer
from storage.snapshot import naive_utc, refreshed_snapshot
from tests.factories import claim, decide_held, ingest, make_actor, make_record, stored_decisions

ROOT = Path(__file__).resolve().parents[2]


def _decide_many(engine, count: int, action: Action) -> None:
    ingest(engine, *[make_record() for _ in range(count)])
    reviewer = make_actor(Role.REVIEWER, identity="pat@example.com")
    for _ in range(count):
        decide_held(engine, reviewer, claim(engine, reviewer), action)


def _restart() -> None:
    """Forget every snapshot in this process, as a new server process starts."""
    snapshot_module._snapshots.clear()


def _outcomes(engine) -> dict[str, int]:
    rows = count_outcomes_by_reviewer(refreshed_snapshot(engine), MetricsFilter())
    return {outcome: count for _, outcome, count in rows}


def _decision_files(engine) -> list[Path]:
    return sorted(files.snapshot_directory(engine.url).glob("d-*.parquet"))


def test_a_restarted_process_reads_the_files_and_fetches_only_what_is_new(engine, monkeypatch):
    _decide_many(engine, 3, Action.APPROVE)
    first = refreshed_snapshot(engine)
    assert _outcomes(engine) == {"approved": 3} and _decision_files(engine)
    read_up_to = (first.last_decision_id, first.last_item_id)
    _restart()
    _decide_many(engine, 2, Action.REJECT)
    asked = []

    def spy(**arguments):
        asked.append((arguments["kind"], arguments["after"].id, arguments["limit"]))
        return read_facts_after(**arguments)

    monkeypatch.setattr(snapshot_module, "read_facts_after", spy)
    assert _outcomes(engine) == {"approved": 3, "rejected": 2}
    # One row each to check the files still match the database, then only the increments.
    assert sorted((kind, after) for kind, after, limit in asked if limit > 1) == [
        ("decisions", read_up_to[0]), ("items", read_up_to[1])]
    assert len(asked) == 4
    asked.clear()
    assert _outcomes(engine) == {"approved": 3, "rejected": 2}
    assert asked == []  # nothing new: nothing fetched


def test_facts_come_out_as_arrow_with_naive_utc_times_and_real_booleans(engine):
    _decide_many(engine, 1, Action.ESCALATE)
    senior = make_actor(Role.SENIOR, identity="sam@example.com")
    decide_held(engine, senior, claim(engine, senior, Queue.ESCALATIONS), Action.APPROVE)
    decisions = stored_decisions(engine)
    with reading(engine) as session:
        wait_until_settled(session.connection())  # as the snapshot does before it reads
        table = read_facts_after(session=session, kind="decisions", after=START, limit=10)
        empty = read_facts_after(session=session, kind="decisions", after=last_cursor(table), limit=10)
    rows = table.to_pylist()
    assert [(row["id"], row["outcome"], row["escalated"], row["reviewer"]) for row in rows] == [
        (decision.id, decision.outcome, decision.escalated, decision.reviewer) for decision in decisions]
    assert {row["escalated"] for row in rows} == {False, True}
    assert [row["decided_at"] for row in rows] == [naive_utc(d.decided_at) for d in decisions]
    assert empty.num_rows == 0 and empty.schema == table.schema


def test_a_damaged_file_is_fetched_again_instead_of_breaking_the_dashboard(engine):
    _decide_many(engine, 4, Action.EDIT)
    assert _outcomes(engine) == {"edited": 4}
    [damaged] = _decision_files(engine)
    damaged.write_bytes(damaged.read_bytes()[:40])  # cut short, as by a full disk
    _restart()
    assert _outcomes(engine) == {"edited": 4}
    [rebuilt] = _decision_files(engine)
    assert rebuilt.stat().st_size > 40


def test_files_of_a_replaced_database_at_the_same_address_are_not_used(tmp_path):
    url = f"sqlite:///{tmp_path / 'workbench.db'}"
    engine = create_database_engine(url)
    upgrade_to_head(engine)
    _decide_many(engine, 2, Action.APPROVE)
    assert _outcomes(engine) == {"approved": 2}
    engine.dispose()
    (tmp_path / "workbench.db").unlink()
    _restart()
    replaced = create_database_engine(url)
    upgrade_to_head(replaced)
    _decide_many(replaced, 3, Action.REJECT)  # more rows than before: ids alone cannot tell
    assert _outcomes(replaced) == {"rejected": 3}
    replaced.dispose()


def test_many_small_increments_are_compacted_into_few_files(engine, monkeypatch):
    monkeypatch.setattr(files, "MAX_SMALL_FILES", 2)
    for _ in range(6):
        _decide_many(engine, 1, Action.APPROVE)
        refreshed_snapshot(engine)
    assert len(_decision_files(engine)) <= 3
    assert _outcomes(engine) == {"approved": 6}
    _restart()
    assert _outcomes(engine) == {"approved": 6}


def test_files_compacted_away_by_another_process_are_taken_up_on_the_next_query(engine, monkeypatch):
    for _ in range(3):
        _decide_many(engine, 1, Action.REJECT)
        refreshed_snapshot(engine)
    snapshot = refreshed_snapshot(engine)
    assert len(snapshot.paths["decisions"]) == 3
    monkeypatch.setattr(files, "MAX_SMALL_FILES", 0)
    directory = files.snapshot_directory(engine.url)
    with files.writer_lock(directory):  # as another process would
        files.compact(directory, "decisions", snapshot_module.FACT_SCHEMAS["decisions"])
    assert not any(path.exists() for path in snapshot.paths["decisions"])
    assert count_outcomes_by_reviewer(snapshot, MetricsFilter()) == [("pat@example.com", "rejected", 3)]
    assert len(snapshot.paths["decisions"]) == 1


def test_the_chain_takes_each_range_once_and_skips_redundant_files(tmp_path):
    for after, last in ((0, 10), (10, 20), (0, 20), (20, 25), (15, 30), (40, 50)):
        (tmp_path / f"d-0.{after:012d}-0.{last:012d}.parquet").touch()
    (tmp_path / "i-0.000000000000-0.000000000007.parquet").touch()
    assert [(file.after.id, file.last.id) for file in files.chain(tmp_path, "decisions")] == [
        (0, 20), (20, 25)]
    assert [(file.after.id, file.last.id) for file in files.chain(tmp_path, "items")] == [(0, 7)]


_REFRESH_IN_A_PROCESS = """
import sys
from storage.engine import create_database_engine
from storage.snapshot import refreshed_snapshot
snapshot = refreshed_snapshot(create_database_engine(sys.argv[1]))
print(snapshot.query("SELECT count(*) FROM d")[0][0])
"""


def test_processes_that_start_at_once_share_one_copy_of_the_facts(tmp_path):
    url = f"sqlite:///{tmp_path / 'workbench.db'}"
    engine = create_database_engine(url)
    upgrade_to_head(engine)
    _decide_many(engine, 5, Action.APPROVE)
    engine.dispose()
    processes = [
        subprocess.Popen([sys.executable, "-c", _REFRESH_IN_A_PROCESS, url], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True, env={"PYTHONPATH": str(ROOT)})
        for _ in range(3)
    ]
    assert [process.communicate(timeout=120)[0].strip() for process in processes] == ["5"] * 3
    stored = [str(file.path) for file in files.chain(tmp_path / "workbench.db.snapshot", "decisions")]
    ids = duckdb.sql(f"SELECT count(*), count(DISTINCT id) FROM read_parquet({stored})").fetchall()[0]
    assert ids == (5, 5)
    assert not list((tmp_path / "workbench.db.snapshot").glob(".tmp-*"))


@pytest.mark.parametrize("name", ["workbench.db", "other.sqlite"])
def test_a_sqlite_database_keeps_its_snapshot_beside_it(tmp_path, name):
    engine = create_database_engine(f"sqlite:///{tmp_path / name}")
    assert files.snapshot_directory(engine.url) == tmp_path / f"{name}.snapshot"
    engine.dispose()


def test_postgresql_snapshots_are_kept_per_database_and_schema_not_per_user(monkeypatch, tmp_path):
    monkeypatch.setenv(files.SNAPSHOT_DIR_ENV, str(tmp_path))
    base = "postgresql+psycopg://{}@db.example:5432/review"
    one = create_database_engine(base.format("alice"))
    other_user = create_database_engine(base.format("bob:secret"))
    other_schema = create_database_engine(base.format("alice") + "?options=-csearch_path%3Dx")
    directories = [files.snapshot_directory(engine.url) for engine in (one, other_user, other_schema)]
    assert directories[0] == directories[1] != directories[2]
    assert directories[0].parent == tmp_path and "secret" not in str(directories[1])
