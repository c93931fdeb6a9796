"""Who may call the API and what an e-mail link or a retried POST has already done."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
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
    # The one agreement the token is for; None: every agreement of its contact (or, a system's, all).
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    # Who made and who revoked it in the workspace (/arbeid/tilgang); None from the command line.
    created_by: Mapped[str | None] = mapped_column(String(254))
    revoked_by: Mapped[str | None] = mapped_column(String(254))


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


class SignInLink(Base):
    """A sign-in link asked for at /logg-inn: single use, valid 15 minutes, for the browser that asked.

    Made for every address asked, known or not (the same work and the same answer, so the form tells
    nobody which addresses are contacts); only a known contact's link is mailed (`mailed`). The link
    in the e-mail carries this row's id, signed (shared/sign_in.py); the browser that asked keeps a
    nonce in a cookie whose digest is `browser_digest`.
    """

    __tablename__ = "sign_in_link"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    next_path: Mapped[str] = mapped_column(String(500), default="")
    mailed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()


class StaffSession(Base):
    """A signed-in browser: the cookie holds a random id, the database only its SHA-256.

    Ends after 30 minutes without a request (last_seen_at) or 8 hours after sign-in
    (created_at), at sign-out (ended_at), or when the contact is deactivated.
    """

    __tablename__ = "staff_session"

    id_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column()


class AuditEvent(Base):
    """A use of personal data that the audit log must show and no other row records: an export of
    what is held about an e-mail address, or its erasure on request (SPEC §9, /arbeid/tilgang).

    `subject` is the address the request was about: the record that the request was answered.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    party: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))  # personal_data.export | personal_data.erase
    subject: Mapped[str] = mapped_column(String(254))
    detail: Mapped[str] = mapped_column(Text, default="")
