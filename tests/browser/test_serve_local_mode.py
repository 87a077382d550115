"""Local mode has no authentication, so `workbench serve` refuses any address but loopback."""

from pathlib import Path

import pytest

from tests.browser.server import free_port, run_workbench_unchecked

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
