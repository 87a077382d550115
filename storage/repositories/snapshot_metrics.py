"""The dashboard's aggregations over the columnar snapshot: the same groups the domain expects,
counted by DuckDB over decisions (`d`) and items (`i`), file by file (`Snapshot.counts`): each
query selects `filename` from `{facts}`, the files not counted yet, and the snapshot sums; the
period's clauses are left out for files that lie wholly inside it."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from storage.repositories.metrics import MetricsFilter, Rows
from storage.snapshot import Snapshot, naive_utc
from storage.snapshot_partials import Period

# A person's decision that counts: an escalation, or the decision that settled its item (the
# first of two independent reviews does not, nor either of two that disagreed; the agreeing
# second, a senior's adjudication in round 3, or a senior's on an escalation does). Decision
# rows are read with their item's reviews_required as of their own transaction or later, and
# the rule gives the same answer for both values a row can see.
_HUMAN = "(outcome = 'escalated' OR reviews_required = 1 OR review_round = reviews_required OR escalated)"
_FINAL = "outcome IN ('approved', 'edited', 'rejected')"
OTHER_OUTPUT = "(other output)"


def _where(
    filters: MetricsFilter, table: str = "", time_column: str = "decided_at"
) -> tuple[str, list[Any]]:
    prefix = f"{table}." if table else ""
    clauses, parameters = ["TRUE"], []
    if filters.since is not None:
        clauses.append(f"{prefix}{time_column} >= ?")
        parameters.append(naive_utc(filters.since))
    if filters.until is not None:
        clauses.append(f"{prefix}{time_column} < ?")
        parameters.append(naive_utc(filters.until))
    for name in ("source", "task", "model_version"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append(f"{prefix}{name} = ?")
            parameters.append(value)
    return " AND ".join(clauses), parameters


def _grouped(snapshot: Snapshot, keys: str, filters: MetricsFilter, extra: str = "TRUE") -> Rows:
    def query(since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
        where, parameters = _where(replace(filters, since=since, until=until))
        return (f"SELECT filename, {keys}, count(*) FROM {{facts}} WHERE {_HUMAN} AND {extra} "
                f"AND {where} GROUP BY ALL", parameters)

    return snapshot.counts("decisions", query, Period("decided_at", filters.since, filters.until))


def count_outcomes_by_day(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(day, source, task, model_version, outcome, count) of people's decisions."""
    return _grouped(snapshot, "strftime(decided_at, '%Y-%m-%d'), source, task, model_version, outcome",
                    filters)


def count_outcomes_by_reviewer(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(reviewer, outcome, count)."""
    return _grouped(snapshot, "reviewer, outcome", filters)


def count_overrides_by_reason(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(reason_code, count) of edits and rejections."""
    return _grouped(snapshot, "reason_code", filters, "outcome IN ('edited', 'rejected')")


def count_audit_outcomes(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(source, task, model_version, outcome, count) of settling decisions on audit samples."""
    return _grouped(snapshot, "source, task, model_version, outcome", filters,
                    f"route = 'audit' AND {_FINAL}")


def count_outcomes_by_confidence_band(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(route, decile 0-10, outcome, count) of settling decisions on items with a confidence."""
    return _grouped(snapshot, "route, CAST(floor(confidence * 10) AS INTEGER), outcome", filters,
                    f"confidence IS NOT NULL AND {_FINAL}")


def review_seconds_histogram(snapshot: Snapshot, filters: MetricsFilter, by_scope: bool = False) -> Rows:
    """(reviewer | source, task, model_version, whole seconds, count)."""
    group = "source, task, model_version" if by_scope else "reviewer"
    return _grouped(snapshot, f"{group}, CAST(floor(review_seconds) AS INTEGER)", filters,
                    "review_seconds IS NOT NULL")


def count_decisions_by_hour(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(UTC hour, count) of people's decisions."""
    return _grouped(snapshot, "strftime(decided_at, '%Y-%m-%d %H')", filters)


def count_agreement_pairs(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(task, first outcome, second outcome, count) over items two people reviewed independently,
    whether the two agreed or a senior adjudicated (reviews_required 3).

    Two edits with different corrected outputs disagree: the second review's row was written with
    reviews_required 3, and its outcome is told apart as `edited (other output)`.

    A pair counts in the file of its second review. The first one committed before the second
    was claimed, so it is in that file or an earlier one: a file's pairs never change. The period
    applies to the first review, which the file's times do not bound: it is never left out.
    """
    where, parameters = _where(filters, "a")
    second = (f"CASE WHEN b.reviews_required = 3 AND b.outcome = a.outcome "
              f"THEN CAST(b.outcome AS VARCHAR) || ' {OTHER_OUTPUT}' ELSE CAST(b.outcome AS VARCHAR) END")
    sql = (f"SELECT b.filename, a.task, a.outcome, {second}, count(*) FROM d a JOIN {{facts}} b "
           "ON a.item_id = b.item_id AND a.review_round = 1 AND b.review_round = 2 "
           f"WHERE a.reviews_required >= 2 AND NOT a.escalated AND a.{_FINAL} AND b.{_FINAL} "
           f"AND {where} GROUP BY ALL")
    return snapshot.counts("decisions", lambda _since, _until: (sql, parameters))


def count_items_by_confidence_band(snapshot: Snapshot, filters: MetricsFilter) -> Rows:
    """(decile 0-10, count) of items received in the period."""
    def query(since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
        where, parameters = _where(replace(filters, since=since, until=until), time_column="received_at")
        return ("SELECT filename, CAST(floor(confidence * 10) AS INTEGER), count(*) FROM {facts} "
                f"WHERE confidence IS NOT NULL AND {where} GROUP BY ALL", parameters)

    return snapshot.counts("items", query, Period("received_at", filters.since, filters.until))
