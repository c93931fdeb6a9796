"""Database models: plain SQLAlchemy 2.0, shared by every service."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


class Cooperative(Base):
    """A borettslag, identified by its organisasjonsnummer."""

    __tablename__ = "cooperative"

    id: Mapped[int] = mapped_column(primary_key=True)
    orgnr: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(4), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    homes: Mapped[int] = mapped_column(Integer)
    municipality_owned: Mapped[int] = mapped_column(Integer, default=0)
    association_contact: Mapped[str | None] = mapped_column(String(254))


class Contact(Base):
    """A kontaktperson of one of the parties."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    party: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    deputy: Mapped[str | None] = mapped_column(String(254))
    leader: Mapped[str | None] = mapped_column(String(254))
    committee_member: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the contact's access is withdrawn: their tokens and e-mail links stop working.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


class ReferenceCounter(Base):
    """The last number handed out per case prefix and year; the row lock keeps it gapless."""

    __tablename__ = "reference_counter"

    prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id"))
    category: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    share_number: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    submitter_name: Mapped[str | None] = mapped_column(String(200))
    submitter_email: Mapped[str | None] = mapped_column(String(254))
    submitter_phone: Mapped[str | None] = mapped_column(String(40))
    submitter_role: Mapped[str | None] = mapped_column(String(20))
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    assignee: Mapped[str | None] = mapped_column(String(254))
    unrouted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The handbook version that routed the case: a new version changes new cases only.
    handbook_version: Mapped[int | None] = mapped_column(
        ForeignKey("handbook_version.id", name="fk_case_handbook_version")
    )
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Rises with every lifecycle change; an e-mail action link is valid for one version only.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # Type-specific fields (acquisition figures, sublet dates, meeting topics), as submitted.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cooperative: Mapped[Cooperative | None] = relationship()
    history: Mapped[list[CaseHistory]] = relationship(
        back_populates="case", order_by="CaseHistory.id"
    )

    # The staff's case list: newest first, after an optional filter (bench/growth.py).
    __table_args__ = (
        Index("ix_case_newest", "created_at", "id"),
        Index("ix_case_type_newest", "type", "created_at", "id"),
        Index("ix_case_status_newest", "status", "created_at", "id"),
        Index("ix_case_assignee_newest", "assignee", "created_at", "id"),
        Index("ix_case_overdue_newest", "created_at", "id", postgresql_where=text("overdue IS true"),
              sqlite_where=text("overdue IS true")),  # as the filter asks: overdue IS true
    )


class CaseHistory(Base):
    """One immutable row per change: who, when, from, to, comment."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    case: Mapped[Case] = relationship(back_populates="history")


class OutboxEvent(Base):
    """An event written in the same transaction as the change it announces."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60))
    task_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column()
    publish_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set by the relay once a consumer has recorded the event as processed.
    settled_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        Index(
            "ix_outbox_unsettled",
            "published_at",
            postgresql_where=text("settled_at IS NULL"),
            sqlite_where=text("settled_at IS NULL"),
        ),
    )


class ProcessedEvent(Base):
    """A consumer's record that it has finished an event: a second delivery is a no-op."""

    __tablename__ = "processed_event"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    consumer: Mapped[str] = mapped_column(String(60), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One e-mail per (event, recipient, kind), whatever happens to the broker."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    message_id: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "recipient", "kind", name="uq_notification_key"),)


class Deadline(Base):
    """A case deadline as a row: the database is the clock, beat asks it what is due."""

    __tablename__ = "deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # acknowledge | resolve
    working_days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column()
    remind_at: Mapped[dt.datetime] = mapped_column()
    reminded_at: Mapped[dt.datetime | None] = mapped_column()
    escalated_at: Mapped[dt.datetime | None] = mapped_column()
    met_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_deadline_due", "due_at"),  # compliance: a year's deadlines
        Index("ix_deadline_open_remind", "remind_at", postgresql_where=text("closed_at IS NULL"),
              sqlite_where=text("closed_at IS NULL")),
        Index("ix_deadline_open_due", "due_at", postgresql_where=text("closed_at IS NULL"),
              sqlite_where=text("closed_at IS NULL")),
    )


class ApiToken(Base):
    """A bearer token for a contact or a system; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    party: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class IdempotencyRecord(Base):
    """The first answer to a POST with an Idempotency-Key, replayed to its retries."""

    __tablename__ = "idempotency_record"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ActionLinkUse(Base):
    """A used e-mail action link: each link changes a case at most once."""

    __tablename__ = "action_link_use"

    link_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    action: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HandbookVersion(Base):
    """One version of the routine handbook: its YAML text, who saved it and what changed."""

    __tablename__ = "handbook_version"

    # Numbered 1, 2, 3 … by the writer; two writers racing for a number collide on the key.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")


class Absence(Base):
    """A contact is away from starts_on to ends_on (both included, local dates)."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_email: Mapped[str] = mapped_column(ForeignKey("contact.email"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


__all__ = [
    "Absence",
    "ActionLinkUse",
    "ApiToken",
    "Base",
    "IdempotencyRecord",
    "Case",
    "CaseHistory",
    "HandbookVersion",
    "Contact",
    "Deadline",
    "Cooperative",
    "Notification",
    "OutboxEvent",
    "ProcessedEvent",
    "ReferenceCounter",
    "utcnow",
]

# Meetings live in their own module; importing it here puts their tables in Base.metadata.
from . import meeting_models  # noqa: E402,F401
