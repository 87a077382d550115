"""Claim+decide throughput through the HTTP API, with real `workbench serve` processes, next to
a bare ASGI app doing the same SQL (bench/bare_api.py) served and driven the same way.

    python bench/api_bench.py [--items 1500] [--clients 2,8] [--skip-postgres] [--apps workbench,bare]

SQLite: one server (one file, one writer at a time). PostgreSQL: two servers sharing one
database, clients split between them, as two app servers behind a load balancer would be.
Each client is its own reviewer with its own `review` token and loops
POST /api/v1/claims + POST /api/v1/items/{id}/decision (approve) until the queue is empty.
Each app gets `--items` items of its own in the same database, the workbench first. The servers'
CPU per cycle (their process groups, from /proc) is steadier than cycles/s on a busy machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser_reviewers import group_cpu_seconds  # noqa: E402
from bench.common import kinds, machine_note, percentile, print_table, run_threads  # noqa: E402
from tests.browser.server import (  # noqa: E402
    Server,
    free_port,
    run_workbench,
    workbench_env,
    write_jsonl,
)
from tests.databases import database_url  # noqa: E402


@dataclass
class ClientResult:
    """One client's claim and decide latencies, in seconds."""

    claims: list[float] = field(default_factory=list)
    decides: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


ROOT = Path(__file__).resolve().parent.parent
APPS = ("workbench", "bare")


class BareServer(Server):
    """bench/bare_api.py under uvicorn, in its own process group like `workbench serve`."""

    def start(self) -> None:
        """Start serving and wait until the health route answers 200."""
        env = workbench_env(self.directory, self.database_url)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "bench.bare_api:app", "--port", str(self.port),
                 "--log-level", "warning", "--no-access-log"],
                cwd=self.directory, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_healthy()


def _ingest(directory: Path, url: str, items: int, source: str) -> None:
    """Load `items` low-confidence records of `source` (all go to the review queue)."""
    records = [{"external_id": f"b-{n}", "source": source, "task": "ticket-triage",
                "output": {"label": "billing"}, "confidence": 0.1} for n in range(items)]
    run_workbench(directory, "ingest", str(write_jsonl(directory / f"{source}.jsonl", records)),
                  database_url=url, timeout=600)


def _prepare(directory: Path, url: str, clients: int) -> list[str]:
    """Migrate, and make one reviewer + token per client."""
    run_workbench(directory, "init", database_url=url)
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


def _measure(kind: str, items: int, clients: int, apps: list[str]) -> list[list[object]]:
    """One row per app: the workbench's, then the bare baseline's, each on items of its own."""
    servers_wanted = 1 if kind == "sqlite" else 2
    rows: list[list[object]] = []
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="api-bench-")))
        url = stack.enter_context(database_url(kind, directory))
        tokens = _prepare(directory, url, clients)
        for app in apps:
            _ingest(directory, url, items, f"bench-{app}")
            kind_of_server = Server if app == "workbench" else BareServer
            with ExitStack() as serving:
                servers = []
                for number in range(servers_wanted):
                    server = kind_of_server(directory, free_port(), directory / f"{app}{number}.log",
                                            database_url=url)
                    server.start()
                    serving.callback(server.stop)
                    servers.append(server)
                groups = [server.process.pid for server in servers if server.process is not None]
                cpu_before = sum(group_cpu_seconds(group) for group in groups)
                row = _drive([servers[n % servers_wanted].url for n in range(clients)],
                             tokens, items, f"{kind}/{app}/{clients} clients")
                cpu = sum(group_cpu_seconds(group) for group in groups) - cpu_before
                rows.append([kind, app, servers_wanted, *row, cpu / items * 1000])
    # The workbench's cycles/s as a share of the bare app's, in the last column.
    ratio = rows[0][5] / rows[1][5] if len(rows) == 2 else ""  # type: ignore[operator]
    return [rows[0] + [ratio], *(row + [""] for row in rows[1:])]


def _drive(urls: list[str], tokens: list[str], items: int, label: str) -> list[object]:
    """Run one client per url until the queue is empty: clients, cycles, cycles/s, p50/p95 ms."""
    results = [ClientResult() for _ in urls]
    threads = [threading.Thread(target=_client_loop, args=(url, token, result))
               for url, token, result in zip(urls, tokens, results, strict=True)]
    elapsed = run_threads(threads)
    errors = [error for result in results for error in result.errors]
    if errors:
        print(f"{label}: {len(errors)} errors, first: {errors[0]}", file=sys.stderr)
    cycles = sum(len(result.decides) for result in results)
    if cycles != items:  # every item must be decided exactly once, or the figures mean nothing
        print(f"{label}: {cycles} decisions for {items} items", file=sys.stderr)
    claims = [value for result in results for value in result.claims]
    decides = [value for result in results for value in result.decides]
    return [len(urls), cycles, cycles / elapsed,
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
    parser.add_argument("--apps", default=",".join(APPS),
                        help="comma-separated: workbench (`workbench serve`), bare (bench/bare_api.py)")
    args = parser.parse_args()
    apps = [app for app in APPS if app in args.apps.split(",")]
    print(f"API claim+decide, {args.items} items per run; {machine_note()}")
    rows = [row for kind in kinds(args.skip_postgres) for clients in args.clients.split(",")
            for row in _measure(kind, args.items, int(clients), apps)]
    print_table(["database", "app", "servers", "clients", "items", "cycles/s", "claim p50 ms",
                 "claim p95 ms", "decide p50 ms", "decide p95 ms", "server CPU ms/cycle", "× bare"], rows)
    print(f"load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
