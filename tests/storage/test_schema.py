"""The schema built by the migrations holds the invariants itself, whatever the code above does."""

import pytest
from alembic import command
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from review.actors import TokenBounds
from review.clock import utcnow
from review.tokens import authenticate_token, hash_token
from storage.engine import create_database_engine
from storage.migrate import alembic_config, schema_is_current, upgrade_to_head
from storage.models import Item
from tests.factories import queue_items, stored_items


def _item_row(**overrides: object) -> dict:
    row = {"source": "s", "external_id": "e-1", "task": "t", "output": {"a": 1}, "priority": 2,
           "route": "review", "route_reason": "r", "policy_id": 1, "state": "pending",
           "received_at": utcnow()}
    row.update(overrides)
    return row


def test_migrating_again_is_harmless_and_keeps_the_data(engine):
    queue_items(engine, 2)
    assert schema_is_current(engine)
    upgrade_to_head(engine)
    assert len(stored_items(engine)) == 2


def test_a_fresh_database_is_not_current_until_migrated(db_url):
    engine = create_database_engine(db_url)
    try:
        assert not schema_is_current(engine)
        upgrade_to_head(engine)
        assert schema_is_current(engine)
    finally:
        engine.dispose()


def test_the_database_refuses_a_second_item_with_the_same_key(engine):
    with engine.begin() as connection:
        connection.execute(insert(Item), [_item_row()])
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(Item), [_item_row(task="other")])


def test_the_database_refuses_an_item_routed_by_a_policy_that_does_not_exist(engine):
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(Item), [_item_row(policy_id=999)])


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    finally:
        engine.dispose()


def test_a_populated_database_of_an_earlier_version_upgrades_in_place(db_url):
    """A deployment with data at 0004 upgrades to head, and its rows take the new defaults."""
    engine = create_database_engine(db_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    row = _item_row()
    with engine.begin() as connection:  # the columns of 0004 only, as that version wrote them
        connection.execute(text(f"INSERT INTO item ({', '.join(row)}) VALUES "
                                f"({', '.join(':' + name for name in row)})"),
                           {**row, "output": '{"a": 1}'})
        connection.execute(text("INSERT INTO api_token (name, token_hash, scope, created_by, created_at) "
                                "VALUES ('old', :hash, 'ingest', 'cli:ops', :at)"),
                           {"hash": hash_token("wbt_old"), "at": utcnow()})
    upgrade_to_head(engine)
    assert schema_is_current(engine)
    [item] = stored_items(engine)
    assert (item.reviews_required, item.first_reviewer) == (1, None)
    with engine.connect() as connection:
        policy = connection.execute(text("SELECT sla_minutes_high, four_eyes_high_impact FROM policy")).one()
    assert (policy[0], bool(policy[1])) == (60, False)
    # A token made before 0007 keeps reaching every source; its reviewers become pseudonyms.
    found = authenticate_token(engine, "wbt_old")
    assert found is not None and found[0].bounds == TokenBounds(sources=None, reviewer_identities=False)
    engine.dispose()
