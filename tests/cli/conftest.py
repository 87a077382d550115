"""Fixtures: the command line on the test's database, uninitialised or after `workbench init`."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.engine import create_database_engine
from tests.cli.commandline import Workbench, runner


@pytest.fixture
def workbench(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Workbench:
    """`workbench(*args)` runs the command line on a fresh, uninitialised database."""
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return runner(capsys)


@pytest.fixture
def initialised(workbench: Workbench) -> Workbench:
    """The command line on a database that `workbench init` has set up."""
    assert workbench("init").code == 0
    return workbench


@pytest.fixture
def cli_engine(db_url: str, initialised: Workbench) -> Iterator[Engine]:
    """An engine on the command line's database, for checking what the commands stored."""
    engine = create_database_engine(db_url)
    yield engine
    engine.dispose()
