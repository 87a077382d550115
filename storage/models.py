"""SQLModel tables. The schema itself is created and changed only by Alembic migrations."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Ids are 64-bit on both engines (10M decisions a day overflow 32 bits in seven months). The
# largest id, the one limit every id and cursor check reuses: a larger number names no row and
# would overflow a query's parameter, so lookups answer "no such row" without asking the database.
MAX_ROW_ID = 2**63 - 1

# BIGINT on PostgreSQL; on SQLite the primary key must stay exactly INTEGER to remain the rowid
# alias (and SQLite's INTEGER is already 64-bit).
IdType = BigInteger().with_variant(Integer(), "sqlite")

# The commit-order stamp of a row (storage/repositories/commit_order.py): the writing transaction's
# id on PostgreSQL; on SQLite, whose writers are serialised, and for rows written before migration
# 0012, BASE_TXID, below every transaction id.
BASE_TXID = 0

# JSONB on PostgreSQL (compact, indexable), JSON text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model (for bulk inserts and RETURNING)."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def id_column() -> Any:
    """A 64-bit primary key the database assigns."""
    return Field(default=None, sa_column=Column(IdType, primary_key=True))


def reference_column(target: str) -> Any:
    """A required 64-bit foreign key to `target` ("table.id")."""
    return Field(sa_column=Column(IdType, ForeignKey(target), nullable=False))


def json_column(nullable: bool = True) -> Any:
    """A JSON column of the portable type."""
    return Field(default=None, sa_column=Column(JsonType, nullable=nullable))


# A routing policy version for one (source, task), or the default ("*", "*"); rows are never
# updated: a change appends the next version, so every item can name the version that routed it.
class Policy(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source", "task", "version"),)

    id: int | None = id_column()
    source: str = Field(max_length=200)
    task: str = Field(max_length=200)
    version: int
    threshold: float
    audit_rate: float
    paused: bool = False
    reason_codes: list[str] = json_column(nullable=False)
    guidelines: str = ""
    author: str = Field(max_length=320)
    created_at: datetime
    # How long an item may wait, by impact (unknown impact counts as medium).
    sla_minutes_high: int = 60
    sla_minutes_medium: int = 240
    sla_minutes_low: int = 1440
    # Share of audit samples a second person reviews independently, for reviewer agreement.
    second_review_rate: float = 0.0
    four_eyes_high_impact: bool = False
    # Reviewers see the model's confidence only where a lead opted in (the error estimate of such
    # a policy is then not blind).
    show_confidence: bool = False
    # The highest acceptable error rate of auto-approved outputs; the guardrail pauses automation
    # when the audit sample's upper 95% bound crosses it. None: no guardrail.
    error_target: float | None = None
    # Why this version was made (required from the Policy page).
    change_reason: str | None = Field(default=None, max_length=500)


# One AI output sent for routing; the lease columns say who holds it and until when.
class Item(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_item_source_external_id"),
        # Serves the claim query: waiting items of one state, highest priority, oldest first.
        Index("ix_item_claim_order", "state", text("priority DESC"), "received_at", "id"),
        Index("ix_item_source_task_state", "source", "task", "state"),
        Index("ix_item_route_state", "route", "state"),
        # Covers the queue-state counts (dashboard, stats): waiting items only, read from the index.
        Index("ix_item_queue_state", "state", "source", "task", "impact", "route", "received_at",
              "lease_expires_at"),
        # Serves the held-item lookup on every page view (most rows have no holder).
        Index("ix_item_lease_holder", "lease_holder", "state"),
    )

    id: int | None = id_column()
    source: str = Field(max_length=200)
    external_id: str = Field(max_length=200)
    task: str = Field(max_length=200)
    model_version: str | None = Field(default=None, max_length=200)
    input: Any = json_column()
    output: Any = json_column()
    confidence: float | None = None
    impact: str | None = Field(default=None, max_length=10)
    priority: int
    tags: list[str] | None = json_column()
    extra: dict[str, Any] | None = Field(
        default=None, sa_column=Column("metadata", JsonType, nullable=True)
    )
    route: str = Field(max_length=10)
    route_reason: str = Field(max_length=500)
    policy_id: int = reference_column("policy.id")
    state: str = Field(max_length=20)
    received_at: datetime
    lease_id: str | None = Field(default=None, max_length=36)
    lease_holder: str | None = Field(default=None, max_length=320)
    lease_expires_at: datetime | None = None
    claimed_at: datetime | None = None
    escalated_by: str | None = Field(default=None, max_length=320)
    decided_at: datetime | None = None
    # 2 when two people must decide independently (four-eyes, or a second review of an audit);
    # 3 once their reviews disagreed and a senior adjudicates (the decision of round 3 settles).
    reviews_required: int = 1
    # Who made the first of two reviews; they may not make the second.
    first_reviewer: str | None = Field(default=None, max_length=320)
    # A gold item's known answer, {"decision": "approve|edit|reject", "output": ...}: served like
    # any other item, never exported or sent upstream, scored against reviewers.
    gold: Any = json_column()


# An immutable record of one decision on an item: who, what, why, and the output before and after.
class Decision(SQLModel, table=True):
    __table_args__ = (
        Index("ix_decision_item_id", "item_id"),
        Index("ix_decision_decided_at", "decided_at"),
        Index("ix_decision_decided_at_outcome", "decided_at", "outcome", "item_id"),
        # Serves paging in commit order (the feed).
        Index("ix_decision_commit_order", "txid", "id"),
    )

    id: int | None = id_column()
    item_id: int = reference_column("item.id")
    outcome: str = Field(max_length=20)
    reviewer: str | None = Field(default=None, max_length=320)
    reason_code: str | None = Field(default=None, max_length=100)
    rationale: str | None = None
    output_before: Any = json_column()
    output_after: Any = json_column()
    review_seconds: float | None = None
    decided_at: datetime
    escalated: bool = False
    # 1, or 2 for the second, independent review of an item that needs two.
    review_round: int = 1
    # The writing transaction, for reading in commit order: always the database's default (the
    # ORM leaves a None out of the INSERT), never set by the application.
    txid: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=False, server_default=FetchedValue())
    )


# An alert raised for a condition (queue depth, SLA, guardrail, failing webhooks) and whether it
# was posted; one per condition per hour, whichever server notices first.
class Alert(SQLModel, table=True):
    __table_args__ = (Index("ix_alert_condition_raised_at", "condition", "raised_at"),)

    id: int | None = id_column()
    condition: str = Field(max_length=300)
    text: str = Field(max_length=2000)
    raised_at: datetime
    sent_at: datetime | None = None
    delivery_error: str | None = Field(default=None, max_length=500)


# A reviewer gave an item back: it is not handed to them again until `until` (others may take it).
class ItemSkip(SQLModel, table=True):
    __tablename__ = "item_skip"
    __table_args__ = (
        Index("ix_item_skip_reviewer_until", "reviewer", "until", "item_id"),
        Index("ix_item_skip_item_id", "item_id"),
    )

    id: int | None = id_column()
    item_id: int = reference_column("item.id")
    reviewer: str = Field(max_length=320)
    reason: str | None = Field(default=None, max_length=500)
    skipped_at: datetime
    until: datetime


# A role granted to a person by e-mail, by the CLI or an admin; merged with identity-provider roles.
class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("email", "role"),)

    id: int | None = id_column()
    email: str = Field(max_length=320)
    role: str = Field(max_length=20)
    granted_by: str = Field(max_length=320)
    granted_at: datetime


# An API token: only the SHA-256 of its value is stored; a `review` token acts as its user.
class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = id_column()
    name: str = Field(max_length=100, unique=True)
    token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=30)
    user_email: str | None = Field(default=None, max_length=320)
    created_by: str = Field(max_length=320)
    created_at: datetime
    revoked_at: datetime | None = None
    # The sources the token may read and write; null: every source (tokens made before 0007).
    sources: list[str] | None = json_column()
    # Whether the feed and item routes show this token reviewers' e-mails instead of pseudonyms.
    reviewer_identities: bool = False


# One entry of the append-only, hash-chained audit log: who did what to which subject, and when.
# An entry is written unchained (seq, prev_hash and entry_hash null) in its action's transaction
# and linked into the chain soon after by whoever holds the chain (review/audit_chain.py).
class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (
        # The entries waiting to be chained: few, so a partial index finds them at once.
        Index("ix_audit_entry_unchained", "id", postgresql_where=text("seq IS NULL"),
              sqlite_where=text("seq IS NULL")),
    )

    id: int | None = id_column()
    # The position in the chain; unique, so two chainers can never fork it. Null until chained.
    seq: int | None = Field(default=None, sa_column=Column(IdType, unique=True, nullable=True))
    at: datetime = Field(index=True)
    actor: str = Field(max_length=320, index=True)
    action: str = Field(max_length=40, index=True)
    subject: str = Field(max_length=300)
    details: dict[str, Any] | None = json_column()
    prev_hash: str | None = Field(default=None, max_length=64)
    entry_hash: str | None = Field(default=None, max_length=64)
    # 1: entry_hash is an HMAC under the audit key kept outside the database; 0: a plain SHA-256
    # (entries written before the chain was keyed).
    scheme: int = 0


# Where decisions on one source's items are delivered, and the secret that signs them.
class Webhook(SQLModel, table=True):
    id: int | None = id_column()
    source: str = Field(max_length=200, unique=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    active: bool = True
    created_by: str = Field(max_length=320)
    created_at: datetime


# The outbox: one delivery per decision to a webhook, written in the decision's transaction.
class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("decision_id", "webhook_id"),
        # Serves the worker's query: due deliveries in order.
        Index("ix_webhook_delivery_due", "state", "next_attempt_at", "id"),
        Index("ix_webhook_delivery_item", "item_id", "id"),
    )

    id: int | None = id_column()
    webhook_id: int = reference_column("webhook.id")
    decision_id: int = reference_column("decision.id")
    item_id: int = reference_column("item.id")
    payload: Any = json_column(nullable=False)
    state: str = Field(max_length=20)
    attempts: int = 0
    next_attempt_at: datetime
    locked_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime
    delivered_at: datetime | None = None
