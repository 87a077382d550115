"""The schema built by the migrations holds the invariants itself, whatever the code above does."""

import pytest
from alembic import command
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from review.actors import Actor, TokenBounds
from review.audit import chain_audit
from review.audit_verify import verify_chain
from review.clock import utcnow
from review.decisions import DecisionRequest, decide
from review.enums import Action, Role
from review.errors import InvalidRequest, NotFound
from review.export import export_rows
from review.feed import item_status, parse_feed_cursor, read_decision_feed
from review.skips import skip_item
from review.tokens import Scope, authenticate_token, hash_token
from storage.engine import create_database_engine
from storage.migrate import alembic_config, schema_is_current, upgrade_to_head
from storage.models import Item
from storage.repositories.export_rows import ExportFilter
from storage.repositories.metrics import count_waiting_by_group
from tests.factories import OPERATOR, claim, decide_held, make_actor, queue_items, stored_item, stored_items

FEED_READER = Actor(identity="token:upstream", roles=frozenset(),
                    scopes=frozenset({Scope.DECISIONS_READ.value}))


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


def _downgraded_to(engine, revision: str) -> None:
    """Take a database populated at head back to `revision` (its data kept), as if that version had
    written it: the code of today writes only today's schema."""
    chain_audit(engine)  # entries of that version were chained as they were written
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


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


# Every id column 0010 widens, by table (the migration's own list would make the test circular).
ID_COLUMNS = {
    "policy": {"id"}, "webhook": {"id"}, "item": {"id", "policy_id"}, "decision": {"id", "item_id"},
    "webhook_delivery": {"id", "webhook_id", "decision_id", "item_id"}, "item_skip": {"id", "item_id"},
    "alert": {"id"}, "role_grant": {"id"}, "api_token": {"id"}, "audit_entry": {"id", "seq"},
}
_LINKS = ("SELECT count(*) FROM decision d JOIN item i ON i.id = d.item_id "
          "JOIN policy p ON p.id = i.policy_id JOIN webhook_delivery w ON w.decision_id = d.id "
          "AND w.item_id = i.id JOIN webhook h ON h.id = w.webhook_id")


def _populate_at_0009(engine) -> None:
    """Items, a skip, decisions with webhook deliveries, audit entries: rows in every linked table."""
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO webhook (source, url, secret, active, created_by, created_at) "
                                "VALUES ('helpdesk-ai', 'https://example.com/h', 's', :yes, 'cli:ops', :at)"),
                           {"yes": True, "at": utcnow()})
    queue_items(engine, 3)
    skipper, reviewer = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    held = claim(engine, skipper)
    skip_item(engine, skipper, held.item_id, held.lease_id)
    for _ in range(3):
        decide_held(engine, reviewer, claim(engine, reviewer))


def _id_column_types(engine) -> dict[tuple[str, str], str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return {(table, row[1]): row[2] for table in ID_COLUMNS
                    for row in connection.execute(text(f"PRAGMA table_info({table})"))
                    if row[1] in ID_COLUMNS[table]}
        rows = connection.execute(text("SELECT table_name, column_name, data_type FROM "
                                       "information_schema.columns WHERE table_schema = current_schema()"))
        return {(table, column): kind for table, column, kind in rows if column in ID_COLUMNS.get(table, ())}


def test_a_database_populated_at_0009_upgrades_to_64_bit_ids_keeping_rows_and_links(db_url):
    engine = create_database_engine(db_url)
    upgrade_to_head(engine)
    _populate_at_0009(engine)
    _downgraded_to(engine, "0009")
    count = "SELECT (SELECT count(*) FROM item), (SELECT count(*) FROM decision), " \
            "(SELECT count(*) FROM item_skip), (SELECT count(*) FROM audit_entry), " + f"({_LINKS})"
    with engine.connect() as connection:
        before = tuple(connection.execute(text(count)).one())
    assert before[:3] == (3, 3, 1) and before[4] == 3
    upgrade_to_head(engine)
    assert schema_is_current(engine)
    with engine.connect() as connection:
        assert tuple(connection.execute(text(count)).one()) == before
    expected = "INTEGER" if engine.dialect.name == "sqlite" else "bigint"  # SQLite: the rowid alias
    types = _id_column_types(engine)
    assert len(types) == sum(map(len, ID_COLUMNS.values())) and set(types.values()) == {expected}
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            sequences = dict(connection.execute(text(
                "SELECT sequence_name, data_type FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema()")).all())
        assert sequences == {f"{table}_id_seq": "bigint" for table in ID_COLUMNS}
    # Sequences carry on after the old rows, and the foreign keys still hold.
    [new] = queue_items(engine, 1)
    assert stored_item(engine, new).id == 4
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE decision SET item_id = 999 WHERE id = 1"))
    engine.dispose()


def test_a_database_populated_at_0010_gains_the_queue_state_index_keeping_its_rows(db_url):
    engine = create_database_engine(db_url)
    upgrade_to_head(engine)
    queue_items(engine, 5)
    _downgraded_to(engine, "0010")
    upgrade_to_head(engine)
    assert schema_is_current(engine)
    indexes = {index["name"]: index["column_names"] for index in inspect(engine).get_indexes("item")}
    assert indexes["ix_item_queue_state"] == ["state", "source", "task", "impact", "route",
                                              "received_at", "lease_expires_at"]
    with Session(engine) as session:
        assert sum(row[5] for row in count_waiting_by_group(session=session)) == 5
    engine.dispose()


def test_ids_past_32_bits_work_end_to_end_on_postgresql(postgres_engine):
    engine = postgres_engine
    with engine.begin() as connection:
        for table, start in (("item", 20_000_000_000), ("decision", 5_000_000_000), ("audit_entry", 2**40)):
            connection.execute(text(f"ALTER SEQUENCE {table}_id_seq RESTART WITH {start}"))
    [external_id] = queue_items(engine, 1)
    reviewer = make_actor(Role.REVIEWER)
    held = claim(engine, reviewer)
    assert held.item_id == 20_000_000_000
    result = decide_held(engine, reviewer, held)
    assert (result.decision_id, result.item_id) == (5_000_000_000, 20_000_000_000)
    page, cursor = read_decision_feed(engine, FEED_READER, parse_feed_cursor(str(2**32)), limit=10)
    assert [(d["id"], d["item_id"]) for d in page] == [(5_000_000_000, 20_000_000_000)]
    assert cursor.endswith(".5000000000")
    assert read_decision_feed(engine, FEED_READER, parse_feed_cursor(cursor), limit=10) == ([], cursor)
    status = item_status(engine, FEED_READER, "helpdesk-ai", external_id)
    assert (status["item_id"], status["decision"]["id"]) == (20_000_000_000, 5_000_000_000)
    # Eleven digits not starting with 1 look like a phone number; the export's own id is no such thing.
    [(position, row)] = export_rows(engine, OPERATOR, ExportFilter(), redact=True)
    assert (position.id, row["item_id"]) == (5_000_000_000, 20_000_000_000)


def test_a_database_populated_at_0011_upgrades_to_commit_order_keeping_feed_and_chain(db_url):
    engine = create_database_engine(db_url)
    upgrade_to_head(engine)
    queue_items(engine, 3)
    reviewer = make_actor(Role.REVIEWER)
    old = [decide_held(engine, reviewer, claim(engine, reviewer)).decision_id for _ in range(2)]
    assert verify_chain(engine, OPERATOR).intact  # links every entry: 0011 stored them chained
    _downgraded_to(engine, "0011")
    with engine.connect() as connection:
        assert "txid" not in {column["name"] for column in inspect(connection).get_columns("decision")}
    upgrade_to_head(engine)
    assert schema_is_current(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT txid FROM decision ORDER BY id")).scalars().all() == [0, 0]
    new = decide_held(engine, reviewer, claim(engine, reviewer)).decision_id
    page, _ = read_decision_feed(engine, FEED_READER, parse_feed_cursor(None), limit=10)
    assert [d["id"] for d in page] == [*old, new]  # the old decisions first, in id order
    # A plain-id cursor given out before the upgrade reads on from where it was.
    page, _ = read_decision_feed(engine, FEED_READER, parse_feed_cursor(str(old[0])), limit=10)
    assert [d["id"] for d in page] == [old[1], new]
    check = verify_chain(engine, OPERATOR)
    assert (check.intact, check.entries, check.unchained) == (True, 1 + 3 * 2, 0)
    engine.dispose()


def test_an_id_beyond_64_bits_is_not_found_and_a_cursor_beyond_them_is_refused(engine):
    reviewer = make_actor(Role.REVIEWER)
    assert read_decision_feed(engine, FEED_READER, parse_feed_cursor(str(2**63 - 1)), limit=10) == (
        [], f"0.{2**63 - 1}")
    for item_id in (2**63 - 1, 2**63, 10**30):
        with pytest.raises(NotFound):
            decide(engine, reviewer, DecisionRequest(item_id, "lease", Action.APPROVE))
    for cursor in (str(2**63), "9" * 20):
        with pytest.raises(InvalidRequest):
            parse_feed_cursor(cursor)
