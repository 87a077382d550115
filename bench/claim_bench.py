"""Claim+decide throughput: workers loop claim_next + decide(approve) until the queue is empty.

    python bench/claim_bench.py [--items 4000] [--workers 4] [--modes threads,processes] [--skip-postgres]

Each worker is its own reviewer (Role.REVIEWER). `threads` share one engine and the GIL;
`processes` each open their own engine, as separate server processes would. One cycle is one
claim_next plus one decide; latency is measured per cycle inside each worker.
"""

import argparse
import multiprocessing
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_url, kinds, machine_note, percentile, print_table  # noqa: E402
from review.decisions import DecisionRequest, decide  # noqa: E402
from review.enums import Action, Role  # noqa: E402
from review.queue import claim_next  # noqa: E402
from storage.engine import create_database_engine  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from tests.factories import make_actor, queue_items  # noqa: E402

MODES = ("threads", "processes")


@dataclass
class WorkerResult:
    """What one worker did: per-cycle latencies, its start and end on the shared clock, errors."""

    latencies: list[float] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    errors: list[str] = field(default_factory=list)


def work_queue(engine: Engine, number: int, result: WorkerResult) -> None:
    """Claim and approve items as reviewer `number` until the queue is empty."""
    reviewer = make_actor(Role.REVIEWER, identity=f"reviewer-{number}@bench.example.com")
    result.started = time.perf_counter()
    while True:
        began = time.perf_counter()
        try:
            held = claim_next(engine, reviewer)
            if held is None:
                break
            decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))
        except Exception as error:  # noqa: BLE001 - a benchmark reports failures, it does not stop
            result.errors.append(f"{type(error).__name__}: {error}"[:200])
            if len(result.errors) > 20:
                break
            continue
        result.latencies.append(time.perf_counter() - began)
    result.ended = time.perf_counter()


def run_threads(engine: Engine, workers: int) -> list[WorkerResult]:
    """Run `workers` threads on one shared engine."""
    results = [WorkerResult() for _ in range(workers)]
    threads = [threading.Thread(target=work_queue, args=(engine, number, result))
               for number, result in enumerate(results)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _process_main(url: str, number: int, barrier: Barrier, queue: Any) -> None:
    engine = create_database_engine(url)
    result = WorkerResult()
    try:
        barrier.wait()
        work_queue(engine, number, result)
    finally:
        engine.dispose()
        queue.put(result)


def run_processes(url: str, workers: int) -> list[WorkerResult]:
    """Run `workers` processes (spawned), each with its own engine, started together."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    queue = context.Queue()
    processes = [context.Process(target=_process_main, args=(url, number, barrier, queue))
                 for number in range(workers)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    return results


def measure(kind: str, mode: str, items: int, workers: int) -> list[object]:
    """One row of the table: a fresh database with `items` queued, worked by `workers` in `mode`."""
    with ExitStack() as stack:
        url = fresh_url(stack, kind)
        engine = create_database_engine(url)
        stack.callback(engine.dispose)
        upgrade_to_head(engine)
        for start in range(0, items, 1000):
            queue_items(engine, min(1000, items - start))
        if mode == "threads":
            results = run_threads(engine, workers)
        else:
            engine.dispose()
            results = run_processes(url, workers)
    latencies = [latency for result in results for latency in result.latencies]
    elapsed = max(result.ended for result in results) - min(result.started for result in results)
    errors = [error for result in results for error in result.errors]
    for error in sorted(set(errors))[:5]:
        print(f"  {kind}/{mode} error: {error}")
    return [f"{kind} / {mode}", len(latencies), elapsed, len(latencies) / elapsed,
            percentile(latencies, 0.50) * 1000, percentile(latencies, 0.95) * 1000,
            max(latencies) * 1000, len(errors)]


def main() -> None:
    """Measure every database and mode, and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma-separated: threads (one process, shared GIL), processes")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    modes = [mode for mode in args.modes.split(",") if mode]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes {sorted(unknown)}; expected {', '.join(MODES)}")
    print(f"{args.items:,} queued items, {args.workers} reviewers each looping claim_next + "
          f"decide(approve); {machine_note()}")
    rows = [measure(kind, mode, args.items, args.workers)
            for kind in kinds(args.skip_postgres) for mode in modes]
    print_table(["database / workers", "cycles", "seconds", "cycles/s", "p50 ms", "p95 ms", "max ms",
                 "errors"], rows)


if __name__ == "__main__":
    main()
