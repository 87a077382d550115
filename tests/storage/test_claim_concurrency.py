"""Many reviewers at once: every item is claimed by one reviewer and decided exactly once."""

import threading
from collections import Counter

import pytest

from review.actors import Actor
from review.enums import ItemState, Role
from review.queue import claim_next
from tests.factories import decide_held, make_actor, queue_items, stored_decisions, stored_items

THREADS = 16
ITEMS = 300


@pytest.mark.slow
def test_sixteen_reviewers_drain_the_queue_without_overlap_or_loss(engine):
    queue_items(engine, ITEMS)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(reviewer: Actor) -> None:
        mine = claimed.setdefault(reviewer.identity, [])
        try:
            start.wait()
            while (held := claim_next(engine, reviewer)) is not None:
                mine.append(held.item_id)
                decide_held(engine, reviewer, held)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(make_actor(Role.REVIEWER),))
               for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a reviewer thread hung"
    assert errors == []

    every_claim = [item_id for ids in claimed.values() for item_id in ids]
    items = stored_items(engine)
    assert len(items) == ITEMS
    assert Counter(every_claim) == Counter({item.id: 1 for item in items})  # none twice, none lost
    decisions = stored_decisions(engine)
    assert len(decisions) == ITEMS
    assert Counter(d.item_id for d in decisions) == Counter({item.id: 1 for item in items})
    assert {item.state for item in items} == {ItemState.DECIDED}
    # The decision was made by the reviewer whose thread claimed the item.
    claimer = {item_id: who for who, ids in claimed.items() for item_id in ids}
    assert all(claimer[d.item_id] == d.reviewer for d in decisions)
