"""Send an event's notifications, each exactly once as far as SMTP allows.

A notification is claimed (pending → sending) in its own committed transaction before the
SMTP conversation and marked sent right after it, so two deliveries of the same event never
both send, and a worker killed mid-send leaves a claim that expires and is taken again.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from email.message import EmailMessage

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db import unit_of_work
from shared.models import Notification, utcnow

from .mail import Mailer, PermanentMailError, TransientMailError
from .metrics import count_email

log = logging.getLogger("samhandling.notifier")

Composer = Callable[[Session, Notification], EmailMessage]


class DeliveryIncomplete(Exception):
    """Some notifications are still pending or held by another worker; try again later."""


def _claim(session: Session, notification_id: int, now: dt.datetime, claim_timeout: int) -> bool:
    stale = now - dt.timedelta(seconds=claim_timeout)
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            or_(
                Notification.status == "pending",
                (Notification.status == "sending") & (Notification.claimed_at < stale),
            ),
        )
        .values(status="sending", claimed_at=now, attempts=Notification.attempts + 1)
    )
    return result.rowcount == 1


def _finish(session: Session, notification_id: int, status: str, error: str = "") -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Narrow the gap between the SMTP server's 250 and our record of it: a worker killed
        # inside that gap resends. Losing this flag in a database crash costs the same resend.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    values: dict[str, object] = {"status": status, "last_error": error[:2000]}
    if status == "sent":
        values["sent_at"] = utcnow()
    session.execute(update(Notification).where(Notification.id == notification_id).values(**values))


def send_notification(
    sessions: sessionmaker[Session], notification_id: int, compose: Composer, mailer: Mailer, claim_timeout: int
) -> str:
    with unit_of_work(sessions) as session:
        if not _claim(session, notification_id, utcnow(), claim_timeout):
            return "busy"
        notification = session.get_one(Notification, notification_id)
        message = compose(session, notification)
        # What a log line may say about it: never the recipient's address or name.
        about = {"event_id": notification.event_id, "kind": notification.kind,
                 "message_id": notification.message_id, "notification_id": notification_id}
    outcome, error_text = _send(mailer, message)
    with unit_of_work(sessions) as session:
        _finish(session, notification_id, outcome, error_text)
    reported = "deferred" if outcome == "pending" else outcome  # pending again: a retry follows
    count_email(about["kind"], reported)
    if outcome == "sent":
        log.info("e-mail sent", extra=about)
    else:
        log.warning("e-mail %s", reported, extra={**about, "outcome": reported})
    return outcome


def _send(mailer: Mailer, message: EmailMessage) -> tuple[str, str]:
    """The notification's next status and the error to record (for staff, not for the log)."""
    try:
        mailer.send(message)
    except TransientMailError as error:
        return "pending", str(error)
    except PermanentMailError as error:
        return "failed", str(error)
    return "sent", ""


def deliver_event(
    sessions: sessionmaker[Session], event_id: str, compose: Composer, mailer: Mailer, claim_timeout: int
) -> dict[str, int]:
    """Send what is unsent for the event; raise DeliveryIncomplete unless every one is final."""
    with sessions() as session:
        unsent = session.execute(
            select(Notification.id)
            .where(Notification.event_id == event_id, Notification.status.in_(["pending", "sending"]))
            .order_by(Notification.id)
        ).scalars().all()
    outcome: dict[str, int] = {}
    for notification_id in unsent:
        result = send_notification(sessions, notification_id, compose, mailer, claim_timeout)
        outcome[result] = outcome.get(result, 0) + 1
    if outcome.get("pending") or outcome.get("busy"):
        raise DeliveryIncomplete(f"event {event_id}: {outcome}")
    return outcome
