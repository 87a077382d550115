"""What waits in one queue, and how much of it is past its SLA: the figures a reviewer works by."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor
from review.clock import utcnow
from review.enums import Queue
from review.permissions import require
from review.policies import sla_cutoffs
from review.queue import permission_of_queue, states_of_queue
from storage.engine import reading
from storage.repositories.stats import (
    count_items_in_state_by_sla_group,
    count_items_in_state_received_before,
)


@dataclass(frozen=True)
class QueueCounts:
    """Items waiting in a queue (held ones included) and those past their SLA."""

    waiting: int
    past_sla: int


def queue_counts(engine: Engine, actor: Actor, queue: Queue, now: datetime | None = None) -> QueueCounts:
    """How many items wait in `queue` now, and how many of them are past their policy's SLA."""
    require(actor, permission_of_queue(queue))
    with reading(engine) as session:
        return count_waiting(session, states_of_queue(queue), now or utcnow())


def count_waiting(session: Session, states: str | tuple[str, ...], now: datetime) -> QueueCounts:
    """Items in `states` and those past their policy's SLA (two GROUP BY queries; no permission
    check: for use cases that checked already)."""
    groups = count_items_in_state_by_sla_group(session=session, state=states)
    cutoffs = sla_cutoffs(session, {(source, task, impact) for source, task, impact, _ in groups}, now)
    late = count_items_in_state_received_before(session=session, state=states, cutoffs=cutoffs)
    return QueueCounts(waiting=sum(count for *_, count in groups), past_sla=late)
