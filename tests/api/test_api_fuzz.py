"""Schemathesis against our own OpenAPI description: no generated input may crash a route."""

import shutil
import subprocess
import sys

import pytest

from tests.api.conftest import ApiServer

# Which token fuzzes which routes: each route is fuzzed past authentication, with the scope it needs.
TARGETS = [
    ("ingest", r"^/api/v1/items(/\{source\}/\{external_id\})?$"),
    ("reader", r"^/api/v1/decisions$"),
    ("senior", r"^/api/v1/(claims|items/\{id\}/decision)$"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("token", "paths"), TARGETS, ids=[token for token, _ in TARGETS])
def test_no_generated_request_gets_a_server_error(api: ApiServer, token: str, paths: str) -> None:
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
    assert "No issues found" in result.stdout or "passed" in result.stdout, result.stdout[-2000:]
