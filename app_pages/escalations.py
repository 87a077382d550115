"""`Escalations`: seniors decide items a reviewer escalated (never their own) and adjudicate two
independent reviews that disagreed (never as one of the two)."""

from review.enums import Queue
from ui.review_panel import render_queue

render_queue(Queue.ESCALATIONS, "Escalations")
