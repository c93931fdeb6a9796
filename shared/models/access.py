"""Who may call the API and what an e-mail link or a retried POST has already done."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


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
