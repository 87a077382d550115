"""Dashboard query times at scale, against DuckDB and pandas over the same rows.

    python bench/metrics_bench.py --database-url URL [--runs 5]

Point it at a database loaded with `workbench demo --items 1000000` (SQLite or PostgreSQL). Each
of the Dashboard's GROUP BY queries (storage/repositories/metrics.py) is timed cold (first run)
and warm (median of `--runs`). Then the decisions with the item columns the dashboard needs are
read once into a pyarrow table (the "columnar snapshot" cost is printed), and the two heaviest
aggregations are timed in DuckDB and in pandas over that snapshot: the fastest we could hope for.
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
import pandas as pd  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.common import machine_note, print_table  # noqa: E402
from review.clock import utcnow  # noqa: E402
from review.metrics import dashboard_metrics  # noqa: E402
from storage.engine import create_database_engine, reading  # noqa: E402
from storage.models import Decision, Item  # noqa: E402
from storage.repositories import metrics as queries  # noqa: E402
from storage.repositories.metrics import MetricsFilter  # noqa: E402
from tests.factories import OPERATOR  # noqa: E402

FILTERS = MetricsFilter()


def _queries(engine: Any) -> dict[str, Callable[[], object]]:
    def run(function: Callable[..., object], **kwargs: object) -> Callable[[], object]:
        def call() -> object:
            with reading(engine) as session:
                return function(session=session, **kwargs)
        return call

    now = utcnow()
    with reading(engine) as session:
        groups = queries.count_waiting_by_group(session=session)
    cutoffs = {(g[0], g[1], g[2]): now for g in groups}
    return {
        "outcomes by day/source/task/version": run(queries.count_outcomes_by_day, filters=FILTERS),
        "outcomes by reviewer": run(queries.count_outcomes_by_reviewer, filters=FILTERS),
        "overrides by reason": run(queries.count_overrides_by_reason, filters=FILTERS),
        "audit outcomes (error rate)": run(queries.count_audit_outcomes, filters=FILTERS),
        "outcomes by confidence band": run(queries.count_outcomes_by_confidence_band, filters=FILTERS),
        "items by confidence band": run(queries.count_items_by_confidence_band, filters=FILTERS),
        "agreement pairs": run(queries.count_agreement_pairs, filters=FILTERS),
        "review seconds histogram": run(queries.review_seconds_histogram, filters=FILTERS),
        "decisions by hour": run(queries.count_decisions_by_hour, filters=FILTERS),
        "waiting by group": run(queries.count_waiting_by_group),
        "past SLA": run(queries.count_past_sla, cutoffs=cutoffs),
        "whole dashboard (all of the above)": lambda: dashboard_metrics(engine, OPERATOR, FILTERS),
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


def _snapshot(engine: Any) -> pd.DataFrame:
    statement = (
        select(Decision.decided_at, Decision.outcome, Decision.reviewer, Decision.reason_code,
               Decision.review_seconds, Item.source, Item.task, Item.model_version, Item.route,
               Item.confidence)
        .join(Item, Item.id == Decision.item_id)
        .where(Decision.reviewer.is_not(None))  # type: ignore[union-attr]
    )
    with engine.connect() as connection:
        return pd.read_sql(statement, connection)


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
    rows = [[name, *_time(call, args.runs)] for name, call in _queries(engine).items()]
    print_table(["query", "cold ms", "warm ms (median)"], rows)
    started = time.perf_counter()
    frame = _snapshot(engine)
    print(f"\ncolumnar snapshot of {len(frame):,} human decisions read in "
          f"{time.perf_counter() - started:.1f} s")
    frame["day"] = frame["decided_at"].astype(str).str[:10]
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
    print_table(["same aggregation over the snapshot", "cold ms", "warm ms (median)"],
                [[name, *_time(call, args.runs)] for name, call in baseline.items()])
    engine.dispose()


if __name__ == "__main__":
    main()
