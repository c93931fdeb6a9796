"""Who may act on a case: one policy for e-mail action links, the staff API and the workspace.

Only contacts of the two parties to the agreement act on cases (a borettslag board never does,
SPEC §7), only while their access stands, and only while the case is with them: its assignee,
or a staff contact the handbook copied on the case, until the case is reassigned. A reassign
hands the case to the new assignee alone; copies are for the assignment they were sent with.
"""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .directory import contact_by_email
from .lifecycle import RECORDED_AS
from .models import Case, CaseHistory, Contact, Notification
from .vocabulary import CASE_HOLDERS

# The kind of the e-mail that hands a routed case to its primary contact and its copies
# (the notifier plans it, services/notifier/planning.py; shared/ imports no service).
CASE_NOTIFICATION = "case_notification"

# Why a contact may not act; the pages and the API map each to their own answer.
NOT_STAFF = "not_staff"  # not a contact of the municipality or the association
REVOKED = "revoked"  # not in the directory any more, or deactivated
NOT_HOLDER = "not_holder"  # the case is with someone else


def refusal(contact: Contact | None, case: Case, *, copied: bool = False) -> str | None:
    """Why `contact` may not act on `case` now, or None when they may.

    `copied`: the contact holds a copy of the case's current assignment (see holds_copy).
    """
    if contact is None or contact.deactivated_at is not None:
        return REVOKED
    if contact.party not in CASE_HOLDERS:
        return NOT_STAFF
    if contact.email != case.assignee and not copied:
        return NOT_HOLDER
    return None


def may_hold_case(contact: Contact | None) -> bool:
    """May this contact be a case's assignee and get its action links (routing, reassign)."""
    return contact is not None and contact.deactivated_at is None and contact.party in CASE_HOLDERS


def may_act(contact: Contact | None, case: Case, *, copied: bool = False) -> bool:
    return refusal(contact, case, copied=copied) is None


def holds_copy(session: Session, case: Case, email: str) -> bool:
    """The handbook copied `email` on the case, and the case has not been reassigned since."""
    copied = exists().where(Notification.case_id == case.id, Notification.recipient == email,
                            Notification.kind == CASE_NOTIFICATION)
    reassigned = exists().where(CaseHistory.case_id == case.id, CaseHistory.action == RECORDED_AS["reassign"])
    return bool(session.execute(select(copied & ~reassigned)).scalar())


def contact_refusal(session: Session, email: str, case: Case) -> str | None:
    """refusal() for the directory contact with this address, read from the database."""
    contact = contact_by_email(session, email)
    copied = contact is not None and holds_copy(session, case, contact.email)
    return refusal(contact, case, copied=copied)
