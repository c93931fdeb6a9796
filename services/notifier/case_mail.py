"""Composing a case's e-mails: what the template of the notification is told about the case.

The template was chosen when the notification was planned (services/notifier/planning.py); the
action and comment of a status change, and the deadline of a reminder or an escalation, come
from the event that planned it, so a retry composes the same mail.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from shared import action_links, lifecycle
from shared.access import may_hold_case
from shared.case_details import AcquisitionDetails, details_of
from shared.deadlines import received_note
from shared.formats import date, date_nb, datetime_nb
from shared.i18n import DEFAULT_LANGUAGE, gettext_for, staff_language
from shared.models import Case, Contact, Deadline, Notification, OutboxEvent
from shared.settings import Settings
from shared.vocabulary import CASE_STATUSES, CASE_TYPES, COMPLAINT_CATEGORIES, SUBMITTER_ROLES

from .mail import compose, environment_for, template_variables
from .planning import SUMMARY_TEMPLATE


@dataclass(frozen=True)
class Sources:
    """What case mails are composed from, loaded for all of them at once: their cases with the
    borettslag, what the events that planned them announced, and the contacts the e-mails need
    (recipients of mails with action links, assignees of summary copies). What the session holds
    already, and the payloads the caller knows (the event being handled), are not asked again:
    a case routed in the same transaction is composed without a query."""

    cases: dict[int, Case]
    announced: dict[str, dict[str, Any]]
    contacts: dict[str, Contact]

    @classmethod
    def load(
        cls, session: Session, notifications: Sequence[Notification], env: Environment,
        announced: dict[str, dict[str, Any]] | None = None,
    ) -> Sources:
        case_ids = {n.case_id for n in notifications if n.case_id is not None}
        cases = {case_id: case for case_id in case_ids
                 if isinstance(case := session.identity_map.get(identity_key(Case, case_id)), Case)}
        if case_ids - cases.keys():
            cases |= {case.id: case for case in session.scalars(
                select(Case).where(Case.id.in_(case_ids - cases.keys()))
                .options(joinedload(Case.cooperative)))}
        known = dict(announced or {})
        unknown = {n.event_id for n in notifications} - known.keys()
        if unknown:
            known |= dict(session.execute(
                select(OutboxEvent.id, OutboxEvent.payload).where(OutboxEvent.id.in_(unknown))).all())
        emails = {email.lower() for email in _needed_contacts(notifications, cases)}
        contacts = {contact.email: contact for contact in session.identity_map.values()
                    if isinstance(contact, Contact) and contact.email in emails}
        if emails - contacts.keys():
            contacts |= {contact.email: contact for contact in session.scalars(
                select(Contact).where(Contact.email.in_(emails - contacts.keys())))}
        return cls(cases, known, contacts)

    def contact(self, email: str | None) -> Contact | None:
        """As services/notifier/directory.contact_by_email would find them."""
        return self.contacts.get(email.lower()) if email else None


def _needed_contacts(notifications: Sequence[Notification], cases: dict[int, Case]) -> set[str]:
    """A summary copy names the case's handler; any other mail to someone but the submitter asks
    who gets it (action links, and the link to the case in the workspace, are for holders only)."""
    needed: set[str] = set()
    for notification in notifications:
        case = cases.get(notification.case_id) if notification.case_id is not None else None
        if notification.template == SUMMARY_TEMPLATE:  # names the handler; in the board's language
            needed |= {case.assignee, notification.recipient} if case is not None and case.assignee else set()
        elif case is None or notification.recipient.lower() != (case.submitter_email or "").lower():
            needed.add(notification.recipient)
    return needed


def labeller(language: str) -> Callable[[str], str]:
    """A code list's label in `language`; no label stays empty (gettext("") is the catalog's header)."""
    gettext = gettext_for(language).gettext
    return lambda label: gettext(label) if label else ""


def case_context(case: Case, settings: Settings, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """`language`: the submitter's, for the mails to them; the staff's mails are in bokmål."""
    tracking_url = f"{settings.public_base_url}/sak/{case.tracking_token}"
    label = labeller(language)
    return {
        "reference": case.reference,
        "cooperative_name": case.cooperative.name if case.cooperative else "",
        "cooperative_orgnr": case.cooperative.orgnr if case.cooperative else "",
        "cooperative_homes": case.cooperative.homes if case.cooperative else 0,
        "category_label": label(COMPLAINT_CATEGORIES.get(case.category or "", case.category or "")),
        "status_label": label(CASE_STATUSES.get(case.status, case.status)),
        "description": case.description,
        "share_number": case.share_number,
        "address": case.address,
        "occurred_on": date(case.occurred_on, language) if case.occurred_on else "",
        "submitter_name": case.submitter_name,
        "submitter_email": case.submitter_email,
        "submitter_phone": case.submitter_phone,
        "submitter_role_label": label(SUBMITTER_ROLES.get(case.submitter_role or "", "")),
        "details": case.details or {},
        "created_by": case.created_by or "",
        "tracking_url": tracking_url,
        "link": tracking_url,
        "received_note": (received_note(case.created_at, settings.tz_name, language)
                          if case.type == "complaint" else None),
    }


def summary_context(case: Case, handler: Contact | None, settings: Settings,
                    language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What a copy to a borettslag board may say: no submitter data, no free text, no links."""
    received = case.created_at.replace(tzinfo=case.created_at.tzinfo or dt.UTC)
    label = gettext_for(language).gettext
    return {
        "reference": case.reference,
        "case_type": case.type,
        "type_label": label(CASE_TYPES.get(case.type, case.type)),
        "cooperative_name": case.cooperative.name if case.cooperative else "",
        "category_label": label(COMPLAINT_CATEGORIES.get(case.category or "", "")),
        # A complaint's share number is the submitter's words; a notice's is the staff's.
        "share_number": case.share_number if case.type != "complaint" else None,
        "received": date_nb(received.astimezone(ZoneInfo(settings.tz_name)).date()),
        "handler_name": handler.name if handler else "",
        "handler_organisation": handler.organisation if handler else "",
        "handler_email": handler.email if handler else "",
    }


def _date(day: dt.date | None) -> str:
    return date_nb(day) if day else ""


def case_action_links(
    case: Case, notification: Notification, recipient: Contact | None, settings: Settings
) -> list[dict[str, str]]:
    """Signed links for the actions the case allows now, personal to the recipient and bound to
    the case's version (SPEC §4); the same notification and case state give the same links.

    Only for a contact who may hold the case: never a borettslag board.
    """
    if not may_hold_case(recipient):
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


def _deadline_context(session: Session, case: Case, deadline_id: int, tz_name: str) -> dict[str, Any]:
    deadline = session.get_one(Deadline, deadline_id)
    details = details_of(case)
    asked_on = details.board_asked_on if isinstance(details, AcquisitionDetails) else None
    local = deadline.due_at.astimezone(ZoneInfo(tz_name))
    return {"deadline_kind": deadline.kind, "due": datetime_nb(local),
            "due_date": date_nb(local.date()), "assignee": case.assignee or "",
            "board_asked_on": _date(asked_on)}


def full_context(
    session: Session, case: Case, notification: Notification, sources: Sources, settings: Settings,
    env: Environment, language: str = DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """The whole case, for the submitter's own mails and for contacts who may hold the case."""
    context = case_context(case, settings, language)
    announced = sources.announced.get(notification.event_id, {})
    if "action" in announced:  # a status change
        context.update(action=announced["action"], comment=announced.get("comment", ""))
    if "deadline_id" in announced:  # a reminder or an escalation
        context.update(_deadline_context(session, case, announced["deadline_id"], settings.tz_name))
    context["role"] = "primary" if notification.recipient == case.assignee else "copy"
    context["kind"] = notification.kind
    # The template decides whether the mail carries action links.
    wants_links = "action_links" in template_variables(env, notification.template)
    context["action_links"] = (case_action_links(case, notification, sources.contact(notification.recipient),
                                                 settings) if wants_links else [])
    context["action_link_days"] = action_links.VALIDITY.days
    # The staff's mails link to the case in the workspace (SPEC §7); the submitter's never do.
    holder = may_hold_case(sources.contact(notification.recipient))
    context["workspace_url"] = f"{settings.public_base_url}/arbeid/saker/{case.reference}" if holder else ""
    return context


def compose_case_mail(
    session: Session, notification: Notification, *, settings: Settings, env: Environment,
    sources: Sources | None = None,
) -> EmailMessage:
    """`sources` as loaded for a batch of e-mails (services/notifier/composers.py); else this one's."""
    sources = sources or Sources.load(session, [notification], env)
    assert notification.case_id is not None
    case = sources.cases[notification.case_id]
    language = recipients_language(case, notification, sources.contact(notification.recipient))
    env = environment_for(env, language)
    if notification.template == SUMMARY_TEMPLATE:
        context = summary_context(case, sources.contact(case.assignee), settings, language)
    else:
        context = full_context(session, case, notification, sources, settings, env, language)
    context["recipient_name"] = notification.recipient_name
    return compose(
        env, notification.template, context, settings=settings,
        to_name=notification.recipient_name, to_email=notification.recipient,
        message_id=notification.message_id, language=language,
    )


def recipients_language(case: Case, notification: Notification, contact: Contact | None) -> str:
    """The case's language for a mail to its submitter (SPEC §9), a contact's own (nb or nn) for
    a mail to a contact, else bokmål."""
    if notification.recipient.lower() == (case.submitter_email or "").lower():
        return case.language or DEFAULT_LANGUAGE
    return staff_language(contact.language if contact is not None else None)
