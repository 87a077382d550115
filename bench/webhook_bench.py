"""Webhook deliveries per second: the outbox drained by the delivery worker to a local receiver.

    python bench/webhook_bench.py [--decisions 2000] [--skip-postgres]

A threaded HTTP receiver on loopback verifies every signature and counts deliveries. Decisions
are made through the domain (claim + approve), which writes the outbox in their transactions;
then one worker (the code `workbench deliver` runs) drains it, timed until nothing is pending.
"""

import argparse
import json
import os
import sys
import threading
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_engine, kinds, machine_note, print_table  # noqa: E402
from review.decisions import DecisionRequest, decide  # noqa: E402
from review.enums import Action, Role  # noqa: E402
from review.queue import claim_next  # noqa: E402
from review.webhook_sender import HttpSender  # noqa: E402
from review.webhook_signing import SIGNATURE_HEADER, verify  # noqa: E402
from review.webhook_targets import ALLOW_PRIVATE_VARIABLE  # noqa: E402
from review.webhooks import deliver_due, register_webhook  # noqa: E402
from tests.factories import OPERATOR, make_actor, queue_items  # noqa: E402

SOURCE = "bench-ai"


class Receiver(ThreadingHTTPServer):
    """Counts deliveries whose signature verifies; refuses the others."""

    secret = ""
    received: set[int]
    posts = 0  # every verified POST: more than len(received) means something came twice
    bad = 0


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        server: Receiver = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if verify(server.secret, body, self.headers.get(SIGNATURE_HEADER, "")):
            server.received.add(json.loads(body)["id"])
            server.posts += 1
            self.send_response(204)
        else:
            server.bad += 1
            self.send_response(401)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


def _measure(kind: str, decisions: int) -> list[object]:
    with ExitStack() as stack:
        engine = fresh_engine(stack, kind)
        receiver = Receiver(("127.0.0.1", 0), _Handler)
        receiver.received = set()
        stack.callback(receiver.shutdown)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        receiver.secret = register_webhook(engine, OPERATOR, SOURCE, url)
        queue_items(engine, decisions, source=SOURCE)
        reviewer = make_actor(Role.REVIEWER)
        while (held := claim_next(engine, reviewer)) is not None:
            decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))
        sender = HttpSender()
        stack.callback(sender.close)
        started = time.perf_counter()
        while deliver_due(engine, sender, limit=50):
            pass
        elapsed = time.perf_counter() - started
    delivered = len(receiver.received)
    repeats = receiver.posts - delivered
    return [kind, decisions, delivered, repeats, receiver.bad, elapsed, delivered / elapsed]


def main() -> None:
    """Measure on each database and print one table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    # The receiver is on loopback, which webhooks reach only when on-premise receivers are allowed.
    os.environ[ALLOW_PRIVATE_VARIABLE] = "1"
    print(f"webhook deliveries, one worker; {machine_note()}")
    rows = [_measure(kind, args.decisions) for kind in kinds(args.skip_postgres)]
    headers = ["database", "decisions", "delivered", "repeats", "bad signatures", "seconds",
               "deliveries/s"]
    print_table(headers, rows)


if __name__ == "__main__":
    main()
