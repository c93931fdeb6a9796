"""The notifier's side of committee meetings: invitations with iCalendar, answers to requests."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shared.committee import committee, meeting_ics
from shared.ical import agenda_text
from shared.messages import MeetingRequestAnswered, MeetingScheduled
from shared.models import Case, Contact, Meeting, Notification, OutboxEvent
from shared.runtime import Resources
from shared.settings import Settings

from .handlers import case_context, consume
from .mail import Mailer, compose, mail_domain
from .routing import contact_by_email, queue_notification


def _when(meeting: Meeting, tz_name: str) -> str:
    return meeting.starts_at.astimezone(ZoneInfo(tz_name)).strftime("%d.%m.%Y kl. %H.%M")


def compose_meeting_mail(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = session.get_one(OutboxEvent, notification.event_id).payload
    meeting = session.get_one(Meeting, announced["meeting_id"], options=[selectinload(Meeting.agenda)])
    # Composed when sent, from the meeting as it is then: an update still unsent when the meeting
    # was cancelled must not go out as a REQUEST that puts it back in the calendars.
    method = "CANCEL" if meeting.status == "cancelled" else announced["method"]
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    context: dict[str, Any] = {
        "recipient_name": notification.recipient_name, "title": meeting.title, "method": method,
        "sequence": announced["sequence"], "when": _when(meeting, settings.tz_name),
        "duration": f"{minutes // 60} t {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} timer",
        "location": meeting.location, "agenda": agenda_text(meeting),
        "items": [item.title for item in meeting.agenda],
    }
    return compose(env, "meeting_invitation", context, settings=settings,
                   to_name=notification.recipient_name, to_email=notification.recipient,
                   message_id=notification.message_id,
                   calendar=(meeting_ics(session, meeting, method, settings), method))


def handle_meeting_scheduled(
    resources: Resources, event: MeetingScheduled, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """Every committee member gets the invitation (or its update, or the cancellation)."""

    def plan(session: Session) -> None:
        meeting = session.get(Meeting, event.meeting_id)
        # A later change (higher SEQUENCE) has its own event: the members hear of that one only.
        superseded = meeting is None or meeting.sequence > event.sequence
        for member in [] if superseded else committee(session):
            queue_notification(session, event.event_id, None, member.email, member.name,
                               "invitation", mail_domain(resources.settings))

    return consume(resources, event, mailer, env, plan, compose_meeting_mail)


def compose_answer_mail(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = session.get_one(OutboxEvent, notification.event_id).payload
    case = session.get_one(Case, announced["case_id"], options=[selectinload(Case.cooperative)])
    context = case_context(case, settings)
    meeting = session.get(Meeting, announced["meeting_id"]) if announced.get("meeting_id") else None
    context.update(recipient_name=notification.recipient_name, outcome=announced["outcome"],
                   when=_when(meeting, settings.tz_name) if meeting else "")
    return compose(env, "meeting_answer", context, settings=settings,
                   to_name=notification.recipient_name, to_email=notification.recipient,
                   message_id=notification.message_id)


def handle_meeting_request_answered(
    resources: Resources, event: MeetingRequestAnswered, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """The requester hears what happened; with no slot, both parties' leaders are alerted too."""

    def plan(session: Session) -> None:
        case = session.get_one(Case, event.case_id)
        recipients = [contact_by_email(session, case.created_by)]
        if event.outcome == "no_slot":
            recipients += leaders(session)
        seen: set[str] = set()
        for contact in recipients:
            if contact is not None and contact.email not in seen:
                seen.add(contact.email)
                queue_notification(session, event.event_id, case, contact.email, contact.name,
                                   f"meeting_{event.outcome}", mail_domain(resources.settings))

    return consume(resources, event, mailer, env, plan, compose_answer_mail)


def leaders(session: Session) -> list[Contact]:
    return list(session.execute(
        select(Contact).where(Contact.role == "leader", Contact.party.in_(["municipality", "association"]))
        .order_by(Contact.party)
    ).scalars())
