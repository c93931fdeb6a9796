"""Committee meetings, their agendas and the reminders before them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .directory import DEFAULT_AGREEMENT


class Meeting(Base):
    """A meeting of an agreement's samarbeidsutvalg; at most one a day per committee (a database constraint)."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # annual | requested
    # Whose committee meets: each agreement has its own (SPEC §8).
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True, default=DEFAULT_AGREEMENT,
                                              server_default=str(DEFAULT_AGREEMENT))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column()
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | cancelled | held
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[dict[str, Any] | None] = mapped_column()
    # "2027-spring": which of the agreement's fixed meetings this is, wherever it was moved to.
    annual_slot: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The last move: when, by whom, and the other party's contact who agreed to a shorter notice.
    # The notice of the current time runs from moved_at, or from created_at when never moved.
    moved_at: Mapped[dt.datetime | None] = mapped_column()
    moved_by: Mapped[str | None] = mapped_column(String(254))
    notice_agreed_by: Mapped[str | None] = mapped_column(String(254))

    agenda: Mapped[list[AgendaItem]] = relationship(order_by="AgendaItem.position")

    __table_args__ = (
        Index("uq_meeting_one_a_day", "agreement_id", "held_on", unique=True,
              postgresql_where=text("status <> 'cancelled'"), sqlite_where=text("status <> 'cancelled'")),
        # One live meeting per fixed slot, so two schedulers never book the spring meeting twice.
        Index("uq_meeting_annual_slot", "agreement_id", "annual_slot", unique=True,
              postgresql_where=text("status <> 'cancelled'"), sqlite_where=text("status <> 'cancelled'")),
    )


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20))  # annual | request | acquisition | sublet | complaint
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    decision: Mapped[str | None] = mapped_column(Text)


class MeetingReminder(Base):
    """A reminder to the members N days before a meeting, fired once (or skipped, never both)."""

    __tablename__ = "meeting_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    days_before: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    # Set instead of sent_at when the reminder is moot: its time had passed when it was planned,
    # or the meeting was cancelled, held or already over when beat came to it.
    skipped_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (Index("uq_meeting_reminder_once", "meeting_id", "days_before", unique=True),)
