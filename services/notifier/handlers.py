"""Service layer of the notifier: what happens when a case event arrives."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.message import EmailMessage
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shared import action_links, lifecycle
from shared.access import may_hold_case
from shared.board_approval import BOARD_APPROVAL
from shared.db import one_connection, unit_of_work
from shared.deadlines import default_rule, open_deadlines, received_note
from shared.formats import date_nb, datetime_nb
from shared.handbook_versions import rule_for_case
from shared.inbox import is_processed, mark_processed
from shared.messages import (
    CaseStatusChanged,
    CaseSubmitted,
    DeadlineMissed,
    DeadlineReminderDue,
    Event,
    NotificationRetried,
)
from shared.models import Case, Contact, Deadline, Notification, OutboxEvent, utcnow
from shared.runtime import Resources
from shared.settings import Settings
from shared.vocabulary import CASE_STATUSES, CASE_TYPES, COMPLAINT_CATEGORIES, SUBMITTER_ROLES

from .delivery import DeliveryIncomplete, deliver_event, send_notification
from .mail import Mailer, compose, mail_domain, template_environment
from .routing import (
    CASE_NOTIFICATION,
    RECEIPT,
    SUMMARY_COPY,
    contact_by_email,
    handbook_template,
    main_contact,
    queue_notification,
    route_case,
)

CONSUMER = "notifier"
STATUS_MAIL_ACTIONS = ("acknowledge", "resolve", "reject", "reopen")
# Contacts act on a case from their inbox; the submitter's receipts and status mails carry no links.
CONTACT_KINDS = (CASE_NOTIFICATION, "assigned")


def template_for(case: Case, kind: str) -> str:
    if kind == RECEIPT:
        return "complaint_receipt"
    if kind == SUMMARY_COPY:
        return "case_summary"  # never one the handbook names: those carry the submitter's data
    if kind.startswith("status_"):
        return "status_changed"
    if kind.startswith(("reminder_", "escalation_")):
        return "deadline_" + kind.split("_", 1)[0]
    return f"{case.type}_notification"  # also for "assigned": the new assignee gets the case


def case_context(case: Case, settings: Settings) -> dict[str, Any]:
    tracking_url = f"{settings.public_base_url}/sak/{case.tracking_token}"
    return {
        "reference": case.reference,
        "cooperative_name": case.cooperative.name if case.cooperative else "",
        "cooperative_orgnr": case.cooperative.orgnr if case.cooperative else "",
        "cooperative_homes": case.cooperative.homes if case.cooperative else 0,
        "category_label": COMPLAINT_CATEGORIES.get(case.category or "", case.category or ""),
        "status_label": CASE_STATUSES.get(case.status, case.status),
        "description": case.description,
        "share_number": case.share_number,
        "address": case.address,
        "occurred_on": date_nb(case.occurred_on) if case.occurred_on else "",
        "submitter_name": case.submitter_name,
        "submitter_email": case.submitter_email,
        "submitter_phone": case.submitter_phone,
        "submitter_role_label": SUBMITTER_ROLES.get(case.submitter_role or "", ""),
        "details": case.details or {},
        "created_by": case.created_by or "",
        "tracking_url": tracking_url,
        "link": tracking_url,
        "received_note": (received_note(case.created_at, settings.tz_name)
                          if case.type == "complaint" else None),
    }


def summary_context(session: Session, case: Case, settings: Settings) -> dict[str, Any]:
    """What a copy to a borettslag board may say: no submitter data, no free text, no links."""
    handler = contact_by_email(session, case.assignee)
    received = case.created_at.replace(tzinfo=case.created_at.tzinfo or dt.timezone.utc)
    return {
        "reference": case.reference,
        "case_type": case.type,
        "type_label": CASE_TYPES.get(case.type, case.type),
        "cooperative_name": case.cooperative.name if case.cooperative else "",
        "category_label": COMPLAINT_CATEGORIES.get(case.category or "", ""),
        # A complaint's share number is the submitter's words; a notice's is the staff's.
        "share_number": case.share_number if case.type != "complaint" else None,
        "received": date_nb(received.astimezone(ZoneInfo(settings.tz_name)).date()),
        "handler_name": handler.name if handler else "",
        "handler_organisation": handler.organisation if handler else "",
        "handler_email": handler.email if handler else "",
    }


def _date(iso: str | None) -> str:
    return date_nb(dt.date.fromisoformat(iso)) if iso else ""


def case_action_links(
    session: Session, case: Case, notification: Notification, settings: Settings
) -> list[dict[str, str]]:
    """Signed links for the actions the case allows now, personal to the recipient and bound to
    the case's version (SPEC §4); the same notification and case state give the same links.

    Only for a contact who may hold the case: never a borettslag board.
    """
    if notification.kind not in CONTACT_KINDS and not notification.kind.startswith("reminder_"):
        return []
    if not may_hold_case(contact_by_email(session, notification.recipient)):
        return []
    allowed = lifecycle.allowed_actions(case.status)
    links = []
    for action in (a for a in action_links.LINK_ACTIONS if a in allowed):
        token = action_links.sign(settings, case_id=case.id, action=action,
                                  recipient=notification.recipient, source=notification.message_id,
                                  version=case.version)
        links.append({"action": action, "label": action_links.LABELS[action],
                      "url": action_links.url(settings, token)})
    return links


def full_context(
    session: Session, case: Case, notification: Notification, settings: Settings
) -> dict[str, Any]:
    """The whole case, for the submitter's own mails and for contacts who may hold the case."""
    context = case_context(case, settings)
    if notification.kind.startswith("status_"):
        # The action and its comment travel in the event itself, so a retry composes the same mail.
        announced = session.get_one(OutboxEvent, notification.event_id).payload
        context.update(action=announced["action"], comment=announced.get("comment", ""))
    if notification.kind.startswith(("reminder_", "escalation_")):
        announced = session.get_one(OutboxEvent, notification.event_id).payload
        deadline = session.get_one(Deadline, announced["deadline_id"])
        local = deadline.due_at.astimezone(ZoneInfo(settings.tz_name))
        context.update(deadline_kind=deadline.kind, due=datetime_nb(local),
                       due_date=date_nb(local.date()), assignee=case.assignee or "",
                       board_asked_on=_date((case.details or {}).get("board_asked_on")))
    context["role"] = "primary" if notification.recipient == case.assignee else "copy"
    context["kind"] = notification.kind
    context["action_links"] = case_action_links(session, case, notification, settings)
    context["action_link_days"] = action_links.VALIDITY.days
    return context


def compose_case_mail(
    session: Session, notification: Notification, *, settings: Settings, env: Environment,
) -> EmailMessage:
    case = session.get_one(Case, notification.case_id, options=[selectinload(Case.cooperative)])
    if notification.kind == SUMMARY_COPY:
        context, template = summary_context(session, case, settings), template_for(case, SUMMARY_COPY)
    else:
        context = full_context(session, case, notification, settings)
        named = handbook_template(session, case, notification.kind)
        template = named or template_for(case, notification.kind)
    context["recipient_name"] = notification.recipient_name
    return compose(
        env, template, context, settings=settings,
        to_name=notification.recipient_name, to_email=notification.recipient,
        message_id=notification.message_id,
    )


def consume(
    resources: Resources, event: Event, mailer: Mailer, env: Environment | None,
    plan: Callable[[Session], None], compose_mail: Callable[..., EmailMessage] = compose_case_mail,
) -> dict[str, int]:
    """Once per event: `plan` queues its e-mails in one transaction; then send, then mark it."""
    composer = partial(compose_mail, settings=resources.settings, env=env or template_environment())
    with one_connection(resources.sessions) as sessions:
        with unit_of_work(sessions) as session:
            if is_processed(session, event.event_id, CONSUMER):
                return {}
            plan(session)
        outcome = deliver_event(
            sessions, event.event_id, composer, mailer, resources.settings.send_claim_timeout
        )
        with unit_of_work(sessions) as session:
            mark_processed(session, event.event_id, CONSUMER)
    return outcome


def handle_case_submitted(
    resources: Resources, event: CaseSubmitted, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """Route the case, send its e-mails, then record the event as processed."""
    settings = resources.settings

    def plan(session: Session) -> None:
        case = route_case(session, event.case_id, event.event_id, now=utcnow(),
                          mail_domain=mail_domain(settings), handbook_path=settings.handbook_path,
                          tz_name=settings.tz_name)
        if case is not None:
            # The deadlines of the handbook version that routed the case.
            rule = rule_for_case(session, case) or default_rule(case.type)
            open_deadlines(session, case, rule, now=utcnow(), tz_name=settings.tz_name)

    return consume(resources, event, mailer, env, plan)


def handle_status_changed(
    resources: Resources, event: CaseStatusChanged, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """Tell the submitter about acknowledge/resolve/reject/reopen, and a new assignee about a handover."""
    domain = mail_domain(resources.settings)

    def plan(session: Session) -> None:
        case = session.get_one(Case, event.case_id)
        if event.action in STATUS_MAIL_ACTIONS and case.submitter_email:
            queue_notification(session, event.event_id, case, case.submitter_email,
                               case.submitter_name or "", f"status_{event.action}", domain)
        assignee = contact_by_email(session, case.assignee)
        if event.action == "reassign" and assignee is not None:
            queue_notification(session, event.event_id, case, assignee.email, assignee.name, "assigned", domain)

    return consume(resources, event, mailer, env, plan)


def handle_notification_retried(
    resources: Resources, event: NotificationRetried, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """Send one failed notification again, after a person asked for it."""
    from .composers import compose_any  # it imports this module: meeting mails build on case mails

    composer = partial(compose_any, settings=resources.settings, env=env or template_environment())
    with one_connection(resources.sessions) as sessions:
        with unit_of_work(sessions) as session:
            if is_processed(session, event.event_id, CONSUMER):
                return {}
        outcome = send_notification(
            sessions, event.notification_id, composer, mailer, resources.settings.send_claim_timeout
        )
        if outcome in ("pending", "busy"):
            raise DeliveryIncomplete(f"notification {event.notification_id}: {outcome}")
        with unit_of_work(sessions) as session:
            mark_processed(session, event.event_id, CONSUMER)
    return {outcome: 1}


def leader_of(session: Session, contact: Contact | None) -> Contact | None:
    """The contact's leader; the municipality's leader when the contact has none on record."""
    leader = contact_by_email(session, contact.leader) if contact is not None else None
    return leader or session.execute(
        select(Contact).where(Contact.party == "municipality", Contact.role == "leader").limit(1)
    ).scalar_one_or_none()


def handle_deadline_event(
    resources: Resources, event: DeadlineReminderDue | DeadlineMissed, mailer: Mailer,
    env: Environment | None = None,
) -> dict[str, int]:
    """A reminder goes to the assignee; a missed deadline goes to the assignee's leader.

    The reminder of a board's limit on an acquisition goes to the municipality's main contact:
    the refusal must reach the municipality (burettslagslova § 4-5).
    """

    def plan(session: Session) -> None:
        case = session.get_one(Case, event.case_id)
        assignee = contact_by_email(session, case.assignee)
        if isinstance(event, DeadlineReminderDue):
            target = main_contact(session) if event.kind == BOARD_APPROVAL else assignee
            kind = f"reminder_{event.kind}"
        else:
            target, kind = leader_of(session, assignee), f"escalation_{event.kind}"
        if target is not None:
            queue_notification(session, event.event_id, case, target.email, target.name, kind,
                               mail_domain(resources.settings))

    return consume(resources, event, mailer, env, plan)
