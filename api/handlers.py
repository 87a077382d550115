"""Route handlers: authenticate, read the body, call one review.* function, answer JSON."""

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import authenticate
from api.body import read_json_body
from api.engine import shared_engine
from api.errors import ApiError, ScopeRefused, disk_recently_full, response_for_exception
from review.actors import Actor
from review.audit import record_refusal
from review.clock import isoformat_utc
from review.decisions import DecisionRequest, decide
from review.enums import Action, Queue
from review.errors import LeaseLost, PermissionDenied
from review.feed import item_status, parse_feed_cursor, parse_feed_limit, read_decision_feed
from review.ingest import ingest_records
from review.queue import HeldItem, claim_next
from review.record_files import RawRecord, max_record_bytes
from review.tokens import Scope
from storage.repositories.items import database_status

MAX_RECORDS_PER_REQUEST = 1000
_STATUS_OF_DATABASE = {"ok": 200, "disk full": 507, "unreachable": 503}
Handler = Callable[[Request, Actor], Awaitable[Response]]


def guarded(*scopes: Scope) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler: authenticate with one of `scopes`, and turn every failure into JSON."""
    allowed = frozenset(scopes)

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            actor = None
            try:
                actor = await authenticate(request, allowed)
                return await handler(request, actor)
            except Exception as error:  # noqa: BLE001 - every failure gets a JSON answer
                await _audit_refusal(request, actor, error)
                return response_for_exception(request, error)

        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


async def _audit_refusal(request: Request, actor: Actor | None, error: Exception) -> None:
    """Refusals of a known actor go to the audit log (401s have no actor to name)."""
    if isinstance(error, ScopeRefused):
        actor, what = error.actor, "use this route with its token's scope"
    elif isinstance(error, PermissionDenied):
        what = error.what
    elif isinstance(error, LeaseLost):
        # Someone else's lease presented (or one that lapsed): worth a look either way.
        what = f"act on a lease it does not hold: {error}"
    else:
        return
    if actor is not None:
        where = f"{request.method} {getattr(request.scope.get('route'), 'path', '?')}"
        await run_in_threadpool(record_refusal, shared_engine(), actor, what, where)


async def health(_request: Request) -> Response:
    """200 when the database answers, 507 when its disk is full, 503 when it does not answer."""
    database = await run_in_threadpool(database_status, shared_engine())
    if database == "ok" and disk_recently_full():
        database = "disk full"  # reads still work; a write failed for lack of space a moment ago
    status = "ok" if database == "ok" else "degraded"
    return JSONResponse({"status": status, "database": database}, status_code=_STATUS_OF_DATABASE[database])


@guarded(Scope.INGEST)
async def post_items(request: Request, actor: Actor) -> Response:
    """Ingest one record or a list of up to 1000, answering per record."""
    # A repeated key rejects only the record holding it, answered in its place like any other fault.
    body = await read_json_body(request, mark_repeated_keys=True)
    records = body if isinstance(body, list) else [body]
    if len(records) > MAX_RECORDS_PER_REQUEST:
        raise ApiError(413, f"at most {MAX_RECORDS_PER_REQUEST} records per request, got {len(records)}")
    raw = [_raw_record(index, record) for index, record in enumerate(records)]
    report = await run_in_threadpool(ingest_records, shared_engine(), actor, raw)
    rejected = [
        {"index": r.position, "error": r.error, **({"field": r.field} if r.field else {})}
        for r in sorted(report.rejected, key=lambda r: r.position)
    ]
    return JSONResponse(
        {"accepted": report.accepted, "duplicates": report.duplicates, "rejected": rejected}
    )


def _raw_record(index: int, record: Any) -> RawRecord:
    """A record of the body, refused here if it alone is over the per-record size limit."""
    limit = max_record_bytes()
    if len(json.dumps(record, ensure_ascii=False)) > limit:
        return RawRecord(index, error=f"record is larger than the {limit}-byte limit")
    return RawRecord(index, value=record)


@guarded(Scope.INGEST, Scope.DECISIONS_READ)
async def get_item(request: Request, actor: Actor) -> Response:
    """The item's state and, once decided, its decision."""
    source = request.path_params["source"]
    external_id = request.path_params["external_id"]
    status = await run_in_threadpool(item_status, shared_engine(), actor, source, external_id)
    return JSONResponse(status)


@guarded(Scope.DECISIONS_READ)
async def get_decisions(request: Request, actor: Actor) -> Response:
    """Decisions after a cursor, oldest first; every decision exactly once across pages."""
    after = parse_feed_cursor(request.query_params.get("after"))
    limit = parse_feed_limit(request.query_params.get("limit"))
    decisions, next_cursor = await run_in_threadpool(
        read_decision_feed, shared_engine(), actor, after, limit
    )
    return JSONResponse({"decisions": decisions, "next": str(next_cursor)})


@guarded(Scope.REVIEW)
async def post_claim(request: Request, actor: Actor) -> Response:
    """Claim the next item for the token's user: 200 with the item and lease, 204 when none waits."""
    body = await read_json_body(request, required=False)
    queue = _queue_of(body)
    held = await run_in_threadpool(claim_next, shared_engine(), actor, queue)
    if held is None:
        return Response(status_code=204)
    return JSONResponse(claim_payload(held))


def _queue_of(body: Any) -> Queue:
    if body is None:
        return Queue.REVIEW
    if not isinstance(body, dict):
        raise ApiError(422, "the body must be a JSON object")
    try:
        return Queue(body.get("queue", Queue.REVIEW))
    except ValueError:
        raise ApiError(422, "'queue' must be review or escalations", "queue") from None


def claim_payload(held: HeldItem) -> dict[str, Any]:
    """A held item as an API client sees it: what the review page shows a person."""
    item = asdict(held)
    lease, expires = item.pop("lease_id"), item.pop("lease_expires_at")
    item["id"] = item.pop("item_id")
    if item["confidence"] is None:
        # Hidden unless the policy opts in: no key at all, so an audit sample's payload has the
        # same fields as any other item's.
        del item["confidence"]
    # Not shown on the review page either: a second review of a low-impact item can only be a
    # second look at an audit sample, so the round would say "sample".
    del item["review_round"]
    item["received_at"] = isoformat_utc(held.received_at)
    item["sla_due_at"] = isoformat_utc(held.sla_due_at)
    return {"lease": lease, "lease_expires_at": isoformat_utc(expires), "item": item}


@guarded(Scope.REVIEW)
async def post_decision(request: Request, actor: Actor) -> Response:
    """Decide an item the caller holds: 409 when the lease is not theirs or has expired."""
    body = await read_json_body(request)
    decision = _decision_request(request.path_params["id"], body)
    result = await run_in_threadpool(decide, shared_engine(), actor, decision)
    return JSONResponse(
        {
            "decision_id": result.decision_id,
            "item_id": result.item_id,
            "decision": result.outcome.value,
            "item_state": result.item_state.value,
        }
    )


def _decision_request(item_id: int, body: Any) -> DecisionRequest:
    if not isinstance(body, dict):
        raise ApiError(422, "the body must be a JSON object")
    lease = body.get("lease")
    if not isinstance(lease, str) or not lease:
        raise ApiError(422, "'lease' is required: the lease id from the claim", "lease")
    try:
        action = Action(str(body.get("action")))
    except ValueError:
        raise ApiError(422, "'action' must be approve, edit, reject or escalate", "action") from None
    for name in ("reason_code", "rationale"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise ApiError(422, f"'{name}' must be a string", name)
    return DecisionRequest(
        item_id=item_id,
        lease_id=lease,
        action=action,
        output=body.get("output"),
        reason_code=body.get("reason_code"),
        rationale=body.get("rationale"),
    )
