"""Queue statistics: depth by source, task, route and state, oldest waiting age, decisions today."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from review.actors import Actor
from review.clock import utcnow
from review.permissions import Permission, require
from storage.engine import reading
from storage.repositories.stats import (
    count_human_decisions_since,
    count_waiting_items,
    get_oldest_waiting_received_at,
)


@dataclass(frozen=True)
class QueueDepth:
    """How many items of one (source, task, route) are in one state."""

    source: str
    task: str
    route: str
    state: str
    count: int


@dataclass(frozen=True)
class QueueStats:
    """A snapshot of the queue."""

    taken_at: datetime
    depths: list[QueueDepth]
    oldest_waiting_seconds: float | None
    decisions_today: int

    @property
    def waiting(self) -> int:
        """Items waiting for a person, held or not."""
        return sum(depth.count for depth in self.depths)


def queue_stats(engine: Engine, actor: Actor, now: datetime | None = None) -> QueueStats:
    """The queue's depth and age now, and today's (UTC) human decisions."""
    require(actor, Permission.VIEW_DASHBOARD)
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with reading(engine) as session:
        depths = [QueueDepth(*row) for row in count_waiting_items(session=session, now=now)]
        oldest = get_oldest_waiting_received_at(session=session)
        today = count_human_decisions_since(session=session, since=midnight)
    age = (now - oldest).total_seconds() if oldest else None
    return QueueStats(now, depths, age, today)
