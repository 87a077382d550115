"""The real `workbench` command line and server, run as subprocesses in a directory of their own."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.chromium import failed

STARTUP_SECONDS = 60
STOP_SECONDS = 15


def workbench_command() -> list[str]:
    """The installed `workbench` script; the module itself when the script is not on PATH."""
    script = shutil.which("workbench")
    return [script] if script else [sys.executable, "-m", "cli.main"]


def workbench_env(directory: Path, database_url: str | None = None) -> dict[str, str]:
    """An environment whose database is `database_url` (default: a SQLite file in `directory`)
    and whose home is `directory`.

    A home of its own keeps a person's `~/.streamlit/secrets.toml` from switching local mode off.
    """
    env = dict(os.environ)
    env.update(
        WORKBENCH_DATABASE_URL=database_url or f"sqlite:///{directory / 'workbench.db'}",
        HOME=str(directory),
        PYTHONUNBUFFERED="1",
    )
    env.pop("WORKBENCH_DELIVER_IN_SERVER", None)
    return env


def run_workbench(
    directory: Path, *args: str, timeout: float = 120, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `workbench` command in `directory`; fail loudly with its output unless it exits 0."""
    result = run_workbench_unchecked(directory, *args, timeout=timeout, database_url=database_url)
    if result.returncode != 0:
        raise AssertionError(
            f"`workbench {' '.join(args)}` exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def run_workbench_unchecked(
    directory: Path, *args: str, timeout: float = 120, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `workbench` command in `directory` and return whatever happened."""
    return subprocess.run(
        [*workbench_command(), *args], cwd=directory, env=workbench_env(directory, database_url),
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write `records` as JSON Lines."""
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A `workbench serve` process in its own process group, logging to a file."""

    directory: Path
    port: int
    log_path: Path
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The address a browser opens."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving and wait until the health route answers 200."""
        env = {**workbench_env(self.directory, self.database_url), **self.extra_env}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*workbench_command(), "serve", "--port", str(self.port)],
                cwd=self.directory, env=env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"`workbench serve` exited {self.process.returncode}\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"`workbench serve` not healthy after {STARTUP_SECONDS}s\n{self.log()}")

    def stop(self) -> None:
        """Stop the whole process group: politely first, then for good."""
        if self.process is None:
            return
        # start_new_session made the server the leader of a group whose id is its pid.
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_SECONDS)

    def log(self) -> str:
        """What the server wrote so far, without the noise of static asset requests."""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        text = "".join(line for line in lines if '"GET /static/' not in line)
        return f"----- server log ({self.log_path}) -----\n{text}----- end of server log -----"


def _signal_group(group: int, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(group, signum)


@contextmanager
def serving(directory: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """`workbench serve` on `directory`'s database until the test ends; its log is printed when
    the test failed."""
    running = Server(directory, free_port(), directory / "server.log")
    running.start()
    try:
        yield running
    finally:
        if failed(request):
            print(running.log())
        running.stop()
