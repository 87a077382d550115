"""Claim+decide throughput through the HTTP API, with real `workbench serve` processes.

    python bench/api_bench.py [--items 1500] [--clients 2,8] [--skip-postgres]

SQLite: one server (one file, one writer at a time). PostgreSQL: two servers sharing one
database, clients split between them, as two app servers behind a load balancer would be.
Each client is its own reviewer with its own `review` token and loops
POST /api/v1/claims + POST /api/v1/items/{id}/decision (approve) until the queue is empty.
"""

import argparse
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import kinds, machine_note, percentile, print_table, run_threads  # noqa: E402
from tests.browser.server import Server, free_port, run_workbench, write_jsonl  # noqa: E402
from tests.databases import database_url  # noqa: E402


@dataclass
class ClientResult:
    """One client's claim and decide latencies, in seconds."""

    claims: list[float] = field(default_factory=list)
    decides: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _prepare(directory: Path, url: str, items: int, clients: int) -> list[str]:
    """Migrate, load `items` low-confidence records, and make one reviewer + token per client."""
    run_workbench(directory, "init", database_url=url)
    records = [{"external_id": f"b-{n}", "source": "bench", "task": "ticket-triage",
                "output": {"label": "billing"}, "confidence": 0.1} for n in range(items)]
    run_workbench(directory, "ingest", str(write_jsonl(directory / "items.jsonl", records)),
                  database_url=url, timeout=600)
    tokens = []
    for number in range(clients):
        email = f"bench{number}@example.com"
        run_workbench(directory, "role", "grant", email, "reviewer", database_url=url)
        created = run_workbench(directory, "token", "create", f"bench{number}", "--scope", "review",
                                "--user", email, database_url=url)
        tokens.append(created.stdout.strip())
    return tokens


def _client_loop(base_url: str, token: str, result: ClientResult) -> None:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        while True:
            started = time.perf_counter()
            claim = client.post("/api/v1/claims")
            result.claims.append(time.perf_counter() - started)
            if claim.status_code == 204:
                return
            if claim.status_code != 200:
                result.errors.append(f"claim {claim.status_code}: {claim.text[:200]}")
                return
            body = claim.json()
            started = time.perf_counter()
            answer = client.post(f"/api/v1/items/{body['item']['id']}/decision",
                                 json={"lease": body["lease"], "action": "approve"})
            result.decides.append(time.perf_counter() - started)
            if answer.status_code != 200:
                result.errors.append(f"decide {answer.status_code}: {answer.text[:200]}")


def _measure(kind: str, items: int, clients: int) -> list[object]:
    servers_wanted = 1 if kind == "sqlite" else 2
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="api-bench-")))
        url = stack.enter_context(database_url(kind, directory))
        tokens = _prepare(directory, url, items, clients)
        servers = []
        for number in range(servers_wanted):
            server = Server(directory, free_port(), directory / f"server{number}.log", database_url=url)
            server.start()
            stack.callback(server.stop)
            servers.append(server)
        results = [ClientResult() for _ in range(clients)]
        threads = [
            threading.Thread(target=_client_loop,
                             args=(servers[number % servers_wanted].url, tokens[number], results[number]))
            for number in range(clients)
        ]
        elapsed = run_threads(threads)
    errors = [error for result in results for error in result.errors]
    if errors:
        print(f"{kind}/{clients} clients: {len(errors)} errors, first: {errors[0]}", file=sys.stderr)
    cycles = sum(len(result.decides) for result in results)
    if cycles != items:  # every item must be decided exactly once, or the figures mean nothing
        print(f"{kind}/{clients} clients: {cycles} decisions for {items} items", file=sys.stderr)
    claims = [value for result in results for value in result.claims]
    decides = [value for result in results for value in result.decides]
    return [kind, servers_wanted, clients, cycles, cycles / elapsed,
            percentile(claims, 0.5) * 1000, percentile(claims, 0.95) * 1000,
            percentile(decides, 0.5) * 1000, percentile(decides, 0.95) * 1000]


def main() -> None:
    """Measure every database × client count and print one table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--clients", default="2,8", help="comma-separated client counts")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"API claim+decide, {args.items} items per run; {machine_note()}")
    rows = [_measure(kind, args.items, int(clients))
            for kind in kinds(args.skip_postgres) for clients in args.clients.split(",")]
    print_table(["database", "servers", "clients", "items", "cycles/s", "claim p50 ms",
                 "claim p95 ms", "decide p50 ms", "decide p95 ms"], rows)


if __name__ == "__main__":
    main()
