"""Anchors: the chain's head (seq, count, hash) written now and then to an append-only file outside
the database, signed with the audit key. Deleting the newest entries, truncating the table or
re-hashing a rewritten chain leaves the database self-consistent, but no longer matching its anchors.
"""

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from review.audit import chain_audit, chain_key
from review.audit_key import AuditFiles, audit_files
from review.clock import utcnow
from review.errors import WorkbenchError
from storage.engine import reading
from storage.repositories.audit import count_audit_entries, get_chain_head

log = logging.getLogger("workbench.audit")


class AnchorFileDamaged(WorkbenchError):
    """A line of the anchors file does not parse or is not signed by the audit key."""


@dataclass(frozen=True)
class Anchor:
    """The chain's head as it was at `at`."""

    seq: int
    count: int
    entry_hash: str
    at: str

    def signed_text(self) -> bytes:
        """What the signature covers."""
        return f"{self.seq}|{self.count}|{self.entry_hash}|{self.at}".encode()


def record_anchor(engine: Engine, now: datetime | None = None) -> Anchor | None:
    """Append the current head to the anchors file, unless it is the one anchored last; None for
    an empty chain. Entries waiting are linked first, so the anchor covers them."""
    chain_audit(engine)
    with reading(engine) as session:
        head = get_chain_head(session=session)
        if head is None:
            return None
        count = count_audit_entries(session=session)
    assert head.seq is not None and head.entry_hash is not None  # the head is a chained entry
    files = audit_files(engine)
    key = chain_key(engine, chain_is_empty=False)
    anchor = Anchor(head.seq, count, head.entry_hash, (now or utcnow()).astimezone(UTC).isoformat())
    last = _last_line(files)
    if last is not None and _parse(last, key, files, 0).seq == anchor.seq:
        return None
    line = json.dumps({"seq": anchor.seq, "count": anchor.count, "hash": anchor.entry_hash,
                       "at": anchor.at, "mac": _mac(key, anchor)}) + "\n"
    files.anchors.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_APPEND: concurrent writers (several server processes) never overwrite each other's lines.
    descriptor = os.open(files.anchors, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return anchor


def record_anchor_quietly(engine: Engine) -> None:
    """Anchor the head, logging instead of raising: anchoring must never fail the work around it."""
    try:
        record_anchor(engine)
    except Exception as error:  # noqa: BLE001 - e.g. an unwritable anchors file; verify will tell
        log.warning("could not anchor the audit chain: %s", error)


def read_anchors(files: AuditFiles, key: bytes | None) -> list[Anchor]:
    """Every anchor in the file, oldest first; AnchorFileDamaged names a line that does not check."""
    try:
        text = files.anchors.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and key is None:
        raise AnchorFileDamaged(f"{files.anchors} holds anchors but the audit key is missing")
    assert key is not None or not lines
    return [_parse(line, key, files, number) for number, line in enumerate(lines, 1)]  # type: ignore[arg-type]


def _parse(line: str, key: bytes, files: AuditFiles, number: int) -> Anchor:
    try:
        fields = json.loads(line)
        anchor = Anchor(int(fields["seq"]), int(fields["count"]), str(fields["hash"]), str(fields["at"]))
        mac = str(fields["mac"])
    except (ValueError, KeyError, TypeError):
        raise AnchorFileDamaged(f"line {number} of {files.anchors} does not parse") from None
    if not hmac.compare_digest(mac, _mac(key, anchor)):
        raise AnchorFileDamaged(f"line {number} of {files.anchors} is not signed by the audit key")
    return anchor


def _mac(key: bytes, anchor: Anchor) -> str:
    return hmac.new(key, anchor.signed_text(), hashlib.sha256).hexdigest()


def _last_line(files: AuditFiles) -> str | None:
    try:
        with files.anchors.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            stream.seek(max(stream.tell() - 4096, 0))
            lines = [line for line in stream.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    return lines[-1] if lines else None
