"""A small, short-lived cache of API-token lookups for the server process."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

# How long a token's lookup (its revocation, scope, bounds and a review token's user's roles) is
# reused without asking the database: revoking a token or a role reaches a running server within
# this bound. Short, because it is the window in which a revoked token still works.
CACHE_SECONDS = 5.0
# Enough for every live token of a deployment; the least recently used lookup goes first.
MAX_ENTRIES = 1024

V = TypeVar("V")


class TokenCache(Generic[V]):
    """Lookups by the token's SHA-256 (never its value), each kept `seconds`; thread-safe, LRU."""

    def __init__(self, seconds: float = CACHE_SECONDS, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds, self._max_entries, self._clock = seconds, max_entries, clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> V | None:
        """The lookup kept for `token_hash`, or None if there is none or it is too old."""
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if self._clock() >= entry[0]:
                del self._entries[token_hash]
                return None
            self._entries.move_to_end(token_hash)
            return entry[1]

    def put(self, token_hash: str, value: V) -> None:
        """Keep `value` for `token_hash` until the bound passes, dropping the least recently used."""
        with self._lock:
            self._entries[token_hash] = (self._clock() + self._seconds, value)
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __contains__(self, token_hash: object) -> bool:
        with self._lock:
            return token_hash in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
