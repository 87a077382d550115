"""The tamper-evident audit log: every entry holds its predecessor's hash and its own, keyed with a
secret kept outside the database; anchors outside the table catch truncation (review.audit_verify)."""

import hashlib
import hmac
import json
import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor, pseudonym
from review.audit_key import AuditKeyMissing, audit_files, create_audit_key, read_audit_key
from review.clock import isoformat_utc, utcnow
from review.permissions import Permission, require
from storage.engine import reading, writing
from storage.models import AuditEntry
from storage.repositories.audit import (
    get_chain_head,
    list_audit_entries,
    lock_audit_chain,
)

GENESIS_HASH = "0" * 64
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


# How an entry's hash is made: 0 = SHA-256 of its content (entries written before the chain was
# keyed), 1 = HMAC-SHA256 under the audit key, which lives outside the database.
UNKEYED, KEYED = 0, 1


def entry_hash(
    key: bytes | None, seq: int, at: datetime, actor: str, action: str, subject: str, details: Any,
    prev_hash: str,
) -> str:
    """The entry's hash over its canonical content, which includes the previous entry's hash:
    HMAC-SHA256 under `key`, or plain SHA-256 for the unkeyed entries of older chains."""
    content = json.dumps(
        [seq, isoformat_utc(at), actor, action, subject, details, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    ).encode()
    if key is None:
        return hashlib.sha256(content).hexdigest()
    return hmac.new(key, content, hashlib.sha256).hexdigest()


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


def forget_cached_keys() -> None:
    """Read key files afresh on the next append (after a key was replaced or removed)."""
    _KEYS.clear()


def append_audit(
    session: Session, actor: Actor, action: AuditAction, subject: str,
    details: dict[str, Any] | None = None, now: datetime | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (the caller commits); appends never fork."""
    lock_audit_chain(session=session)
    head = get_chain_head(session=session)
    key = chain_key(session.get_bind().engine, chain_is_empty=head is None)
    seq = head.seq + 1 if head else 1
    prev = head.entry_hash if head else GENESIS_HASH
    at = now or utcnow()
    subject = subject[:MAX_SUBJECT_LENGTH]
    entry = AuditEntry(
        seq=seq, at=at, actor=actor.identity, action=action.value, subject=subject,
        details=details, prev_hash=prev, scheme=KEYED,
        entry_hash=entry_hash(key, seq, at, actor.identity, action.value, subject, details, prev),
    )
    session.add(entry)
    session.flush()
    return entry


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
    """The newest entries matching the filters, for the Admin page."""
    require(actor, Permission.VIEW_AUDIT)
    with reading(engine) as session:
        return list_audit_entries(session=session, limit=limit, actor=who, action=action, since=since)
