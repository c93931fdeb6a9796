"""Which composer writes a notification, by the template chosen when it was planned, so a retried
e-mail is the same e-mail."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from jinja2 import Environment
from sqlalchemy.orm import Session

from shared.models import Notification
from shared.settings import Settings

from .case_mail import compose_case_mail
from .meeting_mail import compose_answer, compose_invitation, compose_minutes, compose_reminder


class Composer(Protocol):
    """Writes the e-mail of a planned notification."""

    def __call__(
        self, session: Session, notification: Notification, *, settings: Settings, env: Environment
    ) -> EmailMessage: ...


# The committee's mails; every other template is a case mail.
MEETING_COMPOSERS: dict[str, Composer] = {
    "meeting_invitation": compose_invitation,
    "meeting_answer": compose_answer,
    "meeting_reminder": compose_reminder,
    "meeting_minutes": compose_minutes,
}


def compose_any(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    composer = MEETING_COMPOSERS.get(notification.template, compose_case_mail)
    return composer(session, notification, settings=settings, env=env)
