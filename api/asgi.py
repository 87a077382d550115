"""The ASGI application: the Streamlit UI and the HTTP API in one process.

`workbench serve` runs it; in production run it under plain uvicorn: `uvicorn api.asgi:app`.
With `WORKBENCH_DELIVER_IN_SERVER=1` the process also delivers decision webhooks; otherwise
run `workbench deliver` beside it.
"""

import os
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
from review.webhook_sender import HttpSender
from review.webhooks import run_delivery_worker
from ui.auth_config import auth_is_configured

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_SCRIPT = PROJECT_ROOT / "app.py"


def delivers_in_server() -> bool:
    """Whether this server process also runs the webhook delivery worker."""
    return os.environ.get("WORKBENCH_DELIVER_IN_SERVER", "").lower() in ("1", "true", "yes")


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Start the in-process delivery worker when asked to, and stop it on shutdown."""
    if not delivers_in_server():
        yield
        return
    stop, sender = threading.Event(), HttpSender()
    worker = threading.Thread(
        target=run_delivery_worker, args=(shared_engine(), sender, stop),
        name="webhook-delivery", daemon=True,
    )
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=15)
        sender.close()


def local_mode() -> bool:
    """True while no identity provider is configured (read per request: cheap, and a secrets
    file added later takes effect without a restart)."""
    return not auth_is_configured(PROJECT_ROOT)


app = st.App(
    APP_SCRIPT,
    routes=api_routes(),
    lifespan=lifespan,
    middleware=[Middleware(LoopbackOnlyInLocalMode, local_mode=local_mode)],
)
