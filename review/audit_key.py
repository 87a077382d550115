"""Where the audit chain's secret key and its anchors live: outside the database, so that someone who
can rewrite the database can neither re-sign the chain nor move its anchors.

Defaults: beside a SQLite database file (`workbench.db.audit-key`, `workbench.db.audit-anchors`);
for a server database, the key in `~/.workbench/audit.key` and the anchors in a file per database.
`WORKBENCH_AUDIT_KEY_FILE` and `WORKBENCH_AUDIT_ANCHORS_FILE` set them explicitly: every server
of one database must share the key (a file on each, or a secret mounted by the deployment).
"""

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from review.errors import WorkbenchError

KEY_FILE_SETTING = "WORKBENCH_AUDIT_KEY_FILE"
ANCHORS_FILE_SETTING = "WORKBENCH_AUDIT_ANCHORS_FILE"
_KEY_BYTES = 32


class AuditKeyMissing(WorkbenchError):
    """The chain has keyed entries (or entries at all) but its key file is gone."""


@dataclass(frozen=True)
class AuditFiles:
    """The key file and the anchors file of one database."""

    key: Path
    anchors: Path


def audit_files(engine: Engine, environ: Mapping[str, str] = os.environ) -> AuditFiles:
    """The audit key and anchor files for the database behind `engine`."""
    url = engine.url
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        base = Path(database).resolve()
        key, anchors = base.with_name(base.name + ".audit-key"), base.with_name(base.name + ".audit-anchors")
    else:
        home = Path.home() / ".workbench"
        tag = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
        key, anchors = home / "audit.key", home / f"audit-anchors-{tag}.jsonl"
    return AuditFiles(
        key=Path(environ.get(KEY_FILE_SETTING) or key),
        anchors=Path(environ.get(ANCHORS_FILE_SETTING) or anchors),
    )


def read_audit_key(files: AuditFiles) -> bytes | None:
    """The key, or None when its file does not exist."""
    try:
        text = files.key.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise AuditKeyMissing(f"the audit key {files.key} is damaged (not hex)") from None
    if len(key) < 16:
        raise AuditKeyMissing(f"the audit key {files.key} is too short")
    return key


def create_audit_key(files: AuditFiles) -> bytes:
    """Write a new random key, readable by its owner only; an existing key is kept."""
    existing = read_audit_key(files)
    if existing is not None:
        return existing
    files.key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(_KEY_BYTES)
    # O_EXCL: two processes creating the key at once cannot both win.
    try:
        descriptor = os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_audit_key(files) or key
    with os.fdopen(descriptor, "w", encoding="ascii") as stream:
        stream.write(key.hex() + "\n")
    return key
