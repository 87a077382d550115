"""Dashboard query times at scale, against DuckDB and pandas over the same rows.

    python bench/metrics_bench.py --database-url URL [--runs 5]

Point it at a database loaded with `workbench demo --items 1000000` (SQLite or PostgreSQL).
The decisions, with the item columns the dashboard needs, are read into the columnar snapshot
the dashboard uses (storage/snapshot.py; its build time is printed); each aggregation is timed
over it, and the heaviest two again in plain DuckDB and pandas over a copy of the same rows.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.common import machine_note, print_table  # noqa: E402
from review.clock import utcnow  # noqa: E402
from review.metrics import dashboard_metrics  # noqa: E402
from storage.engine import create_database_engine, reading  # noqa: E402
from storage.models import Decision  # noqa: E402
from storage.repositories import metrics as queries  # noqa: E402
from storage.repositories import snapshot_metrics as facts  # noqa: E402
from storage.repositories.metrics import MetricsFilter  # noqa: E402
from storage.snapshot import Snapshot, refreshed_snapshot  # noqa: E402
from tests.factories import OPERATOR  # noqa: E402

FILTERS = MetricsFilter()


def _queries(engine: Any, snapshot: Snapshot) -> dict[str, Callable[[], object]]:
    def sql(function: Callable[..., object], **kwargs: object) -> Callable[[], object]:
        def call() -> object:
            with reading(engine) as session:
                return function(session=session, **kwargs)
        return call

    now = utcnow()
    with reading(engine) as session:
        groups = queries.count_waiting_by_group(session=session)
    cutoffs = {(g[0], g[1], g[2]): now for g in groups}
    over_snapshot = {
        name: (lambda function=function: function(snapshot, FILTERS))
        for name, function in (
            ("outcomes by day/source/task/version", facts.count_outcomes_by_day),
            ("outcomes by reviewer", facts.count_outcomes_by_reviewer),
            ("overrides by reason", facts.count_overrides_by_reason),
            ("audit outcomes (error rate)", facts.count_audit_outcomes),
            ("outcomes by confidence band", facts.count_outcomes_by_confidence_band),
            ("items by confidence band", facts.count_items_by_confidence_band),
            ("agreement pairs", facts.count_agreement_pairs),
            ("review seconds histogram", facts.review_seconds_histogram),
            ("decisions by hour", facts.count_decisions_by_hour),
        )
    }
    return {
        **over_snapshot,
        "waiting by group (SQL)": sql(queries.count_waiting_by_group),
        "past SLA (SQL)": sql(queries.count_past_sla, cutoffs=cutoffs),
        "snapshot refresh, nothing new": lambda: refreshed_snapshot(engine),
        "whole dashboard (refresh + all of the above)": lambda: dashboard_metrics(engine, OPERATOR, FILTERS),
    }


def _time(call: Callable[[], object], runs: int) -> tuple[float, float]:
    started = time.perf_counter()
    call()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        warm.append(time.perf_counter() - started)
    return cold * 1000, statistics.median(warm) * 1000


def main() -> None:
    """Time every dashboard query, then the same aggregations over a columnar snapshot."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = create_database_engine(args.database_url)
    with engine.connect() as connection:
        decisions = connection.execute(select(func.count()).select_from(Decision)).scalar_one()
    print(f"{engine.dialect.name}, {decisions:,} decisions; {machine_note()}")
    started = time.perf_counter()
    snapshot = refreshed_snapshot(engine)
    print(f"columnar snapshot of {snapshot.last_decision_id:,} decision ids and {snapshot.last_item_id:,} "
          f"items built in {time.perf_counter() - started:.1f} s (once per process; then only new rows)")
    rows = [[name, *_time(call, args.runs)] for name, call in _queries(engine, snapshot).items()]
    print_table(["query", "first ms", "warm ms (median)"], rows)
    frame = snapshot.decisions[0].to_pandas()
    frame["day"] = frame["decided_at"].dt.strftime("%Y-%m-%d")
    connection = duckdb.connect()
    connection.register("d", frame)
    baseline = {
        "duckdb: outcomes by day/source/task/version": lambda: connection.execute(
            "SELECT day, source, task, model_version, outcome, count(*) FROM d GROUP BY ALL").fetchall(),
        "pandas: outcomes by day/source/task/version": lambda: frame.groupby(
            ["day", "source", "task", "model_version", "outcome"], dropna=False).size(),
        "duckdb: outcomes by confidence band": lambda: connection.execute(
            "SELECT route, floor(confidence * 10), outcome, count(*) FROM d "
            "WHERE confidence IS NOT NULL GROUP BY ALL").fetchall(),
        "pandas: outcomes by confidence band": lambda: frame.assign(
            band=(frame["confidence"] * 10).floordiv(1)).groupby(["route", "band", "outcome"]).size(),
    }
    print_table(["same aggregation, other engines over the same rows", "first ms", "warm ms (median)"],
                [[name, *_time(call, args.runs)] for name, call in baseline.items()])
    engine.dispose()


if __name__ == "__main__":
    main()
