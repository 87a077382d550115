"""Who is acting: a signed-in person, an API token's user, or the operator at the command line."""

import getpass
import hashlib
from dataclasses import dataclass

from review.enums import Role


@dataclass(frozen=True)
class TokenBounds:
    """What a service token may reach: its sources (None: every source), and whether it sees
    reviewers by e-mail rather than by pseudonym."""

    sources: frozenset[str] | None = None
    reviewer_identities: bool = False


@dataclass(frozen=True)
class Actor:
    """A person or process: `identity` is an e-mail, `cli:<user>` or `token:<name>`; a person has
    roles, a service token has scopes and bounds instead (None: bounded by roles alone)."""

    identity: str
    roles: frozenset[Role]
    scopes: frozenset[str] = frozenset()
    bounds: TokenBounds | None = None

    def has(self, role: Role) -> bool:
        """Whether the actor holds `role` directly."""
        return role in self.roles


def pseudonym(identity: str) -> str:
    """A stable stand-in for an identity in application logs, which must not hold e-mails."""
    return "actor#" + hashlib.sha256(identity.encode()).hexdigest()[:12]


def cli_actor() -> Actor:
    """The operator at the command line, who acts with the database's authority."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        user = "unknown"
    return Actor(identity=f"cli:{user}", roles=frozenset({Role.ADMIN}))
