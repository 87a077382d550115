"""The HTTP API's routes under /api/v1, mounted beside the Streamlit UI."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api import handlers
from api.openapi import openapi_document


async def openapi(_request: Request) -> JSONResponse:
    """The OpenAPI description of these routes."""
    return JSONResponse(openapi_document())


def api_routes() -> list[BaseRoute]:
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
