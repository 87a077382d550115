"""Reading ahead in a thread yields the source's items in order, raises its errors here, and
closes it in its own thread, early too."""

import threading

import pytest

from review.read_ahead import read_ahead


def _counting(log: list[str], stop_at: int | None = None):
    try:
        for number in range(5):
            if number == stop_at:
                raise ValueError("broken source")
            yield number
    finally:
        log.append(threading.current_thread().name)


def test_items_come_in_order_and_the_source_closes_in_its_thread():
    log: list[str] = []
    assert list(read_ahead(_counting(log), depth=2)) == [0, 1, 2, 3, 4]
    assert log == ["read-ahead"]


def test_an_error_of_the_source_is_raised_to_the_consumer():
    log: list[str] = []
    taken = []
    with pytest.raises(ValueError, match="broken source"):
        for item in read_ahead(_counting(log, stop_at=3)):
            taken.append(item)
    assert taken == [0, 1, 2] and log == ["read-ahead"]


def test_closing_early_stops_the_thread_and_closes_the_source():
    log: list[str] = []
    items = read_ahead(_counting(log))
    assert next(items) == 0
    items.close()
    assert log == ["read-ahead"]
    assert not any(thread.name == "read-ahead" for thread in threading.enumerate())
