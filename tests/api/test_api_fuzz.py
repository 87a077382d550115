"""Schemathesis against our own OpenAPI description: no generated input may crash a route."""

import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.api.conftest import ApiServer, start_api_server
from tests.databases import database_url

# Which token fuzzes which routes: each route is fuzzed past authentication, with the scope it needs.
TARGETS = [
    ("ingest", r"^/api/v1/items(/\{source\}/\{external_id\})?$"),
    ("reader", r"^/api/v1/decisions$"),
    ("senior", r"^/api/v1/(claims|items/\{id\}/decision)$"),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A server of its own: fuzzing ingests odd high-impact items and claims them, which would
    jump the queue of the other API tests sharing theirs."""
    directory = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    with database_url(str(request.param), directory) as url:
        api = start_api_server(directory, url)
        try:
            yield api
        finally:
            api.server.stop()


@pytest.mark.slow
@pytest.mark.parametrize(("token", "paths"), TARGETS, ids=[token for token, _ in TARGETS])
def test_no_generated_request_gets_a_server_error(fuzzed: ApiServer, token: str, paths: str) -> None:
    api = fuzzed
    command = [shutil.which("schemathesis") or sys.executable, "run"]
    if command[0] == sys.executable:
        command[1:1] = ["-m", "schemathesis.cli"]
    result = subprocess.run(
        [*command, f"{api.url}/api/v1/openapi.json",
         "--checks", "not_a_server_error", "--max-examples", "40", "--seed", "1", "--no-shrink",
         "--include-path-regex", paths, "-H", f"Authorization: Bearer {api.tokens[token]}",
         "--request-timeout", "20", "--warnings", "off"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout, result.stdout[-2000:]
    assert " 0 passed" not in result.stdout, result.stdout[-2000:]  # something was really sent
