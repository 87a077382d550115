"""Refusals of callers nobody can name (no or unknown token, another machine in local mode): counted
and logged in summary, never audited one by one, so an anonymous caller cannot grow the audit log
(or the server log) without bound."""

import logging
import threading
import time
from collections import Counter

log = logging.getLogger("workbench.api")
# At most one log line per this many seconds, however many refusals came in.
SUMMARY_SECONDS = 60.0

_lock = threading.Lock()
_counts: Counter[tuple[int, str]] = Counter()
_since_summary: Counter[tuple[int, str]] = Counter()
_last_summary = 0.0


def count_anonymous_refusal(status: int, why: str) -> None:
    """Count one anonymous refusal; log a summary when the last one is old enough."""
    global _last_summary
    now = time.monotonic()
    with _lock:
        _counts[(status, why)] += 1
        _since_summary[(status, why)] += 1
        if now - _last_summary < SUMMARY_SECONDS:
            return
        summary = ", ".join(f"{count} × {status} ({reason})"
                            for (status, reason), count in sorted(_since_summary.items()))
        _since_summary.clear()
        _last_summary = now
    log.warning("anonymous requests refused: %s", summary)


def anonymous_refusals() -> dict[str, int]:
    """How many anonymous refusals this process answered, by status and reason."""
    with _lock:
        return {f"{status} {why}": count for (status, why), count in sorted(_counts.items())}
