"""Who may do what: a pure predicate checked by every use case before it touches anything."""

from enum import StrEnum

from review.actors import Actor
from review.enums import Role
from review.errors import PermissionDenied


class Permission(StrEnum):
    """Everything a use case can be asked to do."""

    REVIEW = "review items"
    DECIDE_ESCALATIONS = "decide escalated items"
    VIEW_DASHBOARD = "view dashboards"
    MANAGE_POLICY = "change routing policy"
    EXPORT = "export labelled data"
    INGEST = "ingest records"
    MANAGE_ROLES = "manage roles"
    MANAGE_TOKENS = "manage API tokens"
    VIEW_AUDIT = "view the audit log"
    READ_DECISIONS = "read the decision feed"
    READ_ITEM_STATUS = "read item states"
    MANAGE_WEBHOOKS = "manage webhooks"
    ADD_GOLD_ITEMS = "add gold items"


# Roles build on each other: a senior is also a reviewer, a lead also a senior. `data` stands
# apart (exports only); `admin` may do everything.
_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.REVIEWER: frozenset({Permission.REVIEW}),
    Role.SENIOR: frozenset({Permission.REVIEW, Permission.DECIDE_ESCALATIONS}),
    Role.LEAD: frozenset(
        {
            Permission.REVIEW,
            Permission.DECIDE_ESCALATIONS,
            Permission.VIEW_DASHBOARD,
            Permission.MANAGE_POLICY,
            Permission.ADD_GOLD_ITEMS,
        }
    ),
    Role.DATA: frozenset({Permission.EXPORT}),
    Role.ADMIN: frozenset(Permission),
}


# A service token's scope grants what an upstream system needs and nothing more; a `review`
# token acts as its user, so it carries that user's roles and no scope grants.
_SCOPE_GRANTS: dict[str, frozenset[Permission]] = {
    "ingest": frozenset({Permission.INGEST, Permission.READ_ITEM_STATUS}),
    "decisions:read": frozenset({Permission.READ_DECISIONS, Permission.READ_ITEM_STATUS}),
}


def can(actor: Actor, permission: Permission) -> bool:
    """Whether any of the actor's roles or token scopes grants `permission`."""
    return any(permission in _GRANTS[role] for role in actor.roles) or any(
        permission in _SCOPE_GRANTS.get(scope, frozenset()) for scope in actor.scopes
    )


def require(actor: Actor, permission: Permission) -> None:
    """Raise `PermissionDenied` unless the actor may do `permission`."""
    if not can(actor, permission):
        raise PermissionDenied(f"{actor.identity} may not {permission.value}", permission.value)


def reachable_sources(actor: Actor) -> frozenset[str] | None:
    """The sources a token is bounded to, or None when the actor may reach every source."""
    return actor.bounds.sources if actor.bounds is not None else None


def can_reach_source(actor: Actor, source: str) -> bool:
    """Whether the actor may read or write items of `source`."""
    sources = reachable_sources(actor)
    return sources is None or source in sources


def sees_reviewer_identities(actor: Actor) -> bool:
    """Whether reviewers are shown to the actor by e-mail: people and the operator see them; a
    service token only if it was created to."""
    return actor.bounds is None or actor.bounds.reviewer_identities
