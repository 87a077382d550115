"""The database goes away and comes back: health says so, nothing crashes, serving resumes."""

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import make_url

from tests.api.conftest import ApiServer, assert_no_trace, fresh_source, record, start_api_server
from tests.api.tcp_proxy import TcpProxy
from tests.databases import database_url


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiServer, TcpProxy]]:
    """A server on PostgreSQL whose every connection runs through a proxy the test can cut."""
    directory = tmp_path_factory.mktemp("api-outage")
    with database_url("postgresql", directory) as direct_url:
        url = make_url(direct_url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
        api = start_api_server(directory, through_proxy)
        try:
            yield api, proxy
        finally:
            api.server.stop()
            proxy.close()


# Every other route, each with a token that may use it: all answer 503 while the database is away.
OTHER_ROUTES = [
    ("reader", "GET", "/api/v1/items/{source}/before"),
    ("reader", "GET", "/api/v1/decisions"),
    ("review1", "POST", "/api/v1/claims"),
    ("review1", "POST", "/api/v1/items/1/decision"),
]


def _health(client: httpx.Client) -> int:
    return client.get("/api/v1/health").status_code


def _wait_for(client: httpx.Client, status: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while _health(client) != status:
        assert time.monotonic() < deadline, f"health never answered {status}"
        time.sleep(0.2)


def test_health_is_503_while_the_database_is_down_and_the_app_recovers(
    proxied: tuple[ApiServer, TcpProxy],
) -> None:
    api, proxy = proxied
    source = fresh_source()
    with api.client("ingest") as client:
        assert client.post("/api/v1/items", json=record(source, "before")).status_code == 200
        proxy.cut()
        _wait_for(client, 503)
        down = client.get("/api/v1/health")
        assert down.json() == {"status": "degraded", "database": "unreachable"}
        refused = client.post("/api/v1/items", json=record(source, "during"))
        for token, method, path in OTHER_ROUTES:
            with api.client(token) as other:
                answer = other.request(method, path.format(source=source))
            assert answer.status_code == 503, (path, answer.text)
            assert "database" in answer.json()["error"]
            assert_no_trace(answer)
        assert refused.status_code == 503, refused.text
        assert "database" in refused.json()["error"]
        assert_no_trace(refused)
        proxy.restore()
        _wait_for(client, 200)
        assert client.post("/api/v1/items", json=record(source, "after")).json()["accepted"] == 1
        assert client.get(f"/api/v1/items/{source}/during").status_code == 404
    assert "Traceback" not in api.server.log_path.read_text(encoding="utf-8", errors="replace")
