"""Local mode has no authentication, so `workbench serve` refuses any address but loopback."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from tests.browser.server import free_port, run_workbench, run_workbench_unchecked, workbench_env

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# "At once" leaves room for a slow machine's interpreter start-up, not for a server that runs:
# one that started would never exit and the timeout fails the test.
REFUSAL_SECONDS = 30


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_serve_refuses_a_public_address_in_local_mode_at_once(tmp_path: Path, host: str) -> None:
    result = run_workbench_unchecked(
        tmp_path, "serve", "--host", host, "--port", str(free_port()), timeout=REFUSAL_SECONDS
    )
    assert result.returncode != 0
    reason = result.stderr.strip().splitlines()
    assert len(reason) == 1, result.stderr
    assert "local mode" in reason[0]
    assert host in reason[0]
    assert "Serving" not in result.stdout


VALID_AUTH = (
    '[auth]\nredirect_uri = "http://127.0.0.1:1/oauth2callback"\ncookie_secret = "x"\n'
    'client_id = "wb"\nclient_secret = "s"\nserver_metadata_url = "http://127.0.0.1:1/.well-known/x"\n'
)


def _this_machines_address() -> str:
    """An address of this machine that is not loopback (the one its default route leaves from)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("198.51.100.1", 9))  # no packet is sent: UDP connect only picks a route
        address = str(probe.getsockname()[0])
    assert not address.startswith("127."), f"this machine has no address but loopback ({address})"
    return address


def _uvicorn(directory: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "0.0.0.0", "--port", str(port)],
        cwd=directory, env={**workbench_env(directory), "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def test_a_secrets_file_written_under_a_running_local_mode_server_does_not_open_it(tmp_path: Path) -> None:
    run_workbench(tmp_path, "init")
    port = free_port()
    remote = f"http://{_this_machines_address()}:{port}/api/v1/health"
    server = _uvicorn(tmp_path, port)
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/v1/health", server)
        refused = httpx.get(remote, timeout=5)
        assert (refused.status_code, refused.headers["content-type"]) == (403, "application/json")
        assert "local mode" in refused.json()["error"]
        secrets = tmp_path / ".streamlit" / "secrets.toml"
        secrets.parent.mkdir()
        secrets.write_text(VALID_AUTH, encoding="utf-8")
        assert httpx.get(remote, timeout=5).status_code == 403
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


@pytest.mark.parametrize(("secrets", "says"), [
    ("[auth]\n", "incomplete: redirect_uri, cookie_secret, client_id"),
    ('[auth]\ncookie_secret = "x"\nredirect_uri = "http://h/cb"\n', "incomplete: client_id"),
    ("[auth\n", "cannot be read as TOML"),
])
def test_a_broken_auth_section_stops_serve_and_uvicorn_with_a_message(
    tmp_path: Path, secrets: str, says: str
) -> None:
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    path.write_text(secrets, encoding="utf-8")
    result = run_workbench_unchecked(tmp_path, "serve", "--port", str(free_port()), timeout=REFUSAL_SECONDS)
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    server = _uvicorn(tmp_path, free_port())
    output, _ = server.communicate(timeout=REFUSAL_SECONDS)
    assert server.returncode != 0
    said = output.decode()
    assert "workbench: cannot start:" in said and says in said, said
    assert "Traceback" not in said


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise AssertionError(f"{url} never answered")
