"""`Escalations`: seniors decide items a reviewer escalated (never their own)."""

from review.enums import Queue
from ui.review_panel import render_queue

render_queue(Queue.ESCALATIONS, "Escalations")
