"""`workbench` entry point: parse arguments, run one command, turn refusals into exit codes."""

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from cli import (
    admin_commands,
    audit_commands,
    data_commands,
    deliver_command,
    metrics_command,
    serve_command,
    token_commands,
)
from review.errors import WorkbenchError

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="workbench", description="Human-in-the-loop review workbench for AI outputs."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_command.register(commands)
    data_commands.register(commands)
    admin_commands.register(commands)
    token_commands.register(commands)
    audit_commands.register(commands)
    deliver_command.register(commands)
    metrics_command.register(commands)
    return parser


def _exit_on_sigterm(signum: int, _frame: Any) -> None:
    # SystemExit unwinds like Ctrl-C does, so every `finally` runs (an export removes its
    # `.partial` file). `serve` installs uvicorn's own handlers over this one.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return int(args.handler(args) or 0)
    except WorkbenchError as error:
        print(f"workbench: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours, and nothing to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
