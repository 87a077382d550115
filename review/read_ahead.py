"""Iterating a generator in a thread of its own, one item ahead of its consumer.

An export reads a batch from the database (mostly Python, holding the GIL) while the batch before
is shaped and written (mostly Arrow and numpy, which release it), so on two cores the two overlap.
"""

import queue
import threading
from collections.abc import Generator, Iterator
from contextlib import closing
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.1


def read_ahead(source: Generator[T, None, None], depth: int = 1) -> Iterator[T]:
    """The items of `source`, produced in a background thread at most `depth` items ahead.

    The source runs, and is closed, in that thread only (a database connection it holds stays
    in one thread); its exception is raised here. Closing this iterator early stops the thread.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        # A bounded wait in a loop: a consumer that stopped taking items must not block this
        # thread for ever.
        while not stop.is_set():
            try:
                items.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            with closing(source):
                for item in source:
                    if not hand_over(item):
                        return
        except BaseException as error:  # handed to the consumer, which raises it
            hand_over(_Failure(error))
            return
        hand_over(_DONE)

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield cast(T, item)
    finally:
        stop.set()
        worker.join()


class _Failure:
    """An exception raised by the source, on its way to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
