"""`token create|list|revoke`: API tokens, shown once and stored only hashed."""

import argparse
import json
from typing import Any

from cli.database import open_database
from review.actors import cli_actor
from review.tokens import Scope, TokenInfo, create_token, list_token_info, parse_scope, revoke_token


def register(commands: Any) -> None:
    """Add `token` to the parser."""
    token = commands.add_parser("token", help="API tokens")
    actions = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("name")
    create.add_argument("--scope", required=True, choices=[scope.value for scope in Scope])
    create.add_argument("--user", metavar="EMAIL", help="the person a review token acts as")
    create.add_argument("--source", metavar="S", action="append", dest="sources",
                        help="a source the token may read and write (repeatable; default: every source)")
    create.add_argument("--reviewer-identities", action="store_true",
                        help="show reviewers' e-mails on the feed and item routes, not pseudonyms")
    create.set_defaults(handler=run_token_create)
    listing = actions.add_parser("list", help="tokens without their values")
    listing.set_defaults(handler=run_token_list)
    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    revoke.set_defaults(handler=run_token_revoke)


def run_token_create(args: argparse.Namespace) -> int:
    """Create a token and print its value, the only time it is shown."""
    value = create_token(open_database(), cli_actor(), args.name, parse_scope(args.scope), args.user,
                         sources=args.sources, reviewer_identities=args.reviewer_identities)
    print(value)
    return 0


def run_token_list(_args: argparse.Namespace) -> int:
    """List tokens without their values."""
    for token in list_token_info(open_database(), cli_actor()):
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        user = f" as {token.user_email}" if token.user_email else ""
        print(f"{token.name}\t{token.scope.value}{user}\t{state}\tcreated by {token.created_by}"
              f"\t{_bounds_of(token)}")
    return 0


def _bounds_of(token: TokenInfo) -> str:
    """Which sources a token reaches and how it sees reviewers, for the listing."""
    if token.scope is Scope.REVIEW:
        return "sources: all, as its user"
    # Quoted: a source name may hold commas, tabs or anything else a record's source may.
    sources = ", ".join(json.dumps(s, ensure_ascii=False) for s in token.sources) if token.sources else "all"
    seen = "by e-mail" if token.reviewer_identities else "by pseudonym"
    return f"sources: {sources}\treviewers {seen}"


def run_token_revoke(args: argparse.Namespace) -> int:
    """Revoke a token."""
    changed = revoke_token(open_database(), cli_actor(), args.name)
    print(f"revoked {args.name}" if changed else f"{args.name} was revoked already")
    return 0
