"""Which composer writes a notification, by the template chosen when it was planned, so a retried
e-mail is the same e-mail."""
from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any, Protocol

from jinja2 import Environment
from sqlalchemy.orm import Session

from shared.models import Notification
from shared.settings import Settings

from .case_mail import Sources, compose_case_mail
from .meeting_mail import compose_answer, compose_invitation, compose_minutes, compose_reminder
from .sign_in_mail import TEMPLATE as SIGN_IN_TEMPLATE, compose_sign_in


class Composer(Protocol):
    """Writes the e-mail of a planned notification."""

    def __call__(
        self, session: Session, notification: Notification, *, settings: Settings, env: Environment
    ) -> EmailMessage: ...


# The committee's mails and the sign-in mail; every other template is a case mail.
OWN_COMPOSERS: dict[str, Composer] = {
    SIGN_IN_TEMPLATE: compose_sign_in,
    "meeting_invitation": compose_invitation,
    "meeting_answer": compose_answer,
    "meeting_reminder": compose_reminder,
    "meeting_minutes": compose_minutes,
}


def compose_letters(
    session: Session, notifications: Sequence[Notification], *, settings: Settings, env: Environment,
    announced: dict[str, dict[str, Any]] | None = None,
) -> list[EmailMessage]:
    """The notifications' e-mails, in their order; what the case mails are composed from is
    loaded once for all of them. `announced`: the payloads of events the caller holds, by id."""
    case_mails = [n for n in notifications if n.template not in OWN_COMPOSERS]
    sources = Sources.load(session, case_mails, env, announced) if case_mails else None
    return [
        OWN_COMPOSERS[n.template](session, n, settings=settings, env=env)
        if n.template in OWN_COMPOSERS
        else compose_case_mail(session, n, settings=settings, env=env, sources=sources)
        for n in notifications
    ]
