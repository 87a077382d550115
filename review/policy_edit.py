"""A lead's edit of a policy from the Policy page: like `set_policy`, but always with a reason."""

from sqlalchemy import Engine

from review.actors import Actor
from review.errors import InvalidRequest
from review.permissions import Permission, require
from review.policies import PolicyChange, set_policy
from storage.models import Policy


def edit_policy(engine: Engine, actor: Actor, source: str, task: str, change: PolicyChange) -> Policy:
    """Append a new version of the (source, task) policy; refused without a reason for the change."""
    require(actor, Permission.MANAGE_POLICY)
    if not (change.reason or "").strip():
        raise InvalidRequest("say why in 'Reason for change': it is kept with the version", field="reason")
    return set_policy(engine, actor, source, task, change)
