"""The sign-in e-mail of the staff workspace: the link asked for at /logg-inn (shared/sign_in.py),
in the contact's language (nb or nn) whatever the page was read in.

The link is made from the id the event announced, so a resent e-mail carries the same link.
"""
from __future__ import annotations

from email.message import EmailMessage

from jinja2 import Environment
from sqlalchemy.orm import Session

from shared import sign_in
from shared.directory import contact_by_email
from shared.i18n import staff_language
from shared.models import Notification, OutboxEvent
from shared.settings import Settings

from .mail import compose, environment_for

TEMPLATE = "sign_in"


def compose_sign_in(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    announced = session.get_one(OutboxEvent, notification.event_id).payload
    context = {
        "recipient_name": notification.recipient_name,
        "url": sign_in.link_url(settings, announced["link_id"]),
        "minutes": int(sign_in.VALIDITY.total_seconds() // 60),
        "sign_in_page": f"{settings.public_base_url}/logg-inn",
    }
    contact = contact_by_email(session, notification.recipient)
    language = staff_language(contact.language if contact is not None else None)  # the contact's own
    return compose(environment_for(env, language), TEMPLATE, context, settings=settings,
                   to_name=notification.recipient_name, to_email=notification.recipient,
                   message_id=notification.message_id, language=language)
