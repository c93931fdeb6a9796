"""Which directory contact a handbook role selector picks, for a borettslag (or none).

One lookup for the notifier, which routes a case by it (services/notifier/routing.py), and for the
workspace's handbook preview, which shows who a new case would go to before a version is saved.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from .directory import contact_by_email
from .handbook import CONTACT_PREFIX
from .models import DEFAULT_AGREEMENT, Contact, Cooperative, contact_agreement


def in_agreement(agreement_id: int | ColumnElement[int]) -> ColumnElement[bool]:
    """The contact works in this agreement (SPEC §8: each agreement has its own contacts)."""
    return Contact.id.in_(select(contact_agreement.c.contact_id)
                          .where(contact_agreement.c.agreement_id == agreement_id))


# The role lookups, built once: routing runs them for every new case.
_BY_ROLE = (select(Contact).where(Contact.party == bindparam("party"), Contact.role == bindparam("role"),
                                  in_agreement(bindparam("agreement_id")))
            .order_by(Contact.id).limit(1))
_BOARD = (select(Contact).where(Contact.party == "cooperative", Contact.role == "board",
                                Contact.organisation == bindparam("organisation")).limit(1))


def contact_by_role(session: Session, party: str, role: str,
                    agreement_id: int = DEFAULT_AGREEMENT) -> Contact | None:
    """The party's first contact in the agreement with this directory role."""
    return session.execute(_BY_ROLE, {"party": party, "role": role, "agreement_id": agreement_id}
                           ).scalar_one_or_none()


def main_contact(session: Session, agreement_id: int = DEFAULT_AGREEMENT) -> Contact | None:
    """The municipality's kontaktperson for the agreement (its point 2)."""
    return contact_by_role(session, "municipality", "main_contact", agreement_id)


def agreement_of(cooperative: Cooperative | None) -> int:
    return cooperative.agreement_id if cooperative is not None else DEFAULT_AGREEMENT


def case_officer(session: Session, cooperative: Cooperative | None) -> Contact | None:
    return contact_by_email(session, cooperative.association_contact if cooperative else None)


def board(session: Session, cooperative: Cooperative | None) -> Contact | None:
    if cooperative is None:
        return None
    return session.execute(_BOARD, {"organisation": cooperative.name}).scalar_one_or_none()


# Every role selector the handbook knows (shared.handbook.ROLES), looked up for one company in one
# agreement (a case without a company, a meeting request, has its agreement all the same).
ROLE_LOOKUPS: dict[str, Callable[[Session, Cooperative | None, int], Contact | None]] = {
    "municipality.main_contact": lambda session, _, agreement: main_contact(session, agreement),
    "municipality.leader": lambda session, _, agreement: contact_by_role(session, "municipality", "leader",
                                                                         agreement),
    "association.case_officer": lambda session, cooperative, _: case_officer(session, cooperative),
    "association.leader": lambda session, _, agreement: contact_by_role(session, "association", "leader",
                                                                        agreement),
    "cooperative.board": lambda session, cooperative, _: board(session, cooperative),
}


def contact_for_role(session: Session, selector: str, cooperative: Cooperative | None,
                     agreement_id: int | None = None) -> Contact | None:
    """The contact `selector` (a role, or contact:<e-mail>) names for a case of this company, in
    `agreement_id` (default: the company's agreement)."""
    if selector.startswith(CONTACT_PREFIX):
        return contact_by_email(session, selector.removeprefix(CONTACT_PREFIX))
    agreement = agreement_id if agreement_id is not None else agreement_of(cooperative)
    return ROLE_LOOKUPS[selector](session, cooperative, agreement)
