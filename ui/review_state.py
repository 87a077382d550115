"""What one browser session keeps while working a queue (UI state only: ids and counters)."""

import time
from dataclasses import dataclass, field

import streamlit as st

from review.enums import Queue
from review.queue import HeldItem
from review.queue_counts import QueueCounts

# The waiting / past-SLA counts are two GROUP BY queries: asked at most this often per session.
COUNTS_MAX_AGE_SECONDS = 15.0


@dataclass
class QueueWork:
    """A reviewer's place in one queue during this browser session."""

    held: HeldItem | None = None
    # Set by every full page run: the held item is looked up again (a lease may have lapsed or
    # been taken meanwhile); the panel's own reruns trust `held`.
    stale: bool = True
    empty: bool = False
    decided: int = 0
    problems: dict[str, str] = field(default_factory=dict)
    flash: str | None = None
    counts: QueueCounts | None = None
    counts_taken: float = 0.0

    def counts_are_fresh(self) -> bool:
        """Whether the counts were taken recently enough to show again."""
        return self.counts is not None and time.monotonic() - self.counts_taken < COUNTS_MAX_AGE_SECONDS

    def remember_counts(self, counts: QueueCounts) -> None:
        """Keep `counts` as taken now."""
        self.counts, self.counts_taken = counts, time.monotonic()


def queue_work(queue: Queue) -> QueueWork:
    """This session's work on `queue`, created on first use."""
    key = f"{queue.value}_work"
    if key not in st.session_state:
        st.session_state[key] = QueueWork()
    work: QueueWork = st.session_state[key]
    return work
