"""The tamper-evident audit log: every entry holds its predecessor's hash and its own, keyed with a
secret kept outside the database; anchors outside the table catch truncation (review.audit_verify).

An action writes its entry unchained, in its own transaction, without waiting for anyone; one
transaction at a time links the entries written so far into the chain (review.audit_chain)."""

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor, pseudonym
from review.audit_chain import (  # noqa: F401 - GENESIS_HASH, UNKEYED, entry_hash: imported from here too
    GENESIS_HASH,
    KEYED,
    UNKEYED,
    entry_hash,
    link_waiting_entries,
    link_with_chain_taken,
    next_link,
)
from review.audit_key import AuditKeyMissing, audit_files, create_audit_key, read_audit_key
from review.clock import utcnow
from review.permissions import Permission, require
from storage.engine import reading, writing
from storage.models import AuditEntry
from storage.repositories.audit import (
    count_unchained_entries,
    has_audit_entries,
    insert_audit_entry,
    list_audit_entries,
)

log = logging.getLogger("workbench.audit")
MAX_SUBJECT_LENGTH = 300


class AuditAction(StrEnum):
    """What an audit entry records."""

    SIGNED_IN = "signed_in"
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    POLICY_CHANGED = "policy_changed"
    ITEMS_INGESTED = "items_ingested"
    ITEM_CLAIMED = "item_claimed"
    ITEM_DECIDED = "item_decided"
    ITEM_ESCALATED = "item_escalated"
    ITEM_SKIPPED = "item_skipped"
    DATA_EXPORTED = "data_exported"
    WEBHOOK_CHANGED = "webhook_changed"
    REFUSED = "refused"


def chain_key(engine: Engine, chain_is_empty: bool) -> bytes:
    """The audit key of `engine`'s database. A new chain gets a new key; an existing chain whose
    key file is gone is refused (a new key would make every earlier entry look forged)."""
    files = audit_files(engine)
    cached = _KEYS.get(files.key)
    if cached is not None:
        return cached
    key = read_audit_key(files)
    if key is None:
        if not chain_is_empty:
            raise AuditKeyMissing(
                f"the audit key {files.key} is missing, so no entry can be added to the audit log; "
                "restore it, or run `workbench init` to start a new key (earlier entries then no "
                "longer verify)"
            )
        key = create_audit_key(files)
    _KEYS[files.key] = key
    return key


# Read once per process and key file: every append needs it.
_KEYS: dict[Any, bytes] = {}


def append_key(session: Session) -> bytes:
    """The audit key, for an append in `session` (which may find the chain empty)."""
    engine = session.get_bind().engine
    cached = _KEYS.get(audit_files(engine).key)
    if cached is not None:
        return cached
    return chain_key(engine, chain_is_empty=not has_audit_entries(session=session))


def forget_cached_keys() -> None:
    """Read key files afresh on the next append (after a key was replaced or removed)."""
    _KEYS.clear()


def append_audit(
    session: Session, actor: Actor, action: AuditAction, subject: str,
    details: dict[str, Any] | None = None, now: datetime | None = None,
) -> None:
    """Append an entry in the caller's transaction (the caller commits), unchained; then link it
    and any others waiting if no other transaction is linking (never waits for one). SQLite
    serialises writers, so there the entry is linked as it is inserted."""
    # Without the key nothing may be added: an entry that can never be chained is worse than none.
    key = append_key(session)
    # A plain insert, no ORM object: every claim and every decision appends one.
    values = {"at": now or utcnow(), "actor": actor.identity, "action": action.value,
              "subject": subject[:MAX_SUBJECT_LENGTH], "details": details, "scheme": KEYED}
    if session.get_bind().dialect.name == "sqlite":
        insert_audit_entry(session=session, values={**values, **next_link(session, key, values)})
        return
    # The insert tries for the chain too (PostgreSQL); whoever holds it links everyone's entries.
    if insert_audit_entry(session=session, values=values, try_chain=True):
        link_with_chain_taken(session, key)


def chain_audit(engine: Engine) -> int:
    """Link every committed entry still waiting, waiting for the chain if another transaction
    holds it; how many were linked. Run before reading, verifying or anchoring the chain."""
    with reading(engine) as session:
        if not count_unchained_entries(session=session):
            return 0
    with writing(engine) as session:
        linked = link_waiting_entries(session, append_key(session), wait=True)
        session.commit()
    return linked


def chain_audit_quietly(engine: Engine) -> None:
    """`chain_audit`, logging instead of raising: linking must never fail the work around it
    (an entry left waiting is linked by the next transaction that gets the chain)."""
    try:
        chain_audit(engine)
    except Exception as error:  # noqa: BLE001 - e.g. a missing key: verify and appends tell
        log.warning("could not link waiting audit entries: %s", error)


def record_audit(
    engine: Engine, actor: Actor, action: AuditAction, subject: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry in a transaction of its own (sign-ins, refusals)."""
    with writing(engine) as session:
        append_audit(session, actor, action, subject, details)
        session.commit()


def record_refusal(engine: Engine, actor: Actor, what: str, where: str) -> None:
    """Log and audit a refusal: the log line names a pseudonym, the audit entry the actor."""
    log.warning("refused %s at %s for %s", what, where, pseudonym(actor.identity))
    try:
        record_audit(engine, actor, AuditAction.REFUSED, where[:MAX_SUBJECT_LENGTH], {"what": what})
    except Exception:  # noqa: BLE001 - failing to audit a refusal must not turn it into a 500
        log.exception("could not audit a refusal at %s", where)


def list_audit(
    engine: Engine, actor: Actor, limit: int = 200, who: str | None = None,
    action: str | None = None, since: datetime | None = None,
) -> list[AuditEntry]:
    """The newest entries matching the filters, for the Admin page (linking waiting ones first)."""
    require(actor, Permission.VIEW_AUDIT)
    chain_audit_quietly(engine)
    with reading(engine) as session:
        return list_audit_entries(session=session, limit=limit, actor=who, action=action, since=since)
