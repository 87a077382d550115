"""The HTTP API's routes, mounted beside the Streamlit UI."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.engine import shared_engine
from storage.repositories.items import is_database_reachable


async def health(_request: Request) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""
    if await run_in_threadpool(is_database_reachable, shared_engine()):
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)


def api_routes() -> list[BaseRoute]:
    """Every route under /api/v1."""
    return [Route("/api/v1/health", health, methods=["GET"])]
