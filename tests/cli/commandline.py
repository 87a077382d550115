"""Running `workbench` in-process and judging what it printed."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from cli.main import main


@dataclass(frozen=True)
class Run:
    """One command's exit code and output."""

    code: int
    out: str
    err: str


Workbench = Callable[..., Run]


def runner(capsys: pytest.CaptureFixture[str]) -> Workbench:
    """A function that runs one command line and returns its exit code and output."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse refuses bad usage this way
            code = stop.code if isinstance(stop.code, int) else 2
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def refused_in_one_line(run: Run) -> bool:
    """Exit 2 with a single `workbench:` line on stderr and no traceback."""
    lines = run.err.strip().splitlines()
    return (
        run.code == 2
        and len(lines) == 1
        and lines[0].startswith("workbench:")
        and "Traceback" not in run.err
    )
