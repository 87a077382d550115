"""Counts kept per snapshot file: a view scans only files it has not counted, a period only the
files it cuts, and kept counts are never trusted for a file that changed."""

import json
import os
from datetime import timedelta
from pathlib import Path

import duckdb

from review.enums import Action, Role
from storage import snapshot as snapshot_module
from storage import snapshot_files as files
from storage.repositories.metrics import MetricsFilter
from storage.repositories.snapshot_metrics import count_outcomes_by_reviewer
from storage.snapshot import refreshed_snapshot
from storage.snapshot_partials import merge
from tests.factories import claim, decide_held, ingest, make_actor, make_record, stored_decisions


def _decide(engine, *actions: Action) -> None:
    ingest(engine, *[make_record() for _ in actions])
    reviewer = make_actor(Role.REVIEWER, identity="pat@example.com")
    for action in actions:
        decide_held(engine, reviewer, claim(engine, reviewer), action)


def _scans(monkeypatch) -> list[str]:
    """The counting scans DuckDB runs from now on (their SQL)."""
    scans: list[str] = []
    run = snapshot_module.Snapshot._run

    def spy(self, sql, parameters):
        if "filename = true" in sql:
            scans.append(sql)
        return run(self, sql, parameters)

    monkeypatch.setattr(snapshot_module.Snapshot, "_run", spy)
    return scans


def _outcomes(engine, filters: MetricsFilter | None = None) -> dict[str, int]:
    rows = count_outcomes_by_reviewer(refreshed_snapshot(engine), filters or MetricsFilter())
    return {outcome: count for _, outcome, count in rows}


def _companions(engine) -> list[Path]:
    return sorted(files.snapshot_directory(engine.url).glob("*.parquet.*.json"))


def test_a_restarted_process_counts_only_the_files_added_since(engine, monkeypatch):
    _decide(engine, Action.APPROVE, Action.APPROVE)
    assert _outcomes(engine) == {"approved": 2}
    snapshot_module._snapshots.clear()  # a new process: nothing in memory
    scans = _scans(monkeypatch)
    assert _outcomes(engine) == {"approved": 2}
    assert scans == []  # the counts kept beside the file
    _decide(engine, Action.REJECT)
    assert _outcomes(engine) == {"approved": 2, "rejected": 1}
    [scan] = scans
    newest = refreshed_snapshot(engine).paths["decisions"][-1]
    assert scan.count(".parquet'") == 1 and str(newest) in scan


def test_filtered_counts_stay_in_memory(engine, monkeypatch):
    _decide(engine, Action.EDIT)
    assert _outcomes(engine) == {"edited": 1}
    kept = _companions(engine)
    scans = _scans(monkeypatch)
    only = MetricsFilter(source="helpdesk-ai")
    assert _outcomes(engine, only) == {"edited": 1} == _outcomes(engine, only)
    assert len(scans) == 1 and _companions(engine) == kept


def test_a_period_scans_only_the_files_it_cuts(engine, monkeypatch):
    _decide(engine, Action.APPROVE, Action.REJECT)
    first, second = (decision.decided_at for decision in stored_decisions(engine))
    assert first < second
    assert _outcomes(engine) == {"approved": 1, "rejected": 1}
    scans = _scans(monkeypatch)
    # The file lies inside these periods (or wholly outside): the unfiltered counts serve.
    assert _outcomes(engine, MetricsFilter(since=first - timedelta(days=1))) == {
        "approved": 1, "rejected": 1}
    assert _outcomes(engine, MetricsFilter(until=second + timedelta(seconds=1))) == {
        "approved": 1, "rejected": 1}
    assert _outcomes(engine, MetricsFilter(since=second + timedelta(seconds=1))) == {}
    assert scans == []
    assert _outcomes(engine, MetricsFilter(since=second)) == {"rejected": 1}
    assert _outcomes(engine, MetricsFilter(until=second)) == {"approved": 1}
    assert len(scans) == 2 and "decided_at >= ?" in scans[0] and "decided_at < ?" in scans[1]


def test_kept_counts_of_a_file_that_changed_are_not_used(engine, monkeypatch):
    _decide(engine, Action.APPROVE)
    assert _outcomes(engine) == {"approved": 1}
    snapshot_module._snapshots.clear()
    for companion in _companions(engine):  # counts that would be wrong if they were used
        stored = json.loads(companion.read_text())
        stored["counts"] = [[*row[:-1], 99] for row in stored["counts"]]
        companion.write_text(json.dumps(stored))
    [parquet] = files.snapshot_directory(engine.url).glob("d-*.parquet")
    os.utime(parquet, ns=(parquet.stat().st_atime_ns, parquet.stat().st_mtime_ns + 1))
    assert _outcomes(engine) == {"approved": 1}


def test_kept_counts_go_with_their_file(engine, monkeypatch):
    monkeypatch.setattr(files, "MAX_SMALL_FILES", 1)
    for action in (Action.APPROVE, Action.REJECT, Action.EDIT):
        _decide(engine, action)
        assert sum(_outcomes(engine).values()) > 0
    directory = files.snapshot_directory(engine.url)
    for companion in _companions(engine):
        assert (directory / (companion.name.partition(".parquet.")[0] + ".parquet")).exists()
    assert _outcomes(engine) == {"approved": 1, "rejected": 1, "edited": 1}
    files.remove_all(directory)
    assert _companions(engine) == []


def test_sums_come_in_duckdb_order_with_nulls_first():
    parts = [[("b", None, 1), ("a", 2, 3)], [(None, 1, 1), ("b", None, 4), ("B", 10, 1), ("é", 1, 1)]]
    rows = [row for part in parts for row in part]
    expected = duckdb.sql(
        "SELECT k, v, sum(n)::BIGINT FROM (VALUES " + ", ".join(
            f"({'NULL' if k is None else repr(k)}, {'NULL' if v is None else v}, {n})" for k, v, n in rows)
        + ") t(k, v, n) GROUP BY ALL ORDER BY ALL NULLS FIRST").fetchall()
    assert merge(parts) == expected


def test_the_end_of_a_build_is_not_rewritten_for_every_few_increments(engine, monkeypatch):
    monkeypatch.setattr(files, "SMALL_ROWS", 3)
    monkeypatch.setattr(files, "FILE_ROWS", 100)
    monkeypatch.setattr(files, "MAX_SMALL_FILES", 2)
    _decide(engine, *[Action.APPROVE] * 5)
    [built] = refreshed_snapshot(engine).paths["decisions"]
    for _ in range(4):
        _decide(engine, Action.REJECT)
        refreshed_snapshot(engine)
    chained = refreshed_snapshot(engine).paths["decisions"]
    assert chained[0] == built and len(chained) <= 4  # the increments were merged, not the build
    assert _outcomes(engine) == {"approved": 5, "rejected": 4}
