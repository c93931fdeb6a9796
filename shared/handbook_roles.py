"""Which directory contact a handbook role selector picks, for a borettslag (or none).

One lookup for the notifier, which routes a case by it (services/notifier/routing.py), and for the
workspace's handbook preview, which shows who a new case would go to before a version is saved.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .directory import contact_by_email
from .handbook import CONTACT_PREFIX
from .models import Contact, Cooperative


def contact_by_role(session: Session, party: str, role: str) -> Contact | None:
    """The party's first contact with this directory role."""
    return session.execute(
        select(Contact).where(Contact.party == party, Contact.role == role)
        .order_by(Contact.id).limit(1)
    ).scalar_one_or_none()


def main_contact(session: Session) -> Contact | None:
    return contact_by_role(session, "municipality", "main_contact")


def case_officer(session: Session, cooperative: Cooperative | None) -> Contact | None:
    return contact_by_email(session, cooperative.association_contact if cooperative else None)


def board(session: Session, cooperative: Cooperative | None) -> Contact | None:
    if cooperative is None:
        return None
    return session.execute(
        select(Contact).where(Contact.party == "cooperative", Contact.role == "board",
                              Contact.organisation == cooperative.name).limit(1)
    ).scalar_one_or_none()


# Every role selector the handbook knows (shared.handbook.ROLES), looked up for one borettslag.
ROLE_LOOKUPS: dict[str, Callable[[Session, Cooperative | None], Contact | None]] = {
    "municipality.main_contact": lambda session, _: main_contact(session),
    "municipality.leader": lambda session, _: contact_by_role(session, "municipality", "leader"),
    "association.case_officer": case_officer,
    "association.leader": lambda session, _: contact_by_role(session, "association", "leader"),
    "cooperative.board": board,
}


def contact_for_role(session: Session, selector: str, cooperative: Cooperative | None) -> Contact | None:
    """The contact `selector` (a role, or contact:<e-mail>) names for a case of this borettslag."""
    if selector.startswith(CONTACT_PREFIX):
        return contact_by_email(session, selector.removeprefix(CONTACT_PREFIX))
    return ROLE_LOOKUPS[selector](session, cooperative)
