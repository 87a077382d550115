"""`Review`: work the first-review queue."""

from review.enums import Queue
from ui.review_panel import render_queue

render_queue(Queue.REVIEW, "Review")
