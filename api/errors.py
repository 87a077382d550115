"""Turning refusals into JSON answers: a status and a message, never a stack trace."""

import logging
import time

from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse

from review.actors import Actor
from review.errors import InvalidRequest, LeaseLost, NotFound, PermissionDenied, WorkbenchError
from storage.failures import is_disk_full

log = logging.getLogger("workbench.api")
# How long health says "disk full" after a write failed for lack of space: reads keep working on a
# full disk, so only a failed write shows it.
DISK_FULL_MEMORY_SECONDS = 60.0
_disk_full_at: float | None = None


class ApiError(Exception):
    """A refusal decided in the HTTP layer itself (authentication, body size, body shape)."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class ScopeRefused(ApiError):
    """A known token used on a route its scope does not cover (403)."""

    def __init__(self, actor: Actor, message: str) -> None:
        super().__init__(403, message)
        self.actor = actor


_STATUS_OF_ERROR: tuple[tuple[type[WorkbenchError], int], ...] = (
    (PermissionDenied, 403),
    (NotFound, 404),
    (LeaseLost, 409),
    (InvalidRequest, 422),
)


def error_response(status: int, message: str, field: str | None = None) -> JSONResponse:
    """The one shape of every error answer."""
    body: dict[str, str] = {"error": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status)


def response_for_exception(request: Request, error: Exception) -> JSONResponse:
    """Map any exception from a handler to an answer, logging refusals without secrets."""
    route = _route_template(request)
    if isinstance(error, ApiError):
        if error.status == 401:  # 403s are logged with the actor's pseudonym by record_refusal
            log.warning("refused %s %s: %s", request.method, route, error)
        return error_response(error.status, str(error), error.field)
    if isinstance(error, WorkbenchError):
        status = next((code for kind, code in _STATUS_OF_ERROR if isinstance(error, kind)), 400)
        return error_response(status, str(error), getattr(error, "field", None))
    if isinstance(error, DBAPIError) and is_disk_full(error):
        _note_disk_full()
        log.error("database storage full during %s %s", request.method, route)
        return error_response(507, "insufficient storage: the database's disk is full; nothing was "
                                   "stored, try again once space is freed")
    if isinstance(error, OperationalError | DBAPIError) and _is_connection_error(error):
        log.error("database unavailable during %s %s", request.method, route)
        return error_response(503, "the database is unavailable; try again shortly")
    log.exception("unexpected error in %s %s", request.method, route)
    return error_response(500, "internal error; the server log has the details")


def _note_disk_full() -> None:
    global _disk_full_at  # one process-wide fact, read by the health route
    _disk_full_at = time.monotonic()


def disk_recently_full() -> bool:
    """Whether a write failed for lack of space in the last `DISK_FULL_MEMORY_SECONDS`."""
    return _disk_full_at is not None and time.monotonic() - _disk_full_at < DISK_FULL_MEMORY_SECONDS


def _is_connection_error(error: DBAPIError) -> bool:
    return bool(getattr(error, "connection_invalidated", False)) or isinstance(error, OperationalError)


def _route_template(request: Request) -> str:
    """The route's pattern (e.g. /api/v1/items/{id}/decision), not the path with its values."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "?"))
