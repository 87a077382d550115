"""A progress line on a terminal, and silence when output goes to a file or a pipe."""

import sys
import time
from types import TracebackType


class Progress:
    """Counts rows and redraws `label: N` on stderr at most ten times a second, on a TTY only."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._shown_at = 0.0
        self._enabled = sys.stderr.isatty()
        self._count = 0

    def __enter__(self) -> "Progress":
        return self

    def update(self, count: int) -> None:
        """Record that `count` rows are done."""
        self._count = count
        now = time.monotonic()
        if self._enabled and now - self._shown_at > 0.1:
            self._shown_at = now
            sys.stderr.write(f"\r{self._label}: {count:,} rows")
            sys.stderr.flush()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._enabled:
            sys.stderr.write(f"\r{self._label}: {self._count:,} rows\n")

