"""Which policy governs a (source, task): settings come from the most specific policy that exists,
(source, task) → (source, *) → (*, *); automation is paused if any of those levels is paused."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from storage.models import Policy
from storage.repositories.policies import DEFAULT_SCOPE, get_latest_policies

Scope = tuple[str, str]


@dataclass(frozen=True)
class Governing:
    """The policy whose settings apply, and the most specific paused level, if any."""

    settings: Policy
    paused_by: Policy | None


def lookup_order(source: str, task: str) -> list[Scope]:
    """The scopes consulted for (source, task), most specific first, without repeats."""
    return list(dict.fromkeys([(source, task), (source, DEFAULT_SCOPE), (DEFAULT_SCOPE, DEFAULT_SCOPE)]))


def resolve(levels: Sequence[Policy]) -> Governing:
    """The governing policy among the existing levels, given most specific first."""
    if not levels:
        raise LookupError("the default routing policy is missing; run `workbench init`")
    return Governing(levels[0], next((level for level in levels if level.paused), None))


def governing_in(policies: Mapping[Scope, Policy], source: str, task: str) -> Governing:
    """`resolve` over the newest versions already loaded, keyed by (source, task)."""
    return resolve([policies[scope] for scope in lookup_order(source, task) if scope in policies])


def effective(governing: Governing) -> Policy:
    """The settings policy with `paused` true when any level is paused (an unsaved copy if needed)."""
    settings = governing.settings
    if governing.paused_by is None or settings.paused:
        return settings
    # A copy outside any session: flipping the stored version would write it back on commit.
    copy = Policy(**settings.model_dump())
    copy.paused = True
    return copy


def get_governing_policy(*, session: Session, source: str, task: str) -> Governing:
    """The governing policy of (source, task), read from the database (one query for every level)."""
    scopes = lookup_order(source, task)
    return governing_in(get_latest_policies(session=session, scopes=scopes), source, task)


def get_effective_policy(*, session: Session, source: str, task: str) -> Policy:
    """The policy (source, task) is routed and reviewed under: see the module docstring."""
    return effective(get_governing_policy(session=session, source=source, task=task))
