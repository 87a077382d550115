"""A real OpenID Connect provider (npm's oidc-provider) on loopback, and the workbench signing in
through it with Streamlit's `st.login`, configured the way README tells an operator to."""

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.browser.server import Server, free_port, run_workbench

HERE = Path(__file__).resolve().parent
CLIENT_ID = "workbench"
# Roles granted in the workbench itself, merged with the provider's `groups` claim.
GRANTS = {"data@example.com": "reviewer"}


@dataclass
class SignInSetup:
    """The provider's address and the workbench served behind it."""

    issuer: str
    server: Server


def _start_provider(port: int, redirect_uri: str, client_secret: str, log: Path) -> subprocess.Popen[bytes]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the OIDC tests need Node.js and `npm ci --prefix tests/oidc` (see .ci/run)")
    with log.open("wb") as output:
        process = subprocess.Popen([node, str(HERE / "provider.js"), str(port), redirect_uri, CLIENT_ID,
                                    client_secret], stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration").status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the OIDC provider did not start:\n{log.read_text()}")


def write_secrets(directory: Path, issuer: str, redirect_uri: str, client_secret: str) -> None:
    """`.streamlit/secrets.toml` as .streamlit/secrets.example.toml shows, for this provider."""
    (directory / ".streamlit").mkdir()
    (directory / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect_uri}"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        'client_kwargs = { prompt = "login", scope = "openid email profile" }\n',
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def sign_in_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignInSetup]:
    """Provider and workbench (SQLite) on loopback, with secrets naming each other."""
    directory = tmp_path_factory.mktemp("oidc")
    app_port, provider_port = free_port(), free_port()
    redirect_uri = f"http://127.0.0.1:{app_port}/oauth2callback"
    issuer = f"http://127.0.0.1:{provider_port}"
    client_secret = secrets.token_urlsafe(24)
    provider = _start_provider(provider_port, redirect_uri, client_secret, directory / "provider.log")
    try:
        write_secrets(directory, issuer, redirect_uri, client_secret)
        run_workbench(directory, "init")
        for email, role in GRANTS.items():
            run_workbench(directory, "role", "grant", email, role)
        server = Server(directory, app_port, directory / "server.log")
        server.start()
        try:
            yield SignInSetup(issuer, server)
        finally:
            server.stop()
    finally:
        provider.kill()
        provider.wait(timeout=10)
