"""The review page shared by `Review` and `Escalations`: claim, read, decide, next, on one screen.

The panel is an `st.fragment`: a decision reruns the panel only, not the page (navigation, sign-in
gate and sidebar stay as they are), and the lease is renewed by a small timer fragment of its own.
"""

from dataclasses import replace
from datetime import datetime, timedelta

import streamlit as st

from review.clock import utcnow
from review.enums import Queue
from review.errors import LeaseLost
from review.queue import LEASE_DURATION, HeldItem, claim_next, held_item, permission_of_queue, renew_lease
from review.queue_counts import queue_counts
from ui.deps import current_actor, get_engine, require_permission
from ui.plain_text import show_toast, show_warning
from ui.review_form import render_decision_form
from ui.review_state import QueueWork, queue_work
from ui.review_style import apply_review_layout

# The lease timer looks every minute and renews once half the lease is spent: one write per five
# minutes of reading instead of one per rerun.
LEASE_CHECK_SECONDS = 60


def render_queue(queue: Queue, title: str) -> None:
    """A page that works one queue: `Claim next`, then the held item and its decision form."""
    require_permission(permission_of_queue(queue))
    apply_review_layout()
    queue_work(queue).stale = True
    _review_panel(queue, title)
    _keep_lease(queue)


@st.fragment
def _review_panel(queue: Queue, title: str) -> None:
    actor = require_permission(permission_of_queue(queue))
    work = queue_work(queue)
    if work.stale:
        work.held, work.stale = held_item(get_engine(), actor, queue), False
    _render_title_row(queue, title, work)
    if work.flash:
        show_toast(work.flash)
        work.flash = None
    if work.held is None:
        _render_idle(queue, work)
        return
    _render_item_header(work.held)
    render_decision_form(queue, work.held, work)


def _render_title_row(queue: Queue, title: str, work: QueueWork) -> None:
    if not work.counts_are_fresh():
        actor = current_actor()
        if actor is not None:
            work.remember_counts(queue_counts(get_engine(), actor, queue))
    with st.container(horizontal=True, vertical_alignment="bottom", key="review_title_row"):
        st.title(title)
        if work.counts is not None:
            st.caption(f"{work.counts.waiting} waiting · {work.counts.past_sla} past SLA · "
                       f"{work.decided} decided by you this session")


def _render_idle(queue: Queue, work: QueueWork) -> None:
    if work.empty:
        st.info("Queue is empty")
    st.button("Claim next", type="primary", shortcut="Alt+N", key=f"{queue.value}_claim",
              on_click=_claim, args=(queue,))


def _claim(queue: Queue) -> None:
    work, actor = queue_work(queue), current_actor()
    if actor is not None:
        work.held = claim_next(get_engine(), actor, queue)
        work.empty = work.held is None


def _render_item_header(held: HeldItem) -> None:
    # Untrusted text throughout (ids, names, versions): st.text, never Markdown.
    now = utcnow()
    with st.container(key="review_header", horizontal=True, gap="medium"):
        st.text(held.external_id)
        st.text(f"{held.source} / {held.task}")
        st.text(f"model {held.model_version or 'unknown'}")
        st.text(f"impact {held.impact or 'unknown'}")
        if held.confidence is not None:
            # Only when the policy opts in: shown on every item of the policy, samples or not.
            st.text(f"confidence {held.confidence:.2f}")
        st.text(f"waiting {duration(now - held.received_at)}")
        st.text(sla_text(held.sla_due_at, now))


def sla_text(due: datetime, now: datetime) -> str:
    """When the SLA falls due, or how long ago it passed."""
    if due > now:
        return f"SLA due in {duration(due - now)}"
    return f"SLA passed {duration(now - due)} ago"


def duration(span: timedelta) -> str:
    """A span as a person says it: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`."""
    seconds = max(int(span.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@st.fragment(run_every=LEASE_CHECK_SECONDS)
def _keep_lease(queue: Queue) -> None:
    """Renew the held item's lease once half of it is spent, so a slow read never loses the item."""
    work, actor = queue_work(queue), current_actor()
    held = work.held
    if held is None or actor is None or held.lease_expires_at - utcnow() > LEASE_DURATION / 2:
        return
    try:
        expires = renew_lease(get_engine(), actor, held.item_id, held.lease_id)
    except LeaseLost as error:
        show_warning(str(error))
        return
    work.held = replace(held, lease_expires_at=expires)
