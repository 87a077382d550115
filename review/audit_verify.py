"""Checking the audit log: every link and keyed hash in the chain, and every anchor outside it."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor
from review.audit import chain_audit
from review.audit_anchors import Anchor, AnchorFileDamaged, read_anchors
from review.audit_chain import GENESIS_HASH, KEYED, entry_hash
from review.audit_key import AuditKeyMissing, audit_files, read_audit_key
from review.permissions import Permission, require
from storage.engine import reading
from storage.repositories.audit import count_unchained_entries, stream_audit_rows


@dataclass(frozen=True)
class ChainCheck:
    """The result of walking the chain: intact, or the first entry that does not match."""

    intact: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    anchors: int = 0
    # Entries committed while the check ran, not linked yet (checked by the next verify).
    unchained: int = 0


class _Broken(Exception):
    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(problem)
        self.seq, self.problem = seq, problem


def verify_chain(engine: Engine, actor: Actor) -> ChainCheck:
    """Link the entries waiting, then walk the whole chain and name the first entry whose content,
    link or anchor does not match."""
    require(actor, Permission.VIEW_AUDIT)
    files = audit_files(engine)
    try:
        key = read_audit_key(files)
        anchors = read_anchors(files, key)
        if key is not None:
            chain_audit(engine)
    except (AuditKeyMissing, AnchorFileDamaged) as error:
        return ChainCheck(False, 0, None, str(error))
    by_seq = {anchor.seq: anchor for anchor in anchors}
    count = 0
    try:
        with reading(engine) as session:
            walk = _Walk(key, by_seq)
            for row in stream_audit_rows(session=session):
                count += 1
                walk.check(count, row)
            unchained = count_unchained_entries(session=session)
        _check_nothing_anchored_is_gone(count, anchors)
    except _Broken as broken:
        return ChainCheck(False, count, broken.seq, broken.problem, len(anchors))
    if unchained and key is None:
        return ChainCheck(False, count, count + 1, f"{unchained} entries are not chained and the "
                          "audit key file is missing", len(anchors), unchained)
    return ChainCheck(True, count, anchors=len(anchors), unchained=unchained)


class _Walk:
    """The chain so far: the previous hash, and whether keyed entries have begun."""

    def __init__(self, key: bytes | None, anchors: dict[int, Anchor]) -> None:
        self.key, self.anchors = key, anchors
        self.expected_prev, self.keyed = GENESIS_HASH, False

    def check(self, position: int, row: tuple[Any, ...]) -> None:
        seq, at_text, who, action, subject, details_text, prev_hash, stored_hash, scheme = row
        if seq != position:
            raise _Broken(position, f"entry {position} is missing (found {seq})")
        at, details = _parsed(seq, at_text, details_text)
        if prev_hash != self.expected_prev:
            raise _Broken(seq, "its link to the previous entry does not match")
        key = self._key_for(seq, scheme)
        if entry_hash(key, seq, at, who, action, subject, details, prev_hash) != stored_hash:
            raise _Broken(seq, "its content does not match its hash (edited after it was written)")
        anchor = self.anchors.get(seq)
        if anchor is not None and (anchor.entry_hash != stored_hash or anchor.count != position):
            raise _Broken(seq, f"it differs from the anchor taken at {anchor.at} (the chain was rewritten)")
        self.expected_prev = stored_hash

    def _key_for(self, seq: int, scheme: int) -> bytes | None:
        if scheme == KEYED:
            if self.key is None:
                raise _Broken(seq, "the entry is keyed but the audit key file is missing")
            self.keyed = True
            return self.key
        if self.keyed:
            raise _Broken(seq, "an unkeyed entry follows keyed ones (the chain was rewritten)")
        return None


def _parsed(seq: int, at_text: Any, details_text: Any) -> tuple[datetime, Any]:
    """The stored time and details; a value that no longer parses is a broken entry."""
    try:
        at = datetime.fromisoformat(str(at_text))
        details = None if details_text is None else json.loads(details_text)
    except (ValueError, TypeError) as error:
        raise _Broken(seq, f"a stored value no longer parses ({error})") from None
    return (at if at.utcoffset() is not None else at.replace(tzinfo=UTC)), details


def _check_nothing_anchored_is_gone(count: int, anchors: list[Anchor]) -> None:
    gone = [anchor for anchor in anchors if anchor.seq > count]
    if gone:
        newest = max(gone, key=lambda anchor: anchor.seq)
        raise _Broken(count + 1, f"entries {count + 1} to {newest.seq} were anchored at {newest.at} "
                                 "but are gone (deleted or truncated)")
