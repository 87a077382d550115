"""The keyed, anchored audit chain: deleting or truncating entries, or rewriting one and re-hashing
everything after it, is found by `verify`; values that no longer parse are broken entries."""

import json
from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from review.audit import GENESIS_HASH, entry_hash, forget_cached_keys
from review.audit_anchors import read_anchors, record_anchor
from review.audit_key import audit_files, read_audit_key
from review.audit_verify import verify_chain
from review.enums import Role
from review.roles import grant_role
from tests.factories import OPERATOR


def _grants(engine: Engine, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        grant_role(engine, OPERATOR, f"user{number}@example.com", Role.REVIEWER)


def _superuser(engine: Engine, statement: str, **values: object) -> None:
    """Change the table behind the application's back, as a database superuser could."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(statement), values)


def _rehash_from(engine: Engine, seq: int, key: bytes | None) -> None:
    """Recompute every hash from `seq` on, as a forger who knows the hashing rule would."""
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT seq, at, actor, action, subject, details, prev_hash FROM audit_entry ORDER BY seq"
        )).all()
    prev = GENESIS_HASH
    for number, at, actor, action, subject, details, _old_prev in rows:
        if number < seq:
            prev = _stored_hash(engine, number)
            continue
        details = json.loads(details) if isinstance(details, str) else details
        at = datetime.fromisoformat(at) if isinstance(at, str) else at
        digest = entry_hash(key, number, at, actor, action, subject, details, prev)
        _superuser(engine, "UPDATE audit_entry SET prev_hash = :p, entry_hash = :h, scheme = :s "
                   "WHERE seq = :n", p=prev, h=digest, s=1 if key else 0, n=number)
        prev = digest


def _stored_hash(engine: Engine, seq: int) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT entry_hash FROM audit_entry WHERE seq = :n"),
                                      {"n": seq}).scalar_one())


def test_new_entries_are_keyed_with_a_key_kept_outside_the_database(engine):
    _grants(engine, 2)
    key = read_audit_key(audit_files(engine))
    assert key is not None and len(key) == 32
    with engine.connect() as connection:
        schemes = connection.execute(text("SELECT scheme FROM audit_entry")).scalars().all()
    assert schemes == [1, 1]
    assert verify_chain(engine, OPERATOR).intact


@pytest.mark.parametrize("deleted", ["seq = 12", "seq > 2", "seq > 0"])
def test_deleting_anchored_entries_is_found(engine, deleted):
    _grants(engine, 12)
    assert record_anchor(engine) is not None
    _superuser(engine, f"DELETE FROM audit_entry WHERE {deleted}")
    check = verify_chain(engine, OPERATOR)
    assert not check.intact
    assert "were anchored" in check.problem and "gone" in check.problem


def test_rewriting_an_entry_and_rehashing_everything_after_it_is_found(engine):
    _grants(engine, 6)
    record_anchor(engine)
    _superuser(engine, "UPDATE audit_entry SET subject = 'user:someone-else' WHERE seq = 3")
    # Without the key the forger can only use the unkeyed rule...
    _rehash_from(engine, 3, key=None)
    check = verify_chain(engine, OPERATOR)
    assert (check.intact, check.first_bad_seq) == (False, 3)
    assert "unkeyed entry follows keyed ones" in check.problem
    # ...and even with the key stolen, the anchor taken before still says what entry 6 was.
    _rehash_from(engine, 3, key=read_audit_key(audit_files(engine)))
    check = verify_chain(engine, OPERATOR)
    assert (check.intact, check.first_bad_seq) == (False, 6)
    assert "differs from the anchor" in check.problem


def test_entries_after_the_last_anchor_still_verify_and_anchoring_twice_adds_nothing(engine):
    _grants(engine, 3)
    assert record_anchor(engine).seq == 3
    assert record_anchor(engine) is None
    _grants(engine, 2, start=3)
    assert record_anchor(engine).seq == 5
    check = verify_chain(engine, OPERATOR)
    assert (check.intact, check.entries, check.anchors) == (True, 5, 2)


def test_a_forged_anchor_line_is_refused(engine):
    _grants(engine, 2)
    record_anchor(engine)
    anchors = audit_files(engine).anchors
    line = json.loads(anchors.read_text())
    line["seq"], line["count"] = 1, 1
    anchors.write_text(json.dumps(line) + "\n")
    check = verify_chain(engine, OPERATOR)
    assert not check.intact and "is not signed by the audit key" in check.problem
    with pytest.raises(Exception, match="not signed"):
        read_anchors(audit_files(engine), read_audit_key(audit_files(engine)))


def test_a_missing_key_stops_appends_to_an_existing_chain_and_fails_verify(engine):
    _grants(engine, 1)
    files = audit_files(engine)
    files.key.unlink()
    forget_cached_keys()
    with pytest.raises(Exception, match="audit key .* is missing"):
        _grants(engine, 1, start=1)
    check = verify_chain(engine, OPERATOR)
    assert not check.intact and "key file is missing" in check.problem


@pytest.mark.parametrize("database_kind", ["sqlite"])  # PostgreSQL's typed columns cannot hold one
def test_a_stored_time_that_no_longer_parses_is_reported_as_a_broken_entry(engine):
    _grants(engine, 3)
    _superuser(engine, "UPDATE audit_entry SET at = at || ' ' WHERE seq = 2")
    check = verify_chain(engine, OPERATOR)
    assert (check.intact, check.first_bad_seq) == (False, 2)
    assert "no longer parses" in check.problem


def test_postgresql_refuses_truncate_of_the_audit_log(postgres_engine):
    _grants(postgres_engine, 1)
    with pytest.raises(Exception, match="append-only"), postgres_engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_entry"))
    assert verify_chain(postgres_engine, OPERATOR).intact
