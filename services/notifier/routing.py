"""Route a new case to the contacts the default routine names.

Complaints: the municipality's main contact is primary, the association's case officer for the
borettslag gets a copy, and the submitter a receipt. Acquisition notices and sublet questions:
the case officer is primary (the association takes them to the board), the main contact a copy.
Meeting requests: the main contact, with both parties' leaders in copy.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import dialect_insert

from shared import lifecycle
from shared.models import Case, Contact, Notification, utcnow

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


def leaders(session: Session) -> list[Contact]:
    return list(session.execute(
        select(Contact).where(Contact.role == "leader", Contact.party.in_(["municipality", "association"]))
        .order_by(Contact.party.desc())
    ).scalars())


def case_officer(session: Session, case: Case) -> Contact | None:
    return contact_by_email(session, case.cooperative.association_contact if case.cooperative else None)


def contacts_for(session: Session, case: Case) -> list[Contact | None]:
    """The default routine: primary first, then copies (None where a role has nobody)."""
    if case.type == "complaint":
        return [main_contact(session), case_officer(session, case)]
    if case.type in ("acquisition", "sublet"):
        # The association takes the notice or question to the borettslag's board.
        return [case_officer(session, case), main_contact(session)]
    return [main_contact(session), *leaders(session)]  # meeting request


def recipients_for(session: Session, case: Case) -> tuple[list[Recipient], bool]:
    """Primary first, then copies, then the receipt; True when no primary contact was found."""
    contacts = contacts_for(session, case)
    found: list[Recipient] = []
    for contact in contacts:
        if contact is not None and all(r.email != contact.email for r in found):
            found.append(Recipient(contact.email, contact.name, CASE_NOTIFICATION))
    if case.submitter_email:
        found.append(Recipient(case.submitter_email, case.submitter_name or "", RECEIPT))
    return found, contacts[0] is None


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


def route_case(
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
        queue_notification(
            session, event_id, case, recipient.email, recipient.name, recipient.kind, mail_domain
        )


def queue_notification(
    session: Session, event_id: str, case: Case, email: str, name: str, kind: str, mail_domain: str
) -> None:
    """One row per (event, recipient, kind); a second call for the same key adds nothing."""
    _add_notification(
        session,
        {
            "event_id": event_id,
            "case_id": case.id,
            "recipient": email,
            "recipient_name": name,
            "kind": kind,
            "status": "pending",
            "message_id": message_id_for(event_id, email, kind, mail_domain),
            "created_at": utcnow(),
            "attempts": 0,
            "last_error": "",
        },
    )
