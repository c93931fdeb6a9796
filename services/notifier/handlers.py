"""Service layer of the notifier: what happens when a case event arrives."""
from __future__ import annotations

from functools import partial
from typing import Any

from email.message import EmailMessage
from jinja2 import Environment
from sqlalchemy.orm import Session, selectinload

from shared.db import unit_of_work
from shared.inbox import is_processed, mark_processed
from shared.messages import ComplaintSubmitted
from shared.models import Case, Notification, utcnow
from shared.runtime import Resources
from shared.settings import Settings
from shared.vocabulary import COMPLAINT_CATEGORIES, SUBMITTER_ROLES

from .delivery import deliver_event
from .mail import Mailer, compose, mail_domain, template_environment
from .routing import CASE_NOTIFICATION, RECEIPT, route_complaint

CONSUMER = "notifier"
TEMPLATES = {CASE_NOTIFICATION: "complaint_notification", RECEIPT: "complaint_receipt"}


def complaint_context(case: Case, settings: Settings) -> dict[str, Any]:
    tracking_url = f"{settings.public_base_url}/sak/{case.tracking_token}"
    return {
        "reference": case.reference,
        "cooperative_name": case.cooperative.name if case.cooperative else "",
        "cooperative_orgnr": case.cooperative.orgnr if case.cooperative else "",
        "category_label": COMPLAINT_CATEGORIES.get(case.category or "", case.category or ""),
        "description": case.description,
        "share_number": case.share_number,
        "address": case.address,
        "occurred_on": case.occurred_on.strftime("%d.%m.%Y") if case.occurred_on else "",
        "submitter_name": case.submitter_name,
        "submitter_email": case.submitter_email,
        "submitter_phone": case.submitter_phone,
        "submitter_role_label": SUBMITTER_ROLES.get(case.submitter_role or "", ""),
        "tracking_url": tracking_url,
        "link": tracking_url,
    }


def compose_case_mail(
    session: Session, notification: Notification, *, settings: Settings, env: Environment
) -> EmailMessage:
    case = session.get_one(Case, notification.case_id, options=[selectinload(Case.cooperative)])
    context = complaint_context(case, settings)
    context["recipient_name"] = notification.recipient_name
    context["role"] = "primary" if notification.recipient == case.assignee else "copy"
    return compose(
        env,
        TEMPLATES[notification.kind],
        context,
        settings=settings,
        to_name=notification.recipient_name,
        to_email=notification.recipient,
        message_id=notification.message_id,
    )


def handle_complaint_submitted(
    resources: Resources, event: ComplaintSubmitted, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """Route the case, send its e-mails, then record the event as processed."""
    settings = resources.settings
    with unit_of_work(resources.sessions) as session:
        if is_processed(session, event.event_id, CONSUMER):
            return {}
        route_complaint(
            session, event.case_id, event.event_id, now=utcnow(), mail_domain=mail_domain(settings)
        )
    composer = partial(compose_case_mail, settings=settings, env=env or template_environment())
    outcome = deliver_event(
        resources.sessions, event.event_id, composer, mailer, settings.send_claim_timeout
    )
    with unit_of_work(resources.sessions) as session:
        mark_processed(session, event.event_id, CONSUMER)
    return outcome
