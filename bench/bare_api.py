"""The bare-ASGI baseline of `api_bench.py`: claim and decide with the workbench's SQL, nothing more.

    WORKBENCH_DATABASE_URL=... uvicorn bench.bare_api:app --port 8600

A Starlette app (no Streamlit, no ORM objects, no audit entry, no webhook outbox, no policy
lookup): the bearer token names its user (looked up once per process), a claim takes the next
pending item with the workbench's claim query and sets its lease, a decide checks the lease,
inserts the decision and settles the item. What `workbench serve` adds on top is its server path.
"""

import hashlib
import json
import threading
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, insert, or_, select, update
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from review.clock import utcnow
from storage.engine import create_database_engine
from storage.models import ApiToken, Decision, Item, table_of

LEASE = timedelta(minutes=10)
ITEMS, DECISIONS, TOKENS = table_of(Item), table_of(Decision), table_of(ApiToken)
_ENGINE: list[Engine] = []
_USERS: dict[str, str] = {}
_LOCK = threading.Lock()


def _engine() -> Engine:
    with _LOCK:
        if not _ENGINE:
            _ENGINE.append(create_database_engine())
        return _ENGINE[0]


def _writer() -> Engine:
    # BEGIN IMMEDIATE on SQLite, as the workbench's writing transactions.
    return _engine().execution_options(workbench_write=True)


def _user_of(request: Request) -> str | None:
    """The user of the request's review token: one query per token and process, then a dict."""
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    digest = hashlib.sha256(token.encode()).hexdigest()
    if digest not in _USERS:
        with _engine().connect() as connection:
            user = connection.execute(
                select(TOKENS.c.user_email).where(TOKENS.c.token_hash == digest,
                                                  TOKENS.c.revoked_at.is_(None))
            ).scalar()
        if user is None:
            return None
        _USERS[digest] = user
    return _USERS[digest]


def _claim(user: str) -> dict[str, Any] | None:
    now = utcnow()
    with _writer().begin() as connection:
        row = connection.execute(
            select(ITEMS.c.id, ITEMS.c.source, ITEMS.c.external_id, ITEMS.c.task, ITEMS.c.input,
                   ITEMS.c.output, ITEMS.c.received_at)
            .where(ITEMS.c.state == "pending",
                   or_(ITEMS.c.lease_expires_at.is_(None), ITEMS.c.lease_expires_at <= now))
            .order_by(ITEMS.c.priority.desc(), ITEMS.c.received_at, ITEMS.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        lease = str(uuid.uuid4())
        connection.execute(
            update(ITEMS).where(ITEMS.c.id == row.id)
            .values(lease_id=lease, lease_holder=user, lease_expires_at=now + LEASE, claimed_at=now)
        )
    item = {"id": row.id, "source": row.source, "external_id": row.external_id, "task": row.task,
            "input": row.input, "output": row.output, "received_at": row.received_at.isoformat()}
    return {"lease": lease, "lease_expires_at": (now + LEASE).isoformat(), "item": item}


def _decide(user: str, item_id: int, lease: str) -> dict[str, Any] | None:
    now = utcnow()
    with _writer().begin() as connection:
        row = connection.execute(
            select(ITEMS.c.lease_id, ITEMS.c.lease_holder, ITEMS.c.lease_expires_at, ITEMS.c.output,
                   ITEMS.c.claimed_at)
            .where(ITEMS.c.id == item_id).with_for_update()
        ).first()
        if row is None or row.lease_id != lease or row.lease_holder != user or row.lease_expires_at <= now:
            return None
        decision_id = connection.execute(
            insert(DECISIONS).values(
                item_id=item_id, outcome="approved", reviewer=user, output_before=row.output,
                output_after=row.output, review_seconds=(now - row.claimed_at).total_seconds(),
                decided_at=now, escalated=False, review_round=1,
            ).returning(DECISIONS.c.id)
        ).scalar_one()
        connection.execute(
            update(ITEMS).where(ITEMS.c.id == item_id)
            .values(state="decided", decided_at=now, lease_id=None, lease_holder=None,
                    lease_expires_at=None, claimed_at=None)
        )
    return {"decision_id": decision_id, "item_id": item_id, "decision": "approved",
            "item_state": "decided"}


async def claim(request: Request) -> Response:
    """POST /api/v1/claims: the next pending item and its lease, or 204."""
    user = await run_in_threadpool(_user_of, request)
    if user is None:
        return JSONResponse({"error": "unknown token"}, status_code=401)
    held = await run_in_threadpool(_claim, user)
    return Response(status_code=204) if held is None else JSONResponse(held)


async def decide(request: Request) -> Response:
    """POST /api/v1/items/{id}/decision: approve an item the caller holds, or 409."""
    user = await run_in_threadpool(_user_of, request)
    if user is None:
        return JSONResponse({"error": "unknown token"}, status_code=401)
    body = json.loads(await request.body())
    result = await run_in_threadpool(_decide, user, request.path_params["id"], body["lease"])
    if result is None:
        return JSONResponse({"error": "you do not hold this item"}, status_code=409)
    return JSONResponse(result)


async def health(_request: Request) -> Response:
    """GET /api/v1/health, for the bench's start-up wait."""
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[
    Route("/api/v1/health", health, methods=["GET"]),
    Route("/api/v1/claims", claim, methods=["POST"]),
    Route("/api/v1/items/{id:int}/decision", decide, methods=["POST"]),
])
