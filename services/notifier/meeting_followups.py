"""After the invitation: reminders 7 and 1 days before a meeting, and the minutes after it.

Both go to every committee member, one e-mail per (event, member, kind), composed when sent
from the meeting as it stands, so the reminder carries the current agenda.
"""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy.orm import Session, selectinload

from shared.committee import committee
from shared.meeting_models import PARTY_NAMES
from shared.messages import Event, MeetingReminderDue, MinutesRecorded
from shared.models import Meeting, Notification, OutboxEvent
from shared.runtime import Resources
from shared.settings import Settings

from .handlers import consume
from .mail import Mailer, compose, mail_domain
from .routing import queue_notification

CASE_ACTION_LABELS = {"resolve": "Saken er løst.", "reject": "Saken er avvist."}
# A decision on another party's case waits for that party to confirm the minutes.
PROPOSAL_LABELS = {"resolve": "Forslag: saken løses når {party} har bekreftet referatet.",
                   "reject": "Forslag: saken avvises når {party} har bekreftet referatet."}


def decision_outcome(decision: dict[str, Any]) -> str:
    """What the decision did to its case, in words for the minutes mail."""
    action = decision.get("case_action")
    if not action:
        return ""
    if decision.get("state") == "proposed":
        return PROPOSAL_LABELS[action].format(party=PARTY_NAMES.get(decision["awaiting"], decision["awaiting"]))
    return CASE_ACTION_LABELS[action]


def _meeting_context(meeting: Meeting, notification: Notification, tz_name: str) -> dict[str, Any]:
    return {
        "recipient_name": notification.recipient_name, "title": meeting.title,
        "when": meeting.starts_at.astimezone(ZoneInfo(tz_name)).strftime("%d.%m.%Y kl. %H.%M"),
        "location": meeting.location, "items": [item.title for item in meeting.agenda],
    }


def compose_followup_mail(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = session.get_one(OutboxEvent, notification.event_id).payload
    meeting = session.get_one(Meeting, announced["meeting_id"], options=[selectinload(Meeting.agenda)])
    context = _meeting_context(meeting, notification, settings.tz_name)
    if notification.kind == "minutes":
        template = "meeting_minutes"
        minutes = meeting.minutes or {}
        context.update(summary=minutes.get("summary", ""),
                       decisions=[{**d, "outcome": decision_outcome(d)} for d in minutes.get("decisions", [])])
    else:
        template = "meeting_reminder"
        context.update(days_before=announced["days_before"])
    return compose(env, template, context, settings=settings, to_name=notification.recipient_name,
                   to_email=notification.recipient, message_id=notification.message_id)


def _to_every_member(resources: Resources, event: Event, kind: str, mailer: Mailer,
                     env: Environment | None) -> dict[str, int]:
    def plan(session: Session) -> None:
        for member in committee(session):
            queue_notification(session, event.event_id, None, member.email, member.name, kind,
                               mail_domain(resources.settings))

    return consume(resources, event, mailer, env, plan, compose_followup_mail)


def handle_meeting_reminder_due(
    resources: Resources, event: MeetingReminderDue, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    return _to_every_member(resources, event, f"meeting_reminder_{event.days_before}", mailer, env)


def handle_minutes_recorded(
    resources: Resources, event: MinutesRecorded, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    return _to_every_member(resources, event, "minutes", mailer, env)
