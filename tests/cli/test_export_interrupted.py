"""An export stopped by Ctrl-C or by SIGTERM (a job scheduler, `kill`) leaves no `.partial` file."""

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser.server import run_workbench, workbench_command, workbench_env


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with enough decisions that an export takes a while."""
    directory = tmp_path_factory.mktemp("export")
    run_workbench(directory, "init")
    run_workbench(directory, "demo", "--items", "20000", timeout=600)
    return directory


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_export_removes_its_partial_file(loaded: Path, signum: int, exit_code: int) -> None:
    out = loaded / f"stopped-{signum}.csv"
    partial = out.with_name(out.name + ".partial")
    export = subprocess.Popen(
        [*workbench_command(), "export", "--format", "csv", "--include-auto", "--out", str(out)],
        cwd=loaded, env=workbench_env(loaded), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not partial.exists():
        assert export.poll() is None, "the export finished before it could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    export.send_signal(signum)
    assert export.wait(timeout=60) == exit_code
    assert not partial.exists()
    assert not out.exists()
