"""Export throughput and peak memory, per format, at two sizes, through `workbench export`'s code.

    python bench/export_bench.py [--items 1000000] [--small 100000] [--repeat 1]
                                 [--database-url URL | --postgres]

Loads `--items` demo items (with their decision history: about one decision per item) into a
fresh SQLite database (`--postgres`: a fresh PostgreSQL schema), or into `--database-url` when
that holds no decisions yet (one that does is exported as it is). Then each export runs
in a child process of its own (the CLI's `main`, as `workbench export --include-auto` would
run), which reports its own peak resident memory: flat memory means the large export peaks
about where the small one does.

Beside each size runs the baseline, also in a child: the same joined rows read straight into
Arrow (the export's own cursor read) and written by pyarrow's Parquet writer as they come, with
no shaping. The ratio is export rows/s over baseline rows/s of the same size in the same run.
With `--repeat N` every export (baseline included) runs N times, by rounds, and each one's
fastest run is reported, which steadies the ratio on a machine shared with other work.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select  # noqa: E402

from bench.common import fresh_url, machine_note, print_table  # noqa: E402
from review.actors import cli_actor  # noqa: E402
from review.demo import load_demo  # noqa: E402
from storage.engine import create_database_engine  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from storage.models import Decision  # noqa: E402

CHILD = """
import resource, sys, time
sys.argv = ["workbench"] + sys.argv[1:]
from cli.main import main
started = time.perf_counter()
code = main(sys.argv[1:])
print("ELAPSED", time.perf_counter() - started)
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""
BASELINE = """
import io, resource, sys, time
import pyarrow.parquet as pq
from storage.engine import create_database_engine
from storage.repositories.export_arrow import RAW_SCHEMA, stream_export_batches
from storage.repositories.export_rows import ExportFilter
engine = create_database_engine(sys.argv[1])
started = time.perf_counter()
rows = 0
with engine.connect() as connection, open(sys.argv[3], "wb") as out:
    with pq.ParquetWriter(out, RAW_SCHEMA) as writer:
        filters = ExportFilter(after=int(sys.argv[2]), include_auto=True)
        for batch in stream_export_batches(connection=connection, filters=filters):
            writer.write_batch(batch)
            rows += batch.num_rows
print("wrote", rows, "rows")
print("ELAPSED", time.perf_counter() - started)
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _export(url: str, mode: str, out: Path, after: int) -> tuple[int, float, float, int]:
    """Run one export (`mode`: a format, optionally with " --redact", or "baseline") in a child;
    (rows, seconds, peak MiB, file bytes)."""
    if mode == "baseline":
        command = ["-c", BASELINE, url, str(after), str(out)]
    else:
        command = ["-c", CHILD, "export", "--format", *mode.split(), "--out", str(out),
                   "--include-auto", "--after", str(after)]
    result = subprocess.run(
        [sys.executable, *command],
        env={"WORKBENCH_DATABASE_URL": url, "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent,
    )
    values = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    rows = int(values["wrote"].split()[0])
    return rows, float(values["ELAPSED"]), int(values["PEAK_KB"]) / 1024, out.stat().st_size


def _prepare(url: str, items: int) -> int:
    """Migrate the database and load demo data unless it holds decisions; the newest decision id."""
    engine = create_database_engine(url)
    try:
        upgrade_to_head(engine)  # safe to repeat on a database that is already current
        last = _last_decision_id(engine)
        if last == 0:
            started = time.perf_counter()
            report = load_demo(engine, cli_actor(), items=items, days=60)
            print(f"loaded {report.items:,} items and {report.decisions:,} decisions "
                  f"in {time.perf_counter() - started:,.0f} s")
            last = _last_decision_id(engine)
        return last
    finally:
        engine.dispose()


def _last_decision_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.max(Decision.id))).scalar_one() or 0


def main() -> None:
    """Load (or reuse) a database, then export every format at both sizes."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--modes", default="jsonl,csv,parquet,jsonl --redact",
                        help="comma-separated formats to export (a format may add --redact)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every export; each mode's fastest run is reported")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="export from this database (loaded first if empty)")
    where.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL schema")
    args = parser.parse_args()
    print(f"export bench; {machine_note()}")
    with ExitStack() as stack:
        url = args.database_url or fresh_url(stack, "postgresql" if args.postgres else "sqlite")
        last = _prepare(url, args.items)
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="export-bench-")))
        rows = []
        modes = ["baseline", *args.modes.split(",")]
        for after in (max(last - args.small, 0), 0):
            best: dict[str, tuple[int, float, float, int]] = {}
            # Rounds of every mode in turn, keeping each mode's fastest run: load from other
            # processes slows single runs, and a round of turns spreads it over the modes.
            for _ in range(args.repeat):
                for mode in modes:
                    out = directory / f"export.{mode.split()[0]}"
                    result = _export(url, mode, out, after)
                    out.unlink()
                    print(mode, *result, flush=True)  # a long run shows its progress
                    if mode not in best or result[1] < best[mode][1]:
                        best[mode] = result
            baseline = best["baseline"][0] / best["baseline"][1]
            for mode in modes:
                count, seconds, peak, size = best[mode]
                label = "baseline (Arrow → Parquet)" if mode == "baseline" else mode
                rows.append([label, count, seconds, count / seconds, count / seconds / baseline,
                             peak, size / 2**20])
    print_table(["format", "rows", "seconds", "rows/s", "× baseline", "peak RSS MiB", "file MiB"],
                rows)
    print(f"load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
