"""`workbench deliver`: deliver pending decision webhooks until stopped."""

import argparse
import signal
import threading
from typing import Any

from cli.database import open_database
from review.webhook_sender import HttpSender
from review.webhooks import run_delivery_worker


def register(commands: Any) -> None:
    """Add `deliver` to the parser."""
    deliver = commands.add_parser("deliver", help="deliver pending decision webhooks until stopped")
    deliver.set_defaults(handler=run_deliver)


def run_deliver(_args: argparse.Namespace) -> int:
    """Run the delivery worker until SIGINT or SIGTERM."""
    engine = open_database()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sender = HttpSender()
    print("delivering decision webhooks; stop with Ctrl+C", flush=True)
    try:
        run_delivery_worker(engine, sender, stop)
    finally:
        sender.close()
    return 0
