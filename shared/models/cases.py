"""Cases, their history and deadlines, their references, and the handbook versions that route them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .directory import DEFAULT_AGREEMENT, Cooperative


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
    # The agreement the case is handled under: its company's, or (a meeting request) the requester's.
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True, default=DEFAULT_AGREEMENT,
                                              server_default=str(DEFAULT_AGREEMENT))
    category: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    share_number: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    submitter_name: Mapped[str | None] = mapped_column(String(200))
    submitter_email: Mapped[str | None] = mapped_column(String(254))
    submitter_phone: Mapped[str | None] = mapped_column(String(40))
    submitter_role: Mapped[str | None] = mapped_column(String(20))
    # The submitter's language (shared.i18n.LANGUAGES): every e-mail to them is written in it.
    language: Mapped[str] = mapped_column(String(5), default="nb", server_default="nb")
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
    # When the scheduler (or an erasure on request) removed the personal data of the closed case
    # (shared/retention.py); None while it is kept.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column()
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


class HandbookVersion(Base):
    """One version of the routine handbook: its YAML text, who saved it and what changed."""

    __tablename__ = "handbook_version"

    # Numbered 1, 2, 3 … by the writer; two writers racing for a number collide on the key.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Each agreement has its own handbook: its versions are this agreement's rows, newest last.
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True, default=DEFAULT_AGREEMENT,
                                              server_default=str(DEFAULT_AGREEMENT))
