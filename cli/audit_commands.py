"""`audit verify`: walk the whole hash chain."""

import argparse
from typing import Any

from cli.database import open_database
from review.actors import cli_actor
from review.audit_anchors import record_anchor
from review.audit_key import audit_files
from review.audit_verify import verify_chain

EXIT_BROKEN = 1


def register(commands: Any) -> None:
    """Add `audit` to the parser."""
    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check the whole chain")
    verify.set_defaults(handler=run_audit_verify)
    anchor = actions.add_parser("anchor", help="record the chain's head in the anchors file now")
    anchor.set_defaults(handler=run_audit_anchor)


def run_audit_verify(_args: argparse.Namespace) -> int:
    """Exit 0 when the chain is intact, 1 naming the first bad entry otherwise."""
    check = verify_chain(open_database(), cli_actor())
    if check.intact:
        print(f"audit chain intact: {check.entries} entries, {check.anchors} anchors match")
        return 0
    print(f"audit chain broken at entry {check.first_bad_seq}: {check.problem}")
    return EXIT_BROKEN


def run_audit_anchor(_args: argparse.Namespace) -> int:
    """Append the chain's head to the anchors file (the server also does so regularly)."""
    engine = open_database()
    anchor = record_anchor(engine)
    files = audit_files(engine)
    if anchor is None:
        print(f"nothing new to anchor in {files.anchors}")
    else:
        print(f"anchored entry {anchor.seq} ({anchor.count} entries) in {files.anchors}")
    return 0
