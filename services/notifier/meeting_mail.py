"""Composing the committee's e-mails: invitations with iCalendar, answers to meeting requests,
reminders 7 and 1 days before a meeting, and the minutes after it. The invitation and the
reminders carry the agenda as a PDF, the minutes e-mail the minutes (shared/documents.py).

Each is composed when sent, from the meeting as it stands then, so a reminder carries the current
agenda and an update still unsent when the meeting was cancelled goes out as the cancellation.
"""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from jinja2 import Environment
from sqlalchemy.orm import Session, selectinload

from shared.committee import decision_outcome, meeting_ics
from shared.documents import agenda_pdf, minutes_pdf
from shared.formats import datetime_nb
from shared.ical import agenda_text
from shared.models import Case, Meeting, Notification, OutboxEvent
from shared.settings import Settings

from .case_mail import case_context
from .mail import Attachment, compose


def _when(meeting: Meeting, tz_name: str) -> str:
    return datetime_nb(meeting.starts_at, tz_name)


def _announced(session: Session, notification: Notification) -> dict[str, Any]:
    return session.get_one(OutboxEvent, notification.event_id).payload


def _send(env: Environment, notification: Notification, context: dict[str, Any], settings: Settings,
          calendar: tuple[bytes, str] | None = None, attachments: tuple[Attachment, ...] = ()) -> EmailMessage:
    return compose(env, notification.template, context, settings=settings,
                   to_name=notification.recipient_name, to_email=notification.recipient,
                   message_id=notification.message_id, calendar=calendar, attachments=attachments)


def compose_invitation(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = _announced(session, notification)
    meeting = session.get_one(Meeting, announced["meeting_id"], options=[selectinload(Meeting.agenda)])
    # An update still unsent when the meeting was cancelled must not go out as a REQUEST that
    # puts it back in the calendars.
    method = "CANCEL" if meeting.status == "cancelled" else announced["method"]
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    context: dict[str, Any] = {
        "recipient_name": notification.recipient_name, "title": meeting.title, "method": method,
        "sequence": announced["sequence"], "when": _when(meeting, settings.tz_name),
        "duration": f"{minutes // 60} t {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} timer",
        "location": meeting.location, "agenda": agenda_text(meeting),
        "items": [item.title for item in meeting.agenda],
    }
    # A cancellation carries no agenda: there is no meeting to prepare for.
    agenda = () if method == "CANCEL" else (agenda_pdf(session, meeting, settings.tz_name),)
    return _send(env, notification, context, settings,
                 calendar=(meeting_ics(session, meeting, method, settings), method), attachments=agenda)


def compose_answer(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = _announced(session, notification)
    case = session.get_one(Case, announced["case_id"], options=[selectinload(Case.cooperative)])
    context = case_context(case, settings)
    meeting = session.get(Meeting, announced["meeting_id"]) if announced.get("meeting_id") else None
    context.update(recipient_name=notification.recipient_name, outcome=announced["outcome"],
                   when=_when(meeting, settings.tz_name) if meeting else "")
    return _send(env, notification, context, settings)


def _meeting_context(session: Session, notification: Notification, settings: Settings
                     ) -> tuple[Meeting, dict[str, Any], dict[str, Any]]:
    announced = _announced(session, notification)
    meeting = session.get_one(Meeting, announced["meeting_id"], options=[selectinload(Meeting.agenda)])
    context = {"recipient_name": notification.recipient_name, "title": meeting.title,
               "when": _when(meeting, settings.tz_name), "location": meeting.location,
               "items": [item.title for item in meeting.agenda]}
    return meeting, announced, context


def compose_reminder(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    meeting, announced, context = _meeting_context(session, notification, settings)
    context.update(days_before=announced["days_before"])
    return _send(env, notification, context, settings, attachments=(agenda_pdf(session, meeting, settings.tz_name),))


def compose_minutes(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    meeting, _, context = _meeting_context(session, notification, settings)
    minutes = meeting.minutes or {}
    context.update(summary=minutes.get("summary", ""),
                   decisions=[{**d, "outcome": decision_outcome(d)} for d in minutes.get("decisions", [])])
    return _send(env, notification, context, settings, attachments=(minutes_pdf(session, meeting, settings.tz_name),))
