"""Whether reviewers of a (source, task) are blind to the model's confidence (see review/queue.py)."""

from dataclasses import dataclass

from sqlalchemy import Engine

from review.actors import Actor
from review.permissions import Permission, require
from review.policy_scope import Scope, lookup_order
from storage.engine import reading
from storage.repositories.policies import list_latest_policies


@dataclass(frozen=True)
class ConfidenceShown:
    """`show_confidence` of the newest version of every policy scope."""

    by_scope: dict[Scope, bool]

    def for_scope(self, source: str, task: str) -> bool:
        """Whether reviewers of (source, task) see confidence (the most specific policy decides)."""
        return next((self.by_scope[scope] for scope in lookup_order(source, task) if scope in self.by_scope),
                    False)


def confidence_shown(engine: Engine, actor: Actor) -> ConfidenceShown:
    """Which policies show reviewers the model's confidence (their audit estimates are not blind)."""
    require(actor, Permission.VIEW_DASHBOARD)
    with reading(engine) as session:
        policies = list_latest_policies(session=session)
        return ConfidenceShown({(p.source, p.task): p.show_confidence for p in policies})
