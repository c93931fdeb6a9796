"""Which composer writes a notification, by its kind, so a retried e-mail is the same e-mail."""
from __future__ import annotations

from email.message import EmailMessage

from jinja2 import Environment
from sqlalchemy.orm import Session

from shared.models import Notification
from shared.settings import Settings

from .handlers import compose_case_mail
from .meeting_followups import compose_followup_mail
from .meetings import compose_answer_mail, compose_meeting_mail

MEETING_ANSWERS = ("meeting_booked", "meeting_joined", "meeting_no_slot")


def compose_any(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    kind = notification.kind
    if kind == "invitation":
        composer = compose_meeting_mail
    elif kind == "minutes" or kind.startswith("meeting_reminder_"):
        composer = compose_followup_mail
    elif kind in MEETING_ANSWERS:
        composer = compose_answer_mail
    else:
        composer = compose_case_mail
    return composer(session, notification, settings=settings, env=env)
