"""Events between services and the e-mails they cause: the outbox, the inbox, notifications."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


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
    # Chosen once, when the notification is planned (the case's handbook version may name it), so
    # composing it, now or on a retry, never has to work it out from the kind again.
    template: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    message_id: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("event_id", "recipient", "kind", name="uq_notification_key"),
        # The cases a contact was mailed (the workspace's "Kopi til meg", shared.access.copy_held).
        Index("ix_notification_recipient_kind_case", "recipient", "kind", "case_id"),
    )
