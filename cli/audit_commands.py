"""`audit verify`: walk the whole hash chain."""

import argparse
from typing import Any

from cli.database import open_database
from review.actors import cli_actor
from review.audit import verify_chain

EXIT_BROKEN = 1


def register(commands: Any) -> None:
    """Add `audit` to the parser."""
    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check the whole chain")
    verify.set_defaults(handler=run_audit_verify)


def run_audit_verify(_args: argparse.Namespace) -> int:
    """Exit 0 when the chain is intact, 1 naming the first bad entry otherwise."""
    check = verify_chain(open_database(), cli_actor())
    if check.intact:
        print(f"audit chain intact: {check.entries} entries")
        return 0
    print(f"audit chain broken at entry {check.first_bad_seq}: {check.problem}")
    return EXIT_BROKEN
