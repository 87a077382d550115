"""The ASGI application: the Streamlit UI and the HTTP API in one process.

`workbench serve` runs it; in production run it under plain uvicorn: `uvicorn api.asgi:app`.
With `WORKBENCH_DELIVER_IN_SERVER=1` the process also delivers decision webhooks; otherwise
run `workbench deliver` beside it.
"""

import logging
import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.middleware import Middleware

from api.engine import shared_engine
from api.local_mode import LoopbackOnlyInLocalMode
from api.routes import api_routes
from review.alert_sender import HttpAlertSender
from review.alerts import run_alert_worker
from review.audit import chain_audit_quietly
from review.audit_anchors import record_anchor_quietly
from review.guardrails import run_guardrail_worker
from review.settings import Settings, SettingsError, get_alert_settings, get_settings
from review.webhook_sender import HttpSender
from review.webhooks import run_delivery_worker
from storage.snapshot import refreshed_snapshot

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_SCRIPT = PROJECT_ROOT / "app.py"
# How often a running server records the audit chain's head outside the database.
ANCHOR_SECONDS = 60
# How often it links audit entries left waiting (each action links what waits when the chain is
# free; this catches the last entries of a burst).
CHAIN_SECONDS = 1


def delivers_in_server() -> bool:
    """Whether this server process also runs the webhook delivery worker."""
    return os.environ.get("WORKBENCH_DELIVER_IN_SERVER", "").lower() in ("1", "true", "yes")


def warm_dashboard_snapshot() -> None:
    """Build the dashboard's columnar snapshot now, so the first Dashboard view after a start
    does not wait for it (seconds at a million decisions)."""
    try:
        refreshed_snapshot(shared_engine())
    except Exception as error:  # noqa: BLE001 - not migrated yet, or unreachable: built on first view
        log.info("dashboard snapshot not built at start (%s); it will be on first view",
                 type(error).__name__)


def anchor_audit_chain(stop: threading.Event) -> None:
    """Link waiting audit entries every `CHAIN_SECONDS`, and record the chain's head outside the
    database every `ANCHOR_SECONDS` (and at stop)."""
    rounds = 0
    while not stop.wait(CHAIN_SECONDS):
        rounds += 1
        if rounds % (ANCHOR_SECONDS // CHAIN_SECONDS) == 0:
            record_anchor_quietly(shared_engine())
        else:
            chain_audit_quietly(shared_engine())
    record_anchor_quietly(shared_engine())


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Warm the dashboard's snapshot, anchor the audit chain and raise alerts regularly, and run
    the in-process delivery worker when asked to."""
    threading.Thread(target=warm_dashboard_snapshot, name="dashboard-snapshot", daemon=True).start()
    stop = threading.Event()
    workers = [threading.Thread(target=anchor_audit_chain, args=(stop,), name="audit-anchor", daemon=True)]
    # The guardrail runs here, every minute, rather than inside each decision: it reads the
    # dashboard's snapshot, which is too slow for a reviewer's request, and a minute is soon enough.
    workers.append(threading.Thread(target=run_guardrail_worker, args=(shared_engine(), stop),
                                    name="guardrails", daemon=True))
    alert_sender = HttpAlertSender()
    workers.append(threading.Thread(target=run_alert_worker, args=(shared_engine(), alert_sender, stop),
                                    name="alerts", daemon=True))
    sender = HttpSender() if delivers_in_server() else None
    if sender is not None:
        workers.append(threading.Thread(
            target=run_delivery_worker, args=(shared_engine(), sender, stop),
            name="webhook-delivery", daemon=True,
        ))
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=15)
        if sender is not None:
            sender.close()
        alert_sender.close()


def startup_settings() -> Settings:
    """The settings this server runs with; a wrong one stops it here, before it serves anything."""
    try:
        get_alert_settings()
        return get_settings()
    except SettingsError as error:
        print(f"workbench: cannot start: {error}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


app = st.App(
    APP_SCRIPT,
    routes=api_routes(),
    lifespan=lifespan,
    middleware=[Middleware(LoopbackOnlyInLocalMode, local_mode=startup_settings().local_mode)],
)
