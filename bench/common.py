"""Helpers the benchmark scripts share: fresh migrated databases, percentiles, a compact table."""

import os
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import Engine

from storage.engine import create_database_engine
from storage.migrate import upgrade_to_head
from tests.databases import database_url

KINDS = ("sqlite", "postgresql")


def kinds(skip_postgres: bool) -> list[str]:
    """The databases to measure on."""
    return ["sqlite"] if skip_postgres else list(KINDS)


def fresh_url(stack: ExitStack, kind: str) -> str:
    """A URL to a fresh, empty database of `kind`: a SQLite file in a temporary directory, or a
    PostgreSQL schema of its own; both are removed when `stack` closes."""
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
    return stack.enter_context(database_url(kind, directory))


def fresh_engine(stack: ExitStack, kind: str) -> Engine:
    """A migrated engine on a fresh database of `kind`, disposed when `stack` closes."""
    engine = create_database_engine(fresh_url(stack, kind))
    upgrade_to_head(engine)
    stack.callback(engine.dispose)
    return engine


def run_threads(threads: Sequence[threading.Thread]) -> float:
    """Start every thread, wait for all of them; the seconds that took."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def machine_note() -> str:
    """CPU count and load average, since other work on the machine skews every figure."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load} at start"


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile (0..1) of `values`, by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    cuts = statistics.quantiles(ordered, n=1000, method="inclusive")
    return cuts[min(max(round(share * 1000) - 1, 0), len(cuts) - 1)]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows under headers, the first column left-aligned and the rest right-aligned."""
    cells = [[str(header) for header in headers]] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]
    for number, row in enumerate(cells):
        line = "  ".join(
            value.ljust(width) if index == 0 else value.rjust(width)
            for index, (value, width) in enumerate(zip(row, widths, strict=True))
        )
        print(line.rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value < 10:
            return f"{value:.2f}"
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
