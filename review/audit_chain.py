"""Linking entries into the audit chain: each holds its predecessor's hash and its own, keyed.

Entries are written unchained by the actions they record, concurrently; one transaction at a time
(the chain lock) gives the waiting ones the next positions, in id order, in batches. The chain
cannot fork: the lock admits one linker, the position (seq) is unique, and a linker reads the head
only after taking the lock, so it sees every earlier linker's committed work.
"""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from review.clock import isoformat_utc
from storage.repositories.audit import (
    EntryRow,
    get_chain_head,
    get_head_and_waiting_rows,
    link_entries,
    list_unchained_rows,
    take_chain,
)

GENESIS_HASH = "0" * 64
# How many entries one statement links; a linker goes on until none waits.
LINK_BATCH = 500

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


def link_waiting_entries(session: Session, key: bytes, *, wait: bool) -> int:
    """In the caller's transaction: link every entry waiting (those committed, and the caller's
    own) after the chain's head, if this transaction gets the chain (waiting for it only when
    `wait`); how many were linked. The chain stays this transaction's until it ends."""
    if not take_chain(session=session, wait=wait):
        return 0
    return link_with_chain_taken(session, key)


def link_with_chain_taken(session: Session, key: bytes) -> int:
    """`link_waiting_entries` for a transaction that took the chain in an earlier statement."""
    head, waiting = get_head_and_waiting_rows(session=session, limit=LINK_BATCH)
    seq, prev = (head.seq, head.entry_hash) if head is not None else (0, GENESIS_HASH)
    assert seq is not None and prev is not None
    linked = 0
    while waiting:
        links = []
        for entry in waiting:
            seq += 1
            digest = entry_hash(key, seq, entry.at, entry.actor, entry.action, entry.subject,
                                entry.details, prev)
            links.append((entry.id, seq, prev, digest))
            prev = digest
        link_entries(session=session, links=links)
        linked += len(links)
        if len(waiting) < LINK_BATCH:
            break
        waiting = list_unchained_rows(session=session, limit=LINK_BATCH)
    return linked


def next_link(session: Session, key: bytes, values: dict[str, Any]) -> dict[str, Any]:
    """The chain columns (seq, prev_hash, entry_hash) of a new entry (`values` by column), given
    the next position now, before it is inserted: for SQLite, whose write transactions (BEGIN
    IMMEDIATE) already hold the whole database, so the head cannot move before commit. Saves
    linking it afterwards with a second write."""
    head: EntryRow | None = get_chain_head(session=session)
    seq, prev = (head.seq, head.entry_hash) if head is not None else (0, GENESIS_HASH)
    assert seq is not None and prev is not None
    digest = entry_hash(key, seq + 1, values["at"], values["actor"], values["action"],
                        values["subject"], values["details"], prev)
    return {"seq": seq + 1, "prev_hash": prev, "entry_hash": digest}
