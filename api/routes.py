"""The HTTP API's routes under /api/v1, mounted beside the Streamlit UI."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api import handlers
from api.openapi import openapi_document


async def openapi(_request: Request) -> JSONResponse:
    """The OpenAPI description of these routes."""
    return JSONResponse(openapi_document())


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def no_such_route(request: Request) -> JSONResponse:
    """JSON for any other path or method under /api/v1, instead of the UI's page or plain text."""
    path = request.url.path
    allowed = sorted({method for route in contract_routes() if isinstance(route, Route)
                      and route.path_regex.match(path) for method in route.methods or ()})
    if allowed:
        return JSONResponse({"error": f"{request.method} is not allowed here; use {', '.join(allowed)}"},
                            status_code=405, headers={"Allow": ", ".join(allowed)})
    return JSONResponse({"error": f"no such route: {path[:200]}"}, status_code=404)


def api_routes() -> list[BaseRoute]:
    """The contract's routes, then JSON answers for every other path under /api/v1."""
    return [*contract_routes(), Route("/api/v1/{rest:path}", no_such_route, methods=_ALL_METHODS)]


def contract_routes() -> list[BaseRoute]:
    """Every route of the contract's HTTP API."""
    return [
        Route("/api/v1/health", handlers.health, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
        Route("/api/v1/items", handlers.post_items, methods=["POST"]),
        Route("/api/v1/items/{id:int}/decision", handlers.post_decision, methods=["POST"]),
        # `path`: external ids such as "invoices/2026/001" hold slashes.
        Route("/api/v1/items/{source}/{external_id:path}", handlers.get_item, methods=["GET"]),
        Route("/api/v1/decisions", handlers.get_decisions, methods=["GET"]),
        Route("/api/v1/claims", handlers.post_claim, methods=["POST"]),
    ]
