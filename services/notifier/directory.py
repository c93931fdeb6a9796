"""Who is who, for the notifier: contacts looked up by e-mail, by role and by the handbook's selectors."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.directory import contact_by_email
from shared.handbook import CONTACT_PREFIX
from shared.models import Case, Contact


def _by_role(session: Session, party: str, role: str) -> Contact | None:
    return session.execute(
        select(Contact).where(Contact.party == party, Contact.role == role)
        .order_by(Contact.id).limit(1)
    ).scalar_one_or_none()


def main_contact(session: Session) -> Contact | None:
    return _by_role(session, "municipality", "main_contact")


def case_officer(session: Session, case: Case) -> Contact | None:
    return contact_by_email(session, case.cooperative.association_contact if case.cooperative else None)


def board(session: Session, case: Case) -> Contact | None:
    if case.cooperative is None:
        return None
    return session.execute(
        select(Contact).where(Contact.party == "cooperative", Contact.role == "board",
                              Contact.organisation == case.cooperative.name).limit(1)
    ).scalar_one_or_none()


# Every role selector the handbook knows (shared.handbook.ROLES), looked up for one case.
ROLE_LOOKUPS: dict[str, Callable[[Session, Case], Contact | None]] = {
    "municipality.main_contact": lambda session, _: main_contact(session),
    "municipality.leader": lambda session, _: _by_role(session, "municipality", "leader"),
    "association.case_officer": case_officer,
    "association.leader": lambda session, _: _by_role(session, "association", "leader"),
    "cooperative.board": board,
}


def contact_for_role(session: Session, selector: str, case: Case) -> Contact | None:
    if selector.startswith(CONTACT_PREFIX):
        return contact_by_email(session, selector.removeprefix(CONTACT_PREFIX))
    return ROLE_LOOKUPS[selector](session, case)


def leader_of(session: Session, contact: Contact | None) -> Contact | None:
    """The contact's leader; the municipality's leader when the contact has none on record."""
    leader = contact_by_email(session, contact.leader) if contact is not None else None
    return leader or _by_role(session, "municipality", "leader")


def leaders(session: Session) -> list[Contact]:
    """Both parties' leaders, the municipality's first."""
    return list(session.execute(
        select(Contact).where(Contact.role == "leader", Contact.party.in_(["municipality", "association"]))
        .order_by(Contact.party)
    ).scalars())
