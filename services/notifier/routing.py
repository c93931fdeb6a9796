"""Route a new complaint to the contacts the default handbook names.

Default routine: the municipality's main contact is primary, the association's case officer
for the borettslag gets a copy, and the submitter gets a receipt.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import dialect_insert

from shared import lifecycle
from shared.models import Case, Contact, Notification

CASE_NOTIFICATION = "case_notification"
RECEIPT = "receipt"


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    kind: str


class CaseNotFound(LookupError):
    pass


def main_contact(session: Session) -> Contact | None:
    return session.execute(
        select(Contact)
        .where(Contact.party == "municipality", Contact.role == "main_contact")
        .order_by(Contact.id)
        .limit(1)
    ).scalar_one_or_none()


def contact_by_email(session: Session, email: str | None) -> Contact | None:
    if not email:
        return None
    return session.execute(select(Contact).where(Contact.email == email)).scalar_one_or_none()


def recipients_for(session: Session, case: Case) -> tuple[list[Recipient], bool]:
    """Primary first, then copies, then the receipt; True when no primary contact was found."""
    primary = main_contact(session)
    copy = contact_by_email(session, case.cooperative.association_contact if case.cooperative else None)
    found: list[Recipient] = []
    for contact in (primary, copy):
        if contact is not None and all(r.email != contact.email for r in found):
            found.append(Recipient(contact.email, contact.name, CASE_NOTIFICATION))
    if case.submitter_email:
        found.append(Recipient(case.submitter_email, case.submitter_name or "", RECEIPT))
    return found, primary is None


def message_id_for(event_id: str, recipient: str, kind: str, domain: str) -> str:
    """Derived from the notification's unique key, so a resend carries the same Message-ID."""
    digest = hashlib.sha256(f"{event_id}|{recipient}|{kind}".encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def _add_notification(session: Session, values: dict[str, object]) -> None:
    insert = dialect_insert(session)
    session.execute(insert(Notification).values(**values).on_conflict_do_nothing())


def _routing_comment(contacts: list[Recipient]) -> str:
    if not contacts:
        return "Ingen kontaktperson funnet; saken er sendt til kommunens hovedkontakt for fordeling."
    roles = ["ansvarlig"] + ["kopi"] * (len(contacts) - 1)
    return "Sendt til " + ", ".join(f"{r.name} ({role})" for r, role in zip(contacts, roles))


def route_complaint(
    session: Session, case_id: int, event_id: str, *, now: dt.datetime, mail_domain: str
) -> None:
    """Move a received case to routed and queue its notifications; a second call does nothing."""
    case = session.get(Case, case_id, with_for_update=True)
    if case is None:
        raise CaseNotFound(case_id)
    if case.status != "received":
        return
    recipients, unrouted = recipients_for(session, case)
    contacts = [r for r in recipients if r.kind == CASE_NOTIFICATION]
    case.assignee = contacts[0].email if contacts else None
    case.unrouted = unrouted
    lifecycle.apply(session, case, "route", actor="samhandling", now=now, comment=_routing_comment(contacts))
    for recipient in recipients:
        _add_notification(
            session,
            {
                "event_id": event_id,
                "case_id": case.id,
                "recipient": recipient.email,
                "recipient_name": recipient.name,
                "kind": recipient.kind,
                "status": "pending",
                "message_id": message_id_for(event_id, recipient.email, recipient.kind, mail_domain),
                "created_at": now,
                "attempts": 0,
                "last_error": "",
            },
        )
