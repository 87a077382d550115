"""The tamper-evident audit log: every entry holds its predecessor's hash and its own."""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor, pseudonym
from review.clock import isoformat_utc, utcnow
from review.permissions import Permission, require
from storage.engine import reading, writing
from storage.models import AuditEntry
from storage.repositories.audit import (
    get_chain_head,
    list_audit_entries,
    lock_audit_chain,
    stream_audit_rows,
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


@dataclass(frozen=True)
class ChainCheck:
    """The result of walking the chain: intact, or the first entry that does not match."""

    intact: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


def entry_hash(
    seq: int, at: datetime, actor: str, action: str, subject: str, details: Any, prev_hash: str
) -> str:
    """SHA-256 of an entry's canonical content, which includes the previous entry's hash."""
    content = json.dumps(
        [seq, isoformat_utc(at), actor, action, subject, details, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(content.encode()).hexdigest()


def append_audit(
    session: Session, actor: Actor, action: AuditAction, subject: str,
    details: dict[str, Any] | None = None, now: datetime | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (the caller commits); appends never fork."""
    lock_audit_chain(session=session)
    head = get_chain_head(session=session)
    seq = head.seq + 1 if head else 1
    prev = head.entry_hash if head else GENESIS_HASH
    at = now or utcnow()
    subject = subject[:MAX_SUBJECT_LENGTH]
    entry = AuditEntry(
        seq=seq, at=at, actor=actor.identity, action=action.value, subject=subject,
        details=details, prev_hash=prev,
        entry_hash=entry_hash(seq, at, actor.identity, action.value, subject, details, prev),
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


def verify_chain(engine: Engine, actor: Actor) -> ChainCheck:
    """Walk the whole chain and name the first entry whose content or link does not match."""
    require(actor, Permission.VIEW_AUDIT)
    expected_prev, count = GENESIS_HASH, 0
    with reading(engine) as session:
        for seq, at, who, action, subject, details, prev_hash, stored_hash in stream_audit_rows(
            session=session
        ):
            count += 1
            if seq != count:
                return ChainCheck(False, count, count, f"entry {count} is missing (found {seq})")
            if prev_hash != expected_prev:
                return ChainCheck(False, count, seq, "its link to the previous entry does not match")
            if entry_hash(seq, at, who, action, subject, details, prev_hash) != stored_hash:
                return ChainCheck(False, count, seq, "its content does not match its hash "
                                  "(edited after it was written)")
            expected_prev = stored_hash
    return ChainCheck(True, count)


def list_audit(
    engine: Engine, actor: Actor, limit: int = 200, who: str | None = None,
    action: str | None = None, since: datetime | None = None,
) -> list[AuditEntry]:
    """The newest entries matching the filters, for the Admin page."""
    require(actor, Permission.VIEW_AUDIT)
    with reading(engine) as session:
        return list_audit_entries(session=session, limit=limit, actor=who, action=action, since=since)
