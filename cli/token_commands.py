"""`token create|list|revoke`: API tokens, shown once and stored only hashed."""

import argparse
from typing import Any

from cli.database import open_database
from review.actors import cli_actor
from review.tokens import Scope, create_token, list_token_info, parse_scope, revoke_token


def register(commands: Any) -> None:
    """Add `token` to the parser."""
    token = commands.add_parser("token", help="API tokens")
    actions = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("name")
    create.add_argument("--scope", required=True, choices=[scope.value for scope in Scope])
    create.add_argument("--user", metavar="EMAIL", help="the person a review token acts as")
    create.set_defaults(handler=run_token_create)
    listing = actions.add_parser("list", help="tokens without their values")
    listing.set_defaults(handler=run_token_list)
    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    revoke.set_defaults(handler=run_token_revoke)


def run_token_create(args: argparse.Namespace) -> int:
    """Create a token and print its value, the only time it is shown."""
    value = create_token(open_database(), cli_actor(), args.name, parse_scope(args.scope), args.user)
    print(value)
    return 0


def run_token_list(_args: argparse.Namespace) -> int:
    """List tokens without their values."""
    for token in list_token_info(open_database(), cli_actor()):
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        user = f" as {token.user_email}" if token.user_email else ""
        print(f"{token.name}\t{token.scope.value}{user}\t{state}\tcreated by {token.created_by}")
    return 0


def run_token_revoke(args: argparse.Namespace) -> int:
    """Revoke a token."""
    changed = revoke_token(open_database(), cli_actor(), args.name)
    print(f"revoked {args.name}" if changed else f"{args.name} was revoked already")
    return 0
