"""Composing the committee's e-mails: invitations with iCalendar, answers to meeting requests,
reminders 7 and 1 days before a meeting, and the minutes after it. The invitation and the
reminders carry the agenda as a PDF, the minutes e-mail the minutes (shared/documents.py).

Each is composed when sent, from the meeting as it stands then, so a reminder carries the current
agenda and an update still unsent when the meeting was cancelled goes out as the cancellation.

Each member gets an e-mail of their own (one notification per recipient), so each is written in
the recipient's language (the directory's `language`, nb or nn; SPEC §9), attachments and
calendar file too: the same meeting in the same language makes the same bytes, so a resent
e-mail carries the documents the first did.
"""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from jinja2 import Environment
from sqlalchemy.orm import Session, selectinload

from shared.agreement import meeting_deadline
from shared.case_details import MeetingRequestDetails
from shared.committee import decision_outcome, meeting_ics
from shared.directory import contact_by_email
from shared.documents import agenda_pdf, minutes_pdf
from shared.formats import date, date_time
from shared.i18n import gettext_for, staff_language
from shared.ical import agenda_text
from shared.meeting_texts import in_language
from shared.models import Case, Meeting, Notification, OutboxEvent
from shared.settings import Settings

from .case_mail import case_context
from .mail import Attachment, compose, environment_for


def _when(meeting: Meeting, tz_name: str, language: str) -> str:
    return date_time(meeting.starts_at, tz_name, language)


def _duration(minutes: int, language: str) -> str:
    """"2 timer", "1 t 30 min" (nn: "2 timar")."""
    gettext, hours = gettext_for(language).gettext, minutes // 60
    if minutes % 60:
        return gettext("%(hours)s t %(minutes)s min") % {"hours": hours, "minutes": f"{minutes % 60:02d}"}
    return (gettext("%(hours)s time") if hours == 1 else gettext("%(hours)s timer")) % {"hours": hours}


def _announced(session: Session, notification: Notification) -> dict[str, Any]:
    return session.get_one(OutboxEvent, notification.event_id).payload


def recipients_language(session: Session, notification: Notification) -> str:
    """The recipient contact's own language (nb or nn); bokmål for anyone not in the directory."""
    contact = contact_by_email(session, notification.recipient)
    return staff_language(contact.language if contact is not None else None)


def _send(env: Environment, notification: Notification, context: dict[str, Any], settings: Settings, language: str,
          calendar: tuple[bytes, str] | None = None, attachments: tuple[Attachment, ...] = ()) -> EmailMessage:
    return compose(environment_for(env, language), notification.template, context, settings=settings,
                   to_name=notification.recipient_name, to_email=notification.recipient,
                   message_id=notification.message_id, calendar=calendar, attachments=attachments, language=language)


def compose_invitation(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = _announced(session, notification)
    meeting = session.get_one(Meeting, announced["meeting_id"], options=[selectinload(Meeting.agenda)])
    language = recipients_language(session, notification)
    # An update still unsent when the meeting was cancelled must not go out as a REQUEST that
    # puts it back in the calendars.
    method = "CANCEL" if meeting.status == "cancelled" else announced["method"]
    context: dict[str, Any] = {
        "recipient_name": notification.recipient_name, "title": in_language(meeting.title, language),
        "method": method, "sequence": announced["sequence"], "when": _when(meeting, settings.tz_name, language),
        "duration": _duration(int((meeting.ends_at - meeting.starts_at).total_seconds() // 60), language),
        "location": in_language(meeting.location, language), "agenda": agenda_text(meeting, language),
        "items": [in_language(item.title, language) for item in meeting.agenda],
    }
    # A cancellation carries no agenda: there is no meeting to prepare for.
    agenda = () if method == "CANCEL" else (agenda_pdf(session, meeting, settings.tz_name, language),)
    return _send(env, notification, context, settings, language,
                 calendar=(meeting_ics(session, meeting, method, settings, language), method), attachments=agenda)


def compose_answer(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = _announced(session, notification)
    case = session.get_one(Case, announced["case_id"], options=[selectinload(Case.cooperative)])
    language = recipients_language(session, notification)
    context = case_context(case, settings, language)
    meeting = session.get(Meeting, announced["meeting_id"]) if announced.get("meeting_id") else None
    # The deadline as computed when the request came in (older requests stored none).
    deadline = MeetingRequestDetails.of(case).deadline or meeting_deadline(case.created_at, settings.tz_name)
    context.update(recipient_name=notification.recipient_name, outcome=announced["outcome"],
                   when=_when(meeting, settings.tz_name, language) if meeting else "",
                   deadline=date(deadline, language))
    return _send(env, notification, context, settings, language)


def _meeting_context(session: Session, notification: Notification, settings: Settings, language: str
                     ) -> tuple[Meeting, dict[str, Any], dict[str, Any]]:
    announced = _announced(session, notification)
    meeting = session.get_one(Meeting, announced["meeting_id"], options=[selectinload(Meeting.agenda)])
    context = {"recipient_name": notification.recipient_name, "title": in_language(meeting.title, language),
               "when": _when(meeting, settings.tz_name, language),
               "location": in_language(meeting.location, language),
               "items": [in_language(item.title, language) for item in meeting.agenda]}
    return meeting, announced, context


def compose_reminder(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    language = recipients_language(session, notification)
    meeting, announced, context = _meeting_context(session, notification, settings, language)
    context.update(days_before=announced["days_before"])
    return _send(env, notification, context, settings, language,
                 attachments=(agenda_pdf(session, meeting, settings.tz_name, language),))


def compose_minutes(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    language = recipients_language(session, notification)
    meeting, _, context = _meeting_context(session, notification, settings, language)
    minutes = meeting.minutes or {}
    context.update(summary=minutes.get("summary", ""),
                   decisions=[{**d, "title": in_language(d.get("title", ""), language),
                               "outcome": decision_outcome(d, language)} for d in minutes.get("decisions", [])])
    return _send(env, notification, context, settings, language,
                 attachments=(minutes_pdf(session, meeting, settings.tz_name, language),))
