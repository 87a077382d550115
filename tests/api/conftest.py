"""API fixtures: a real `workbench serve` on loopback per database, with users and tokens."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.browser.server import Server, free_port, run_workbench
from tests.databases import database_url

# Small enough that a test can send a body over it without megabytes of traffic.
MAX_BODY_BYTES = 256 * 1024

USERS = {"reviewer1@example.com": "reviewer", "reviewer2@example.com": "reviewer",
         "senior@example.com": "senior"}
# Token name → (scope, user): one per scope, one per reviewer, one whose user has no role.
TOKENS = {
    "ingest": ("ingest", None),
    "reader": ("decisions:read", None),
    "review1": ("review", "reviewer1@example.com"),
    "review2": ("review", "reviewer2@example.com"),
    "senior": ("review", "senior@example.com"),
    "roleless": ("review", "outsider@example.com"),
}


@dataclass
class ApiServer:
    """A running server, its database and the tokens made for it."""

    server: Server
    db_url: str
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        """The server's base address."""
        return self.server.url

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client, authenticated with the named token (or a raw value) when given."""
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(token, token)}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def workbench(self, *args: str) -> str:
        """Run a `workbench` command against this server's database; its standard output."""
        return run_workbench(self.server.directory, *args, database_url=self.db_url).stdout

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run one statement straight on the database (to look behind the API); its rows, if any."""
        engine = create_engine(self.db_url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(sql), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()


def start_api_server(directory: Path, db_url: str, extra_env: dict[str, str] | None = None) -> ApiServer:
    """Migrate, grant roles, create tokens and start serving."""
    run_workbench(directory, "init", database_url=db_url)
    for email, role in USERS.items():
        run_workbench(directory, "role", "grant", email, role, database_url=db_url)
    tokens = {}
    for name, (scope, user) in TOKENS.items():
        args = ["token", "create", name, "--scope", scope] + (["--user", user] if user else [])
        tokens[name] = run_workbench(directory, *args, database_url=db_url).stdout.strip()
    server = Server(directory, free_port(), directory / "server.log", database_url=db_url,
                    extra_env={"WORKBENCH_MAX_BODY_BYTES": str(MAX_BODY_BYTES), **(extra_env or {})})
    server.start()
    return ApiServer(server, db_url, tokens)


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """One server per database kind, shared by the API tests (each uses sources of its own)."""
    directory = tmp_path_factory.mktemp(f"api-{request.param}")
    with database_url(str(request.param), directory) as url:
        api_server = start_api_server(directory, url)
        try:
            yield api_server
        finally:
            api_server.server.stop()


def record(source: str, external_id: str, **fields: Any) -> dict[str, Any]:
    """A valid record that routes to review (low confidence) unless fields say otherwise."""
    return {"external_id": external_id, "source": source, "task": "ticket-triage",
            "model_version": "m1", "input": {"text": f"ticket {external_id}"},
            "output": {"label": "billing"}, "confidence": 0.2, **fields}


def item_path(source: str, external_id: str) -> str:
    """The lookup route of one item, its key's parts percent-encoded."""
    return f"/api/v1/items/{quote(source, safe='')}/{quote(external_id, safe='')}"


def fresh_source() -> str:
    """A source name no other test uses, so tests on one server do not see each other's items."""
    return f"src-{uuid.uuid4().hex[:8]}"


def assert_no_trace(response: httpx.Response) -> None:
    """No error answer may carry a stack trace or a server file path."""
    text = response.text
    assert "Traceback" not in text and ".py" not in text and 'File "' not in text, text
