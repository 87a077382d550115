"""Queue health for the Dashboard: a short-lived cached snapshot of `review.stats.queue_stats`."""

from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from review.actors import Actor
from review.stats import queue_stats

SNAPSHOT_TTL_SECONDS = 30
DEPTH_COLUMNS = ["source", "task", "route", "state", "count"]


@dataclass(frozen=True)
class QueueSnapshot:
    """Plain figures and a DataFrame, safe to cache and share: no ORM objects, no session."""

    taken_at: datetime
    waiting: int
    oldest_waiting_seconds: float | None
    decisions_today: int
    depths: pd.DataFrame


# Keyed by the database only: the figures are the same for everyone allowed to see them, so the
# caller must have checked the permission before asking (a cache hit never reaches the domain).
@st.cache_data(ttl=SNAPSHOT_TTL_SECONDS, show_spinner=False)
def load_queue_snapshot(database: str, _engine: Engine, _actor: Actor) -> QueueSnapshot:
    """The queue's figures now, from the domain, which authorises the actor on a cache miss."""
    stats = queue_stats(_engine, _actor)
    depths = pd.DataFrame([asdict(depth) for depth in stats.depths], columns=DEPTH_COLUMNS)
    return QueueSnapshot(
        taken_at=stats.taken_at,
        waiting=stats.waiting,
        oldest_waiting_seconds=stats.oldest_waiting_seconds,
        decisions_today=stats.decisions_today,
        depths=depths,
    )


def format_age(seconds: float | None) -> str:
    """A waiting time in the largest sensible units, e.g. `3 h 12 min`; `none` when nothing waits."""
    if seconds is None:
        return "none"
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if days:
        return f"{days} d {hours - days * 24} h"
    if hours:
        return f"{hours} h {minutes - hours * 60} min"
    if minutes:
        return f"{minutes} min"
    return f"{int(seconds)} s"
